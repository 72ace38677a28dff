// The scale subresource: an autoscaling/v1 Scale view of spec.replicas.
import type { KubeObject } from "../../storage/store.ts";
import { badRequest, fieldErrors, invalid } from "../errors.ts";
import { negotiate, objectResponse } from "../negotiate.ts";
import { applyJsonPatch } from "../patch/json-patch.ts";
import { applyMergePatch } from "../patch/merge-patch.ts";
import { PatchError } from "../patch/patch-error.ts";
import { decodeBytes, decodeObjectBytes, patchTypeOf, readBytes } from "../request-body.ts";
import { labelSelectorToString } from "../selectors.ts";
import { isDryRun, objectKey, type RestRequest } from "./context.ts";
import { fetchObject, translated } from "./store-calls.ts";
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
  const bytes = await readBytes(req.request, req.deps.maxBodyBytes);
  const isPatch = req.request.method === "PATCH";
  const patchType = isPatch ? patchTypeOf(contentType) : undefined;
  const body = isPatch ? decodeBytes(bytes, contentType) : decodeObjectBytes(bytes, contentType);
  const preconditionVersion = !isPatch ? ((body as KubeObject).metadata?.resourceVersion || undefined) : undefined;
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
        return { ...current, spec: { ...(current.spec as Json), replicas } };
      },
      { dryRun: isDryRun(req), preconditions: preconditionVersion ? { resourceVersion: preconditionVersion } : undefined },
    ),
  );
  return objectResponse(scaleOf(updated), representation);
}
