// PUT namespaces/{name}/finalize: the only way to change spec.finalizers. When
// the last one goes from a terminating namespace, the namespace goes too.
import { isStoreError, type KubeObject } from "../../storage/store.ts";
import { badRequest, fromStoreError } from "../errors.ts";
import { negotiate, objectResponse } from "../negotiate.ts";
import { readObject } from "../request-body.ts";
import { objectKey, type RestRequest } from "./context.ts";
import { translated } from "./store-calls.ts";

export async function finalizeNamespace(req: RestRequest): Promise<Response> {
  const representation = negotiate(req.request.headers.get("accept"), req.query);
  const body = await readObject(req.request, req.deps.maxBodyBytes);
  const finalizers = (body.spec as { finalizers?: unknown } | undefined)?.finalizers ?? [];
  if (!Array.isArray(finalizers) || finalizers.some((f) => typeof f !== "string")) {
    throw badRequest("spec.finalizers must be a list of strings");
  }
  const updated = await translated(req, () =>
    req.deps.store.guaranteedUpdate(objectKey(req), (ns) => ({ ...ns, spec: { ...(ns.spec as object), finalizers } })),
  );
  if (updated.metadata.deletionTimestamp && finalizers.length === 0 && !updated.metadata.finalizers?.length) {
    try {
      const result = await req.deps.store.delete(objectKey(req));
      return objectResponse(result.object, representation);
    } catch (error) {
      if (isStoreError(error, "NotFound")) return objectResponse(updated as KubeObject, representation);
      throw isStoreError(error) ? fromStoreError(error, req.groupResource, req.name ?? "") : error;
    }
  }
  return objectResponse(updated, representation);
}
