// The /openapi/v3 and /openapi/v2 documents, generated from the registry so
// they describe exactly what the validator enforces. Operation ids, tags,
// parameters and extensions follow Kubernetes' own documents, which is what
// kubectl (explain, field validation support) and generated clients key on.
import { createHash } from "node:crypto";
import type { TSchema } from "@sinclair/typebox";
import { DeleteOptions, Patch, Status, WatchEvent } from "./meta-v1.ts";
import { ComponentCollector, type Json, type JsonObject, type OpenApiFlavor } from "./openapi-schema.ts";
import { groupVersions, resourcesFor, type ResourceEntry, type SubresourceInfo } from "./registry.ts";
import type { GroupVersionKind } from "./schema-builders.ts";

export type { Json, JsonObject } from "./openapi-schema.ts";

type ParamType = "string" | "integer" | "boolean";

interface Param {
  name: string;
  in: "path" | "query";
  type: ParamType;
  description: string;
  required?: boolean;
}

const q = (name: string, type: ParamType, description: string): Param => ({ name, in: "query", type, description });

const P = {
  pretty: q("pretty", "string", "If 'true', then the output is pretty printed."),
  allowWatchBookmarks: q("allowWatchBookmarks", "boolean", 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion.'),
  continue: q("continue", "string", "The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue)."),
  fieldSelector: q("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
  labelSelector: q("labelSelector", "string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
  limit: q("limit", "integer", "limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata."),
  resourceVersion: q("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset"),
  resourceVersionMatch: q("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls. Defaults to unset"),
  sendInitialEvents: q("sendInitialEvents", "boolean", "`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection."),
  timeoutSeconds: q("timeoutSeconds", "integer", "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity."),
  watch: q("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion."),
  dryRun: q("dryRun", "string", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed"),
  fieldManager: q("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes. Required for apply requests (application/apply-patch)."),
  fieldValidation: q("fieldValidation", "string", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: - Ignore - Warn (default) - Strict: fails the request on unknown fields."),
  force: q("force", "boolean", 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.'),
  gracePeriodSeconds: q("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately."),
  ignoreStoreReadError: q("ignoreStoreReadErrorWithClusterBreakingPotential", "boolean", "if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error."),
  orphanDependents: q("orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy. Should the dependent objects be orphaned."),
  propagationPolicy: q("propagationPolicy", "string", "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
} as const;

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_PARAMS = [P.dryRun, P.force, P.fieldManager, P.fieldValidation];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.ignoreStoreReadError, P.orphanDependents, P.propagationPolicy];
const DELETECOLLECTION_PARAMS = [P.continue, P.dryRun, P.fieldSelector, P.gracePeriodSeconds, P.ignoreStoreReadError, P.labelSelector, P.limit, P.orphanDependents, P.propagationPolicy, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds];
const LOG_PARAMS = [
  q("container", "string", "The container for which to stream logs. Defaults to only container if there is one container in the pod."),
  q("follow", "boolean", "Follow the log stream of the pod. Defaults to false."),
  q("insecureSkipTLSVerifyBackend", "boolean", "insecureSkipTLSVerifyBackend indicates that the apiserver should not confirm the validity of the serving certificate of the backend it is connecting to."),
  q("limitBytes", "integer", "If set, the number of bytes to read from the server before terminating the log output."),
  q("previous", "boolean", "Return previous terminated container logs. Defaults to false."),
  q("sinceSeconds", "integer", "A relative time in seconds before the current time from which to show logs."),
  q("tailLines", "integer", "If set, the number of lines from the end of the logs to show."),
  q("timestamps", "boolean", "If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false."),
];

const PATCH_CONTENT_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];
const JSON_TYPE = "application/json";
const WATCH_STREAM_TYPE = "application/json;stream=watch";

type Action = "list" | "post" | "deletecollection" | "get" | "put" | "patch" | "delete" | "watch" | "watchlist";
type Method = "get" | "post" | "put" | "patch" | "delete";

interface Response {
  status: "200" | "201" | "202";
  description: string;
  schema: TSchema | "text";
}

interface Operation {
  method: Method;
  operationId: string;
  description: string;
  action: Action;
  gvk: GroupVersionKind;
  params: readonly Param[];
  body?: { schema: TSchema; contentTypes: readonly string[]; required: boolean };
  responses: readonly Response[];
  /** Lists and watches also stream. */
  streams?: boolean;
}

interface PathItem {
  path: string;
  params: readonly Param[];
  operations: Operation[];
}

// ---------------------------------------------------------------- naming

const pascal = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** "coordination.k8s.io" -> "coordination", "rbac.authorization.k8s.io" -> "rbacAuthorization", "" -> "core". */
function groupWord(group: string): string {
  if (group === "") return "core";
  const [first = "", ...rest] = group.replace(/\.k8s\.io$/, "").split(".");
  return first + rest.map(pascal).join("");
}

const tagOf = (entry: Pick<ResourceEntry, "group" | "version">) => `${groupWord(entry.group)}_${entry.version}`;
const opPrefix = (entry: Pick<ResourceEntry, "group" | "version">) => `${pascal(groupWord(entry.group))}${pascal(entry.version)}`;
const gvkOf = (entry: ResourceEntry): GroupVersionKind => ({ group: entry.group, version: entry.version, kind: entry.kind });
const subGvk = (sub: SubresourceInfo): GroupVersionKind => ({ group: sub.group, version: sub.version, kind: sub.kind });
const basePath = (entry: Pick<ResourceEntry, "group" | "version">) => (entry.group === "" ? `/api/${entry.version}` : `/apis/${entry.group}/${entry.version}`);

// ---------------------------------------------------------------- operations per resource

function pathItems(entry: ResourceEntry): PathItem[] {
  const prefix = opPrefix(entry);
  const scope = entry.namespaced ? "Namespaced" : "";
  const kind = entry.kind;
  const base = basePath(entry);
  const nsPath = entry.namespaced ? "/namespaces/{namespace}" : "";
  const collection = `${base}${nsPath}/${entry.plural}`;
  const item = `${collection}/{name}`;
  const verbs = new Set(entry.verbs);
  const gvk = gvkOf(entry);
  const namespaceParam: Param[] = entry.namespaced
    ? [{ name: "namespace", in: "path", type: "string", required: true, description: "object name and auth scope, such as for teams and projects" }]
    : [];
  const nameParam = (what: string): Param => ({ name: "name", in: "path", type: "string", required: true, description: `name of the ${what}` });
  const ok = (schema: TSchema | "text"): Response => ({ status: "200", description: "OK", schema });
  const created = (schema: TSchema): Response => ({ status: "201", description: "Created", schema });
  const accepted = (schema: TSchema): Response => ({ status: "202", description: "Accepted", schema });
  const deleted = entry.deleteReturnsObject ? entry.schema : Status;
  const items: PathItem[] = [];

  const collectionOps: Operation[] = [];
  if (verbs.has("list")) {
    collectionOps.push({ method: "get", operationId: `list${prefix}${scope}${kind}`, description: `list or watch objects of kind ${kind}`, action: "list", gvk, params: LIST_PARAMS, responses: [ok(entry.listSchema)], streams: true });
  }
  if (verbs.has("create")) {
    collectionOps.push({ method: "post", operationId: `create${prefix}${scope}${kind}`, description: `create a ${kind}`, action: "post", gvk, params: WRITE_PARAMS, body: { schema: entry.schema, contentTypes: [JSON_TYPE], required: true }, responses: [ok(entry.schema), created(entry.schema), accepted(entry.schema)] });
  }
  if (verbs.has("deletecollection")) {
    collectionOps.push({ method: "delete", operationId: `deletecollection${prefix}${scope}${kind}`, description: `delete collection of ${kind}`, action: "deletecollection", gvk, params: DELETECOLLECTION_PARAMS, body: { schema: DeleteOptions, contentTypes: [JSON_TYPE], required: false }, responses: [ok(Status)] });
  }
  if (collectionOps.length > 0) items.push({ path: collection, params: [...namespaceParam, P.pretty], operations: collectionOps });

  const itemOps: Operation[] = [];
  if (verbs.has("get")) itemOps.push({ method: "get", operationId: `read${prefix}${scope}${kind}`, description: `read the specified ${kind}`, action: "get", gvk, params: [], responses: [ok(entry.schema)] });
  if (verbs.has("update")) {
    itemOps.push({ method: "put", operationId: `replace${prefix}${scope}${kind}`, description: `replace the specified ${kind}`, action: "put", gvk, params: WRITE_PARAMS, body: { schema: entry.schema, contentTypes: [JSON_TYPE], required: true }, responses: [ok(entry.schema), created(entry.schema)] });
  }
  if (verbs.has("delete")) {
    itemOps.push({ method: "delete", operationId: `delete${prefix}${scope}${kind}`, description: `delete a ${kind}`, action: "delete", gvk, params: DELETE_PARAMS, body: { schema: DeleteOptions, contentTypes: [JSON_TYPE], required: false }, responses: [ok(deleted), accepted(deleted)] });
  }
  if (verbs.has("patch")) {
    itemOps.push({ method: "patch", operationId: `patch${prefix}${scope}${kind}`, description: `partially update the specified ${kind}`, action: "patch", gvk, params: PATCH_PARAMS, body: { schema: Patch, contentTypes: PATCH_CONTENT_TYPES, required: true }, responses: [ok(entry.schema), created(entry.schema)] });
  }
  if (itemOps.length > 0) items.push({ path: item, params: [nameParam(kind), ...namespaceParam, P.pretty], operations: itemOps });

  const { status, scale, binding, eviction, log } = entry.subresources;
  for (const [suffix, sub] of [["Status", status], ["Scale", scale]] as const) {
    if (!sub) continue;
    const subVerbs = new Set(sub.verbs);
    const subGvkValue = subGvk(sub);
    const ops: Operation[] = [];
    const what = `${suffix.toLowerCase()} of the specified ${kind}`;
    if (subVerbs.has("get")) ops.push({ method: "get", operationId: `read${prefix}${scope}${kind}${suffix}`, description: `read ${what}`, action: "get", gvk: subGvkValue, params: [], responses: [ok(sub.schema)] });
    if (subVerbs.has("update")) {
      ops.push({ method: "put", operationId: `replace${prefix}${scope}${kind}${suffix}`, description: `replace ${what}`, action: "put", gvk: subGvkValue, params: WRITE_PARAMS, body: { schema: sub.schema, contentTypes: [JSON_TYPE], required: true }, responses: [ok(sub.schema), created(sub.schema)] });
    }
    if (subVerbs.has("patch")) {
      ops.push({ method: "patch", operationId: `patch${prefix}${scope}${kind}${suffix}`, description: `partially update ${what}`, action: "patch", gvk: subGvkValue, params: PATCH_PARAMS, body: { schema: Patch, contentTypes: PATCH_CONTENT_TYPES, required: true }, responses: [ok(sub.schema), created(sub.schema)] });
    }
    items.push({ path: `${item}/${suffix.toLowerCase()}`, params: [nameParam(sub.kind), ...namespaceParam, P.pretty], operations: ops });
  }
  for (const [suffix, sub] of [["Binding", binding], ["Eviction", eviction]] as const) {
    if (!sub) continue;
    items.push({
      path: `${item}/${suffix.toLowerCase()}`,
      params: [nameParam(suffix), ...namespaceParam, P.pretty],
      operations: [{ method: "post", operationId: `create${prefix}${scope}${kind}${suffix}`, description: `create ${suffix.toLowerCase()} of a ${kind}`, action: "post", gvk: subGvk(sub), params: WRITE_PARAMS, body: { schema: sub.schema, contentTypes: [JSON_TYPE], required: true }, responses: [ok(sub.schema), created(sub.schema), accepted(sub.schema)] }],
    });
  }
  if (log) {
    items.push({
      path: `${item}/log`,
      params: [nameParam(kind), ...namespaceParam, P.pretty],
      operations: [{ method: "get", operationId: `read${prefix}${scope}${kind}Log`, description: `read log of the specified ${kind}`, action: "get", gvk: subGvk(log), params: LOG_PARAMS, responses: [ok("text")] }],
    });
  }

  if (entry.namespaced && verbs.has("list")) {
    items.push({
      path: `${base}/${entry.plural}`,
      params: [...LIST_PARAMS, P.pretty],
      operations: [{ method: "get", operationId: `list${prefix}${kind}ForAllNamespaces`, description: `list or watch objects of kind ${kind}`, action: "list", gvk, params: [], responses: [ok(entry.listSchema)], streams: true }],
    });
  }
  if (verbs.has("watch")) {
    const watchParams = [...LIST_PARAMS, P.pretty];
    const watchBase = `${base}/watch${nsPath}/${entry.plural}`;
    const watch = (operationId: string, action: Action, description: string): Operation => ({ method: "get", operationId, description, action, gvk, params: [], responses: [ok(WatchEvent)], streams: true });
    items.push({ path: watchBase, params: [...namespaceParam, ...watchParams], operations: [watch(`watch${prefix}${scope}${kind}List`, "watchlist", `watch individual changes to a list of ${kind}. deprecated: use the 'watch' parameter with a list operation instead.`)] });
    items.push({ path: `${watchBase}/{name}`, params: [nameParam(kind), ...namespaceParam, ...watchParams], operations: [watch(`watch${prefix}${scope}${kind}`, "watch", `watch changes to an object of kind ${kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`)] });
    if (entry.namespaced) {
      items.push({ path: `${base}/watch/${entry.plural}`, params: watchParams, operations: [watch(`watch${prefix}${kind}ListForAllNamespaces`, "watchlist", `watch individual changes to a list of ${kind}. deprecated: use the 'watch' parameter with a list operation instead.`)] });
    }
  }
  return items;
}

// ---------------------------------------------------------------- rendering

function renderParam(param: Param, flavor: OpenApiFlavor): JsonObject {
  const base: JsonObject = { name: param.name, in: param.in, description: param.description };
  if (param.required) base.required = true;
  if (flavor === "v3") return { ...base, schema: { type: param.type, uniqueItems: true } };
  return { ...base, type: param.type, uniqueItems: true };
}

function renderOperation(op: Operation, tag: string, collector: ComponentCollector): JsonObject {
  const flavor = collector.flavor;
  const out: JsonObject = {
    description: op.description,
    operationId: op.operationId,
    tags: [tag],
  };
  const params: Json[] = op.params.map((p) => renderParam(p, flavor));
  const responses: JsonObject = {};
  if (flavor === "v3") {
    if (op.body) {
      const schema = collector.use(op.body.schema);
      out.requestBody = { required: op.body.required, content: Object.fromEntries(op.body.contentTypes.map((type) => [type, { schema }])) };
    }
    for (const response of op.responses) {
      const content: JsonObject =
        response.schema === "text"
          ? { "text/plain": { schema: { type: "string" } } }
          : { [JSON_TYPE]: { schema: collector.use(response.schema) }, ...(op.streams ? { [WATCH_STREAM_TYPE]: { schema: collector.use(response.schema) } } : {}) };
      responses[response.status] = { description: response.description, content };
    }
  } else {
    if (op.body) {
      params.unshift({ name: "body", in: "body", required: op.body.required, schema: collector.use(op.body.schema) });
      out.consumes = [...op.body.contentTypes];
    } else {
      out.consumes = ["*/*"];
    }
    const text = op.responses.some((r) => r.schema === "text");
    out.produces = text ? ["text/plain", JSON_TYPE] : op.streams ? [JSON_TYPE, WATCH_STREAM_TYPE] : [JSON_TYPE];
    out.schemes = ["https"];
    for (const response of op.responses) {
      responses[response.status] = { description: response.description, schema: response.schema === "text" ? { type: "string" } : collector.use(response.schema) };
    }
  }
  responses["401"] = { description: "Unauthorized" };
  if (params.length > 0) out.parameters = params;
  out.responses = responses;
  out["x-kubernetes-action"] = op.action;
  out["x-kubernetes-group-version-kind"] = { ...op.gvk };
  return out;
}

function renderPaths(entries: readonly ResourceEntry[], collector: ComponentCollector): JsonObject {
  const paths: JsonObject = {};
  for (const entry of entries) {
    const tag = tagOf(entry);
    for (const item of pathItems(entry)) {
      const rendered: JsonObject = {};
      for (const op of item.operations) rendered[op.method] = renderOperation(op, tag, collector);
      rendered.parameters = item.params.map((p) => renderParam(p, collector.flavor));
      paths[item.path] = rendered;
    }
  }
  return paths;
}

const SECURITY_SCHEME: JsonObject = { type: "apiKey", name: "authorization", in: "header", description: "Bearer Token authentication" };
const INFO: JsonObject = { title: "Kubernetes", version: "unversioned" };

/** "api/v1" -> "v1", "apis/apps/v1" -> "apps/v1"; undefined for other paths. */
function groupVersionOfPath(groupVersionPath: string): string | undefined {
  const trimmed = groupVersionPath.replace(/^\/+/, "").replace(/\/+$/, "");
  if (trimmed.startsWith("api/")) return trimmed.slice("api/".length);
  if (trimmed.startsWith("apis/")) return trimmed.slice("apis/".length);
  return undefined;
}

const documentPathOf = (groupVersion: string) => (groupVersion.includes("/") ? `apis/${groupVersion}` : `api/${groupVersion}`);

const v3Cache = new Map<string, { document: JsonObject; hash: string }>();

function buildV3(groupVersion: string): { document: JsonObject; hash: string } | undefined {
  const cached = v3Cache.get(groupVersion);
  if (cached) return cached;
  const entries = resourcesFor(groupVersion);
  if (entries.length === 0) return undefined;
  const collector = new ComponentCollector("v3");
  const paths = renderPaths(entries, collector);
  const document: JsonObject = {
    openapi: "3.0.0",
    info: INFO,
    paths,
    components: { schemas: collector.sorted(), securitySchemes: { BearerToken: SECURITY_SCHEME } },
    security: [{ BearerToken: [] }],
  };
  const hash = createHash("sha512").update(JSON.stringify(document)).digest("hex").toUpperCase();
  const built = { document, hash };
  v3Cache.set(groupVersion, built);
  return built;
}

/** The /openapi/v3 discovery document; each URL carries its document's hash so clients can cache by it. */
export function openApiV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const groupVersion of groupVersions()) {
    const built = buildV3(groupVersion);
    if (!built) continue;
    const path = documentPathOf(groupVersion);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${built.hash}` };
  }
  return { paths };
}

/**
 * The OpenAPI 3.0 document for one group version, by its /openapi/v3 path
 * ("api/v1", "apis/apps/v1"); undefined when that group version is not served.
 * Built once and shared: treat it as read-only.
 */
export function openApiV3Document(groupVersionPath: string): JsonObject | undefined {
  const groupVersion = groupVersionOfPath(groupVersionPath);
  return groupVersion === undefined ? undefined : buildV3(groupVersion)?.document;
}

/** The hash openApiV3Index() advertises for a document, for ETag and cache headers. */
export function openApiV3Hash(groupVersionPath: string): string | undefined {
  const groupVersion = groupVersionOfPath(groupVersionPath);
  return groupVersion === undefined ? undefined : buildV3(groupVersion)?.hash;
}

let v2Cache: JsonObject | undefined;

/** One Swagger 2.0 document for every served group version, as /openapi/v2 serves it. Read-only. */
export function openApiV2(): JsonObject {
  if (v2Cache) return v2Cache;
  const collector = new ComponentCollector("v2");
  const paths: JsonObject = {};
  for (const groupVersion of groupVersions()) Object.assign(paths, renderPaths(resourcesFor(groupVersion), collector));
  v2Cache = {
    swagger: "2.0",
    info: INFO,
    paths,
    definitions: collector.sorted(),
    securityDefinitions: { BearerToken: SECURITY_SCHEME },
    security: [{ BearerToken: [] }],
  };
  return v2Cache;
}
