// Content negotiation: which representation of objects a client asked for.
import { stringify as toYaml } from "yaml";
import type { KubeObject } from "../storage/store.ts";
import { badRequest, notAcceptable } from "./errors.ts";
import { type IncludeObject, toTable, toTableJson } from "./tables.ts";

export type Representation =
  | { as: "object"; yaml: boolean }
  | { as: "table"; includeObject: IncludeObject }
  | { as: "metadata" };

const SERVED = [
  "application/json",
  "application/yaml",
  "application/json;as=Table;v=v1;g=meta.k8s.io",
  "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io",
  "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
];

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(",")
    .map((part) => {
      const [type, ...params] = part.split(";").map((s) => s.trim());
      const record: Record<string, string> = {};
      for (const p of params) {
        const eq = p.indexOf("=");
        if (eq > 0) record[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
      }
      return { type: (type ?? "").toLowerCase(), params: record };
    })
    .filter((r) => r.type !== "");
}

/** The first representation in the Accept header that Ledge serves (list order wins, as in Kubernetes). */
export function negotiate(accept: string | null, query: URLSearchParams): Representation {
  const ranges = accept ? parseAccept(accept) : [];
  if (ranges.length === 0) return { as: "object", yaml: false };
  for (const { type, params } of ranges) {
    const json = type === "application/json" || type === "application/*" || type === "*/*";
    if (params.as) {
      if (!json || (params.g ?? "meta.k8s.io") !== "meta.k8s.io" || (params.v ?? "v1") !== "v1") continue;
      if (params.as === "Table") return { as: "table", includeObject: includeObjectOf(query) };
      if (params.as === "PartialObjectMetadata" || params.as === "PartialObjectMetadataList") return { as: "metadata" };
      continue;
    }
    if (json) return { as: "object", yaml: false };
    if (type === "application/yaml") return { as: "object", yaml: true };
  }
  throw notAcceptable(SERVED);
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const value = query.get("includeObject") ?? "Metadata";
  if (value === "None" || value === "Metadata" || value === "Object") return value;
  throw badRequest(`includeObject must be one of None, Metadata, Object, not "${value}"`);
}

/** apiVersion and kind first, as Kubernetes serialises objects. */
export const ordered = (object: KubeObject): KubeObject => {
  const { apiVersion, kind, metadata, ...rest } = object;
  return { apiVersion, kind, metadata, ...rest };
};

const partial = (object: KubeObject) => ({
  kind: "PartialObjectMetadata",
  apiVersion: "meta.k8s.io/v1",
  metadata: object.metadata,
});

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function encode(body: unknown, representation: Representation, status: number, headers: Record<string, string>): Response {
  if (representation.as === "object" && representation.yaml) {
    return new Response(toYaml(body), { status, headers: { "content-type": "application/yaml", ...headers } });
  }
  return json(body, status, headers);
}

/** One object in the representation asked for. */
export function objectResponse(
  object: KubeObject,
  representation: Representation,
  options: { status?: number; headers?: Record<string, string> } = {},
): Response {
  const status = options.status ?? 200;
  const headers = options.headers ?? {};
  switch (representation.as) {
    case "table":
      return json(
        toTable(object.kind ?? "", [object], {
          includeObject: representation.includeObject,
          resourceVersion: object.metadata.resourceVersion,
        }),
        status,
        headers,
      );
    case "metadata":
      return json(partial(object), status, headers);
    case "object":
      return encode(ordered(object), representation, status, headers);
  }
}

export interface ListBody {
  apiVersion: string;
  kind: string;
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

function listMetadata(list: Omit<ListBody, "items">): Record<string, unknown> {
  const metadata: Record<string, unknown> = { resourceVersion: list.resourceVersion };
  if (list.continue) metadata.continue = list.continue;
  if (list.remainingItemCount !== undefined) metadata.remainingItemCount = list.remainingItemCount;
  return metadata;
}

const tableOptions = (list: Omit<ListBody, "items">, representation: Extract<Representation, { as: "table" }>) => ({
  includeObject: representation.includeObject,
  resourceVersion: list.resourceVersion,
  continue: list.continue,
  remainingItemCount: list.remainingItemCount,
});

/** Whether `listTextResponse` serves the representation: objects as JSON, or a Table. */
export const servedFromText = (representation: Representation): representation is TextRepresentation =>
  representation.as === "table" || (representation.as === "object" && !representation.yaml);

type TextRepresentation = Extract<Representation, { as: "table" }> | { as: "object"; yaml: false };

/**
 * A list of objects given as their JSON text, which is spliced into the body
 * rather than parsed and re-serialised: for 10,000 pods that round trip was
 * most of the response time.
 */
export function listTextResponse(
  list: Omit<ListBody, "items"> & { items: string[] },
  itemKind: string,
  representation: TextRepresentation,
  headers: Record<string, string> = {},
): Response {
  let body: string;
  if (representation.as === "table") {
    body = toTableJson(itemKind, list.items, tableOptions(list, representation));
  } else {
    const head = JSON.stringify({ kind: list.kind, apiVersion: list.apiVersion, metadata: listMetadata(list) });
    body = `${head.slice(0, -1)},"items":[${list.items.join(",")}]}`;
  }
  return new Response(body, { status: 200, headers: { "content-type": "application/json", ...headers } });
}

/** A list in the representation asked for. */
export function listResponse(list: ListBody, itemKind: string, representation: Representation, headers: Record<string, string> = {}): Response {
  const metadata = listMetadata(list);
  switch (representation.as) {
    case "table":
      return json(toTable(itemKind, list.items, tableOptions(list, representation)), 200, headers);
    case "metadata":
      return json(
        { kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", metadata, items: list.items.map(partial) },
        200,
        headers,
      );
    case "object":
      return encode(
        { kind: list.kind, apiVersion: list.apiVersion, metadata, items: list.items.map(ordered) },
        representation,
        200,
        headers,
      );
  }
}
