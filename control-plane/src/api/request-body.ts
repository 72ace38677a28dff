// Reads and decodes request bodies: JSON, YAML or Kubernetes protobuf, bounded in size.
import { parse as parseYaml } from "yaml";
import { badRequest, tooLarge, unsupportedMediaType } from "./errors.ts";
import { parseJsonCollection } from "./patch/json-value.ts";
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE, ProtobufDecodeError } from "./protobuf/index.ts";

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

/** The raw body bytes, refusing more than `limit` bytes before reading them all. */
export async function readBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(`the request body is ${declared} bytes, over the limit of ${limit}`);
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge(`the request body is over the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The raw body text, refusing more than `limit` bytes before reading them all. */
export async function readBody(request: Request, limit: number): Promise<string> {
  return utf8(await readBytes(request, limit));
}

function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw badRequest(`the request body is not valid UTF-8: ${(error as Error).message}`);
  }
}

export const isProtobuf = (contentType: string | null | undefined): boolean => mediaType(contentType) === PROTOBUF_MEDIA_TYPE;

/** Decodes a JSON, YAML or Kubernetes protobuf body (by Content-Type) into a value. */
export function decodeBytes(bytes: Uint8Array, contentType: string | null | undefined): unknown {
  if (!isProtobuf(contentType)) return decodeBody(utf8(bytes), contentType);
  let value: unknown;
  try {
    value = decodeKubernetesProtobuf(bytes);
  } catch (error) {
    if (error instanceof ProtobufDecodeError) throw badRequest(`the request body could not be decoded: ${error.message}`);
    throw error;
  }
  // Messages nest only as deep as the schemas, but FieldsV1 carries JSON of any depth.
  checkDepth(value);
  return value;
}

/** Decodes a body that must be one object, as every resource write's is: JSON, YAML or protobuf. */
export function decodeObjectBytes(bytes: Uint8Array, contentType: string | null | undefined): Record<string, unknown> {
  // A protobuf body always decodes to an object.
  return isProtobuf(contentType) ? (decodeBytes(bytes, contentType) as Record<string, unknown>) : decodeObject(utf8(bytes), contentType);
}

export async function readObject(request: Request, limit: number): Promise<Record<string, unknown>> {
  return decodeObjectBytes(await readBytes(request, limit), request.headers.get("content-type"));
}

/**
 * Bodies nested deeper than this are refused, as Kubernetes' JSON decoding
 * refuses them (encoding/json's maxNestingDepth, also in sigs.k8s.io/json and
 * the YAML decoder): the top-level object or list is depth 1, so 10,000
 * nested objects and lists are accepted and 10,001 are not. The patch and
 * validation code here walks what it must of such a body iteratively, or
 * recurses with room to spare (tests go to the limit for every write).
 */
export const MAX_BODY_DEPTH = 10_000;

/** True when `value` nests objects and lists deeper than `limit` (walked without recursion). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [next, depth] = stack.pop()!;
    if (next === null || typeof next !== "object") continue;
    if (depth > limit) return true;
    for (const child of Object.values(next)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

/** Refuses a decoded body nested deeper than MAX_BODY_DEPTH with 400. */
export function checkDepth(value: unknown): void {
  if (nestedDeeperThan(value, MAX_BODY_DEPTH)) throw badRequest(`the request body exceeds the maximum nesting depth of ${MAX_BODY_DEPTH}`);
}

/** Decodes a JSON or YAML body (by Content-Type) into a value. */
export function decodeBody(text: string, contentType: string | null | undefined): unknown {
  const type = mediaType(contentType);
  const yaml = type === "application/yaml" || type === "application/x-yaml" || type === "application/apply-patch+yaml" || type === "text/yaml";
  const json = type === "" || type === "application/json" || type.endsWith("+json");
  if (!yaml && !json) {
    throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, ${PROTOBUF_MEDIA_TYPE}`);
  }
  if (text.trim() === "") throw badRequest("the request body is empty");
  let value: unknown;
  try {
    value = yaml ? (parseJsonCollection(text) ?? parseYaml(text, { maxAliasCount: 100 })) : JSON.parse(text);
  } catch (error) {
    throw badRequest(`the request body could not be decoded: ${(error as Error).message}`);
  }
  checkDepth(value);
  return value;
}

/** Decodes a body that must be a JSON object (every resource write). */
export function decodeObject(text: string, contentType: string | null | undefined): Record<string, unknown> {
  const value = decodeBody(text, contentType);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("the request body must be a JSON or YAML object");
  }
  return value as Record<string, unknown>;
}
