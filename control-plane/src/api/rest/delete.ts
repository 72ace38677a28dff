import { type DeleteOptions, isStoreError, type KubeObject } from "../../storage/store.ts";
import { badRequest, fromStoreError, successStatus } from "../errors.ts";
import { negotiate, objectResponse, json } from "../negotiate.ts";
import { decodeBytes, readBytes } from "../request-body.ts";
import { isDryRun, objectKey, type RestRequest } from "./context.ts";
import { selectionOf } from "./selection.ts";
import { fetchObject, translated } from "./store-calls.ts";

/** The finalizers the garbage collector acts on. */
export const ORPHAN_FINALIZER = "orphan";
export const FOREGROUND_FINALIZER = "foregroundDeletion";

interface DeleteBody {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export async function deleteOne(req: RestRequest): Promise<Response> {
  const representation = negotiate(req.request.headers.get("accept"), req.query);
  const options = await deleteOptionsOf(req);
  const current = await fetchObject(req);
  const result = await translated(req, () => req.deps.store.delete(objectKey(req), storeOptions(req, options, current)));
  if (!result.deleted) return objectResponse(result.object, representation, { status: 202 });
  if (req.resource.deleteReturnsObject) return objectResponse(result.object, representation);
  return json(
    successStatus({ name: req.name ?? "", group: req.resource.group, kind: req.resource.plural, uid: result.object.metadata.uid }),
  );
}

/** Reads DeleteOptions from the query and the (optional) body; the body wins, as in Kubernetes. */
export async function deleteOptionsOf(req: RestRequest): Promise<DeleteBody> {
  const bytes = await readBytes(req.request, req.deps.maxBodyBytes);
  const blank = bytes.every((byte) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d);
  const body = blank ? {} : (decodeBytes(bytes, req.request.headers.get("content-type") ?? "application/json") as DeleteBody);
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw badRequest("DeleteOptions must be an object");
  const query = req.query;
  const grace = body.gracePeriodSeconds ?? (query.has("gracePeriodSeconds") ? Number(query.get("gracePeriodSeconds")) : undefined);
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) {
    throw badRequest(`gracePeriodSeconds must be a non-negative integer`);
  }
  const policy = body.propagationPolicy ?? query.get("propagationPolicy") ?? undefined;
  if (policy !== undefined && !["Orphan", "Background", "Foreground"].includes(policy)) {
    throw badRequest(`propagationPolicy must be one of Orphan, Background, Foreground, not "${policy}"`);
  }
  const orphan = body.orphanDependents ?? (query.has("orphanDependents") ? query.get("orphanDependents") === "true" : undefined);
  if (orphan !== undefined && policy !== undefined) {
    throw badRequest("orphanDependents and propagationPolicy cannot both be set");
  }
  return {
    gracePeriodSeconds: grace,
    propagationPolicy: policy ?? (orphan === true ? "Orphan" : undefined),
    preconditions: body.preconditions,
  };
}

/** Maps DeleteOptions on this object to what the store does. */
export function storeOptions(req: RestRequest, options: DeleteBody, object: KubeObject): DeleteOptions {
  const finalizers =
    options.propagationPolicy === "Orphan" ? [ORPHAN_FINALIZER] : options.propagationPolicy === "Foreground" ? [FOREGROUND_FINALIZER] : [];
  const deleting: DeleteOptions = {
    preconditions: options.preconditions,
    finalizers,
    gracePeriodSeconds: gracePeriod(req, options, object),
    dryRun: isDryRun(req),
  };
  // A namespace waits for its spec.finalizers (the namespace controller empties it first).
  if (req.resource.kind === "Namespace" && ((object.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) > 0) {
    deleting.deferred = true;
    deleting.onMark = (ns) => ({ ...ns, status: { ...(ns.status as object), phase: "Terminating" } });
  }
  return deleting;
}

/**
 * Only pods wait for a grace period, and only when a node runs them: an
 * unscheduled or finished pod goes at once, as in Kubernetes.
 */
function gracePeriod(req: RestRequest, options: DeleteBody, object: KubeObject): number {
  if (req.resource.kind !== "Pod") return 0;
  const spec = (object.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (object.status as { phase?: string } | undefined)?.phase;
  if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
  return options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
}

export async function deleteCollection(req: RestRequest): Promise<Response> {
  const options = await deleteOptionsOf(req);
  const listed = await translated(req, () =>
    req.deps.store.list({ resource: req.storeResource, namespace: req.resource.namespaced ? req.namespace : undefined, predicate: selectionOf(req) }),
  );
  const deleted: KubeObject[] = [];
  for (const object of listed.items) {
    const name = object.metadata.name ?? "";
    try {
      const result = await req.deps.store.delete(objectKey(req, name), storeOptions(req, options, object));
      deleted.push(result.object);
    } catch (error) {
      // Gone already (deleted by someone else meanwhile) is what was wanted.
      if (isStoreError(error, "NotFound")) continue;
      throw isStoreError(error) ? fromStoreError(error, req.groupResource, name) : error;
    }
  }
  return json({
    kind: req.resource.listKind,
    apiVersion: req.resource.groupVersion,
    metadata: { resourceVersion: String(listed.revision) },
    items: deleted,
  });
}
