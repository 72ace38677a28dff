import { badRequest } from "../errors.ts";
import { listResponse, listTextResponse, negotiate, servedFromText } from "../negotiate.ts";
import type { RestRequest } from "./context.ts";
import { selectionOf } from "./selection.ts";
import { translated } from "./store-calls.ts";

export async function list(req: RestRequest): Promise<Response> {
  const representation = negotiate(req.request.headers.get("accept"), req.query);
  const limitParam = req.query.get("limit");
  const limit = limitParam ? Number(limitParam) : 0;
  if (!Number.isSafeInteger(limit) || limit < 0) throw badRequest(`limit must be a non-negative integer, not "${limitParam}"`);
  const options = {
    resource: req.storeResource,
    namespace: req.resource.namespaced ? req.namespace : undefined,
    predicate: selectionOf(req),
    limit,
    continue: req.query.get("continue") || undefined,
  };
  const body = <T>(result: { items: T[]; revision: number; continue?: string }) => ({
    apiVersion: req.resource.groupVersion,
    kind: req.resource.listKind,
    items: result.items,
    resourceVersion: String(result.revision),
    continue: result.continue,
  });
  if (servedFromText(representation)) {
    // JSON and Tables are written from the stored text, without parsing and re-serialising every object.
    const result = await translated(req, () => req.deps.store.listJson(options));
    return listTextResponse(body(result), req.resource.kind, representation);
  }
  const result = await translated(req, () => req.deps.store.list(options));
  return listResponse(body(result), req.resource.kind, representation);
}
