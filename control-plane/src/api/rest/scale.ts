// The scale subresource: an autoscaling/v1 Scale view of spec.replicas.
import type { KubeObject } from "../../storage/store.ts";
import { badRequest, conflict, fieldErrors, invalid } from "../errors.ts";
import { negotiate, objectResponse } from "../negotiate.ts";
import { applyJsonPatch } from "../patch/json-patch.ts";
import { applyMergePatch } from "../patch/merge-patch.ts";
import { updateManagedFields } from "../patch/apply.ts";
import { PatchError } from "../patch/patch-error.ts";
import type { SchemaNode } from "../patch/schema-node.ts";
import { decodeBytes, decodeObjectBytes, patchTypeOf, readBytes } from "../request-body.ts";
import { labelSelectorToString } from "../selectors.ts";
import { isDryRun, objectKey, type RestRequest } from "./context.ts";
import { fieldManagerOf } from "./managed-fields.ts";
import { fetchObject, translated } from "./store-calls.ts";
import { setNextGeneration } from "./strategy.ts";
import { uidPrecondition } from "./update.ts";
import { ApiError, type ApiStatusCode, type StatusReason } from "../errors.ts";

type Json = Record<string, unknown>;

export function scaleOf(object: KubeObject): KubeObject {
  const spec = (object.spec ?? {}) as Json;
  const status = (object.status ?? {}) as Json;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: (spec.replicas as number | undefined) ?? 0 },
    status: {
      replicas: (status.replicas as number | undefined) ?? 0,
      selector: labelSelectorToString(spec.selector as never),
    },
  };
}

export async function getScale(req: RestRequest): Promise<Response> {
  const representation = negotiate(req.request.headers.get("accept"), req.query);
  return objectResponse(scaleOf(await fetchObject(req)), representation);
}

/** PUT or PATCH of the Scale: only spec.replicas reaches the parent. */
export async function writeScale(req: RestRequest): Promise<Response> {
  const representation = negotiate(req.request.headers.get("accept"), req.query);
  const contentType = req.request.headers.get("content-type");
  const manager = fieldManagerOf(req);
  const bytes = await readBytes(req.request, req.deps.maxBodyBytes);
  const isPatch = req.request.method === "PATCH";
  const patchType = isPatch ? patchTypeOf(contentType) : undefined;
  const body = isPatch ? decodeBytes(bytes, contentType) : decodeObjectBytes(bytes, contentType);
  const updated = await translated(req, () =>
    req.deps.store.guaranteedUpdate(
      objectKey(req),
      (current) => {
        let scale = scaleOf(current);
        if (!isPatch) scale = body as KubeObject;
        else {
          try {
            scale = (patchType === "json" ? applyJsonPatch(scale, body) : applyMergePatch(scale, body)) as KubeObject;
          } catch (error) {
            if (error instanceof PatchError) throw new ApiError(error.status as ApiStatusCode, error.reason as StatusReason, error.message);
            throw error;
          }
        }
        const replicas = (scale.spec as Json | undefined)?.replicas;
        if (typeof replicas !== "number" || !Number.isInteger(replicas)) {
          throw badRequest("spec.replicas must be an integer");
        }
        if (replicas < 0) {
          throw invalid({ group: "autoscaling", kind: "Scale" }, req.name ?? "", [
            fieldErrors.invalid("spec.replicas", replicas, "must be greater than or equal to 0"),
          ]);
        }
        // As Kubernetes' scaleUpdatedObjectInfo: a uid the Scale carries must be
        // the parent's (a PUT's was already a store precondition), and a
        // resourceVersion is an optimistic lock.
        const { uid, resourceVersion } = (scale.metadata ?? {}) as KubeObject["metadata"];
        if (typeof uid === "string" && uid !== "" && uid !== current.metadata.uid) {
          throw conflict(
            { group: req.groupResource.group, resource: `${req.groupResource.resource}/scale` },
            req.name ?? "",
            `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`,
          );
        }
        if (resourceVersion && resourceVersion !== current.metadata.resourceVersion) throw conflict(req.groupResource, req.name ?? "");
        const next: KubeObject = { ...current, metadata: { ...current.metadata }, spec: { ...(current.spec as Json), replicas } };
        setNextGeneration(req.resource, next, current);
        return recordScaleOwner(req, current, next, manager);
      },
      { dryRun: isDryRun(req), preconditions: isPatch ? undefined : uidPrecondition(body as KubeObject) },
    ),
  );
  return objectResponse(scaleOf(updated), representation);
}

/**
 * The writer of the Scale takes spec.replicas, in the parent's managedFields,
 * as Kubernetes' ScaleHandler records it: an Update by the manager with
 * subresource "scale" under the parent's apiVersion, and (as Kubernetes
 * writes it back, from the parent's times) without a time. Earlier owners
 * lose replicas only when it changes.
 */
function recordScaleOwner(req: RestRequest, current: KubeObject, next: KubeObject, manager: string): KubeObject {
  const recorded = updateManagedFields(current, next, {
    fieldManager: manager,
    schema: req.resource.schema as SchemaNode,
    apiVersion: req.resource.groupVersion,
    subresource: "scale",
  });
  const writer = manager === "" ? "unknown" : manager;
  for (const entry of (recorded.metadata.managedFields ?? []) as Json[]) {
    if (entry.manager === writer && entry.operation === "Update" && entry.subresource === "scale") delete entry.time;
  }
  return recorded;
}
