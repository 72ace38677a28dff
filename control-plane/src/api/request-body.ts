// Reads and decodes request bodies: JSON or YAML, bounded in size.
import { parse as parseYaml } from "yaml";
import { badRequest, tooLarge, unsupportedMediaType } from "./errors.ts";

/** Kubernetes' default limit on request bodies (3 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

export type PatchType = "json" | "merge" | "strategic" | "apply";

const PATCH_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
};

export const mediaType = (contentType: string | null | undefined): string =>
  (contentType ?? "").split(";")[0]!.trim().toLowerCase();

export function patchTypeOf(contentType: string | null | undefined): PatchType {
  const type = PATCH_TYPES[mediaType(contentType)];
  if (!type) {
    throw unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(", ")}`,
    );
  }
  return type;
}

/** The raw body text, refusing more than `limit` bytes before reading them all. */
export async function readBody(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(`the request body is ${declared} bytes, over the limit of ${limit}`);
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge(`the request body is over the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch (error) {
    throw badRequest(`the request body is not valid UTF-8: ${(error as Error).message}`);
  }
}

/** Decodes a JSON or YAML body (by Content-Type) into a value. */
export function decodeBody(text: string, contentType: string | null | undefined): unknown {
  const type = mediaType(contentType);
  const yaml = type === "application/yaml" || type === "application/x-yaml" || type === "application/apply-patch+yaml" || type === "text/yaml";
  const json = type === "" || type === "application/json" || type.endsWith("+json");
  if (!yaml && !json) {
    throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  if (text.trim() === "") throw badRequest("the request body is empty");
  try {
    // YAML is a superset of JSON, but JSON.parse is far faster for the common case.
    return yaml ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text);
  } catch (error) {
    throw badRequest(`the request body could not be decoded: ${(error as Error).message}`);
  }
}

/** Decodes a body that must be a JSON object (every resource write). */
export function decodeObject(text: string, contentType: string | null | undefined): Record<string, unknown> {
  const value = decodeBody(text, contentType);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("the request body must be a JSON or YAML object");
  }
  return value as Record<string, unknown>;
}
