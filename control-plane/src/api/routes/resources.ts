// Resolves /api/v1/… and /apis/{group}/{version}/… paths to a resource and a verb.
import { Hono } from "hono";
import { findResource, type ResourceEntry, resourcesFor } from "../../../../schemas/registry.ts";
import { ApiError, badRequest, methodNotAllowed } from "../errors.ts";
import type { ApiDeps, RestRequest } from "../rest/context.ts";
import { storeResourceOf } from "../rest/context.ts";
import { create } from "../rest/create.ts";
import { deleteCollection, deleteOne } from "../rest/delete.ts";
import { get } from "../rest/get.ts";
import { list } from "../rest/list.ts";
import { patch } from "../rest/patch.ts";
import { bind, evict } from "../rest/pod-subresources.ts";
import { finalizeNamespace } from "../rest/namespace-finalize.ts";
import { podLogs } from "../rest/pod-logs.ts";
import { getScale, writeScale } from "../rest/scale.ts";
import { update } from "../rest/update.ts";
import { watch } from "../rest/watch.ts";

type Handler = (req: RestRequest) => Promise<Response>;

const NOT_FOUND_MESSAGE = "the server could not find the requested resource";

interface Resolved {
  resource: ResourceEntry;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
}

/** Parses the path below the group version into resource, namespace, name and subresource. */
export function resolvePath(groupVersion: string, segments: string[]): Resolved | undefined {
  let rest = segments;
  const watchPath = rest[0] === "watch";
  if (watchPath) rest = rest.slice(1);
  const [group, version] = groupVersion.includes("/") ? groupVersion.split("/") : ["", groupVersion];
  const lookup = (plural: string | undefined) => (plural ? findResource(group!, version!, plural) : undefined);
  const exact = (plural: string | undefined) => {
    const r = lookup(plural);
    return r && r.plural === plural ? r : undefined;
  };
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const namespaced = exact(rest[2]);
    if (namespaced?.namespaced) {
      if (rest.length > 5) return undefined;
      return { resource: namespaced, namespace: rest[1], name: rest[3], subresource: rest[4], watchPath };
    }
  }
  const resource = exact(rest[0]);
  if (!resource || rest.length > 3) return undefined;
  return { resource, name: rest[1], subresource: rest[2], watchPath };
}

function handlerFor(method: string, r: Resolved, watching: boolean): Handler | "method" | undefined {
  const { resource, name, subresource } = r;
  const allowed = (verb: string) => (resource.verbs as readonly string[]).includes(verb);
  if (subresource) {
    const sub = (resource.subresources as Record<string, { verbs: readonly string[] } | undefined>)[subresource];
    const finalize = subresource === "finalize" && resource.kind === "Namespace";
    if ((!sub && !finalize) || !name) return undefined;
    switch (`${method} ${subresource}`) {
      case "GET status":
        return get;
      case "PUT status":
        return update;
      case "PATCH status":
        return patch;
      case "GET scale":
        return getScale;
      case "PUT scale":
      case "PATCH scale":
        return writeScale;
      case "POST binding":
        return bind;
      case "POST eviction":
        return evict;
      case "GET log":
        return podLogs;
      case "PUT finalize":
        return finalizeNamespace;
      default:
        return "method";
    }
  }
  if (!name) {
    switch (method) {
      case "GET":
        return watching ? (allowed("watch") ? watch : "method") : allowed("list") ? list : "method";
      case "POST":
        return allowed("create") ? create : "method";
      case "DELETE":
        return allowed("deletecollection") ? deleteCollection : "method";
      default:
        return "method";
    }
  }
  switch (method) {
    case "GET":
      return watching ? watch : get;
    case "PUT":
      return allowed("update") ? update : "method";
    case "PATCH":
      return allowed("patch") ? patch : "method";
    case "DELETE":
      return allowed("delete") ? deleteOne : "method";
    default:
      return "method";
  }
}

export function resources(deps: ApiDeps) {
  const serve = async (groupVersion: string, segments: string[], request: Request): Promise<Response> => {
    if (resourcesFor(groupVersion).length === 0) throw notFoundError();
    const resolved = resolvePath(groupVersion, segments);
    if (!resolved) throw notFoundError();
    const query = new URL(request.url).searchParams;
    const watchParam = query.get("watch");
    const watching = resolved.watchPath || watchParam === "true" || watchParam === "1";
    const method = request.method === "HEAD" ? "GET" : request.method;
    const handler = handlerFor(method, resolved, watching);
    const groupResource = { group: resolved.resource.group, resource: resolved.resource.plural };
    if (handler === undefined) throw notFoundError();
    if (handler === "method") {
      throw methodNotAllowed(groupResource, verbName(method, resolved));
    }
    for (const part of [resolved.namespace, resolved.name]) {
      // NUL can be in no stored name, and the database refuses it even in a lookup.
      if (part !== undefined && (part === "" || part === "." || part === ".." || part.includes("/") || part.includes("\u0000"))) {
        throw badRequest(`invalid name or namespace in the path: "${part}"`);
      }
    }
    return handler({
      deps,
      resource: resolved.resource,
      storeResource: storeResourceOf(resolved.resource),
      groupResource,
      namespace: resolved.namespace,
      name: resolved.name,
      subresource: resolved.subresource,
      query,
      request,
      warnings: [],
    });
  };
  const segmentsOf = (path: string, prefixLength: number) =>
    path.split("/").slice(prefixLength).filter((s) => s !== "").map(decodeSegment);
  return new Hono()
    .all("/api/v1/*", (c) => serve("v1", segmentsOf(c.req.path, 3), c.req.raw))
    .all("/apis/:group/:version/*", (c) =>
      serve(`${c.req.param("group")}/${c.req.param("version")}`, segmentsOf(c.req.path, 4), c.req.raw),
    );
}

function verbName(method: string, r: Resolved): string {
  const verb = { GET: "get", POST: "create", PUT: "update", PATCH: "patch", DELETE: r.name ? "delete" : "deletecollection" }[method] ?? method.toLowerCase();
  return r.subresource ? `${verb} on ${r.subresource}` : verb;
}

/** A malformed escape ("%", "%E0%A4%A") is the client's error, as Go's URL parser says. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    throw new ApiError(400, "BadRequest", `invalid URL escape in the path: ${JSON.stringify(segment)}`, undefined, { cause: error });
  }
}

const notFoundError = (): ApiError => new ApiError(404, "NotFound", NOT_FOUND_MESSAGE, {});
