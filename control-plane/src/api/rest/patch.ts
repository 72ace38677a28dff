import { isStoreError, type KubeObject } from "../../storage/store.ts";
import { ApiError, type ApiStatusCode, badRequest, conflict, fieldErrors, fromStoreError, invalid, type StatusReason } from "../errors.ts";
import { negotiate, objectResponse } from "../negotiate.ts";
import { applyJsonPatch } from "../patch/json-patch.ts";
import { applyMergePatch } from "../patch/merge-patch.ts";
import { PatchError } from "../patch/patch-error.ts";
import type { SchemaNode } from "../patch/schema-node.ts";
import { applyStrategicMergePatch } from "../patch/strategic-merge-patch.ts";
import { ApplyConflictError, parseApplyConfiguration } from "../patch/apply.ts";
import { checkDepth, decodeBody, MAX_BODY_DEPTH, nestedDeeperThan, type PatchType, patchTypeOf, readBody } from "../request-body.ts";
import { checkTypeMeta, fieldValidationOf } from "./admission.ts";
import { isDryRun, objectKey, type RestRequest } from "./context.ts";
import { createObject } from "./create.ts";
import { applyConfiguration, fieldManagerOf } from "./managed-fields.ts";
import { replaceWith, uidPrecondition } from "./update.ts";
import { warningHeaders } from "./warnings.ts";

export async function patch(req: RestRequest): Promise<Response> {
  const representation = negotiate(req.request.headers.get("accept"), req.query);
  const contentType = req.request.headers.get("content-type");
  const type = patchTypeOf(contentType);
  const text = await readBody(req.request, req.deps.maxBodyBytes);
  let body: unknown;
  try {
    if (type === "apply") {
      body = parseApplyConfiguration(text);
      checkDepth(body);
    } else body = decodeBody(text, contentType);
  } catch (error) {
    throw translatePatchError(req, error);
  }
  const force = req.query.get("force") === "true";
  if (type === "apply") {
    if (!req.query.get("fieldManager")) {
      throw invalid({ group: "meta.k8s.io", kind: "PatchOptions" }, "", [fieldErrors.required("fieldManager", "is required for apply patch")]);
    }
  } else if (req.query.has("force")) {
    throw invalid({ group: "meta.k8s.io", kind: "PatchOptions" }, "", [fieldErrors.forbidden("force", "may not be specified for non-apply patch")]);
  }
  const validation = fieldValidationOf(req);
  const manager = fieldManagerOf(req);
  const schema = (req.subresource === "scale" ? req.resource.subresources.scale?.schema : req.resource.schema) as SchemaNode;
  try {
    const patched = await req.deps.store.guaranteedUpdate(
      objectKey(req),
      (current) => {
        const next = patchObject(req, type, current, body, schema, manager, force);
        // A resourceVersion in the patch is a precondition, as in Kubernetes.
        if (next.metadata?.resourceVersion && next.metadata.resourceVersion !== current.metadata.resourceVersion) {
          throw conflict(req.groupResource, req.name ?? "");
        }
        checkTypeMeta(req, next);
        if (next.metadata?.name !== current.metadata.name) {
          throw badRequest(`the name of the object (${String(next.metadata?.name)}) does not match the name on the URL (${req.name})`);
        }
        return replaceWith(req, next, current, validation, manager, type === "apply");
      },
      { dryRun: isDryRun(req) },
    );
    return objectResponse(patched, representation, { headers: warningHeaders(req) });
  } catch (error) {
    // Server-side apply creates what does not exist yet.
    if (type === "apply" && isStoreError(error, "NotFound") && !req.subresource) {
      let created: KubeObject;
      const uid = uidPrecondition(body as KubeObject);
      if (uid) {
        throw conflict(req.groupResource, req.name ?? "", `uid mismatch: the provided object specified uid ${uid.uid}, and no existing object was found`);
      }
      try {
        // applyConfiguration throws too (a wrong apiVersion), not only the create.
        created = await createObject(req, applyConfiguration(req, undefined, body, manager, force), manager, "Apply");
      } catch (e) {
        throw translatePatchError(req, e);
      }
      return objectResponse(created, representation, { status: 201, headers: warningHeaders(req) });
    }
    throw translatePatchError(req, error);
  }
}

function patchObject(
  req: RestRequest,
  type: PatchType,
  current: KubeObject,
  body: unknown,
  schema: SchemaNode,
  manager: string,
  force: boolean,
): KubeObject {
  switch (type) {
    case "json": {
      const patched = applyJsonPatch(current, body) as KubeObject;
      // copy and move can nest the result deeper than any body may be; Kubernetes'
      // decoding of the patched object refuses that, as Invalid.
      if (nestedDeeperThan(patched, MAX_BODY_DEPTH)) throw PatchError.invalid(`the patched object exceeds the maximum nesting depth of ${MAX_BODY_DEPTH}`);
      return patched;
    }
    case "merge":
      return applyMergePatch(current, body) as KubeObject;
    case "strategic":
      return applyStrategicMergePatch(current, body, schema) as KubeObject;
    case "apply":
      return applyConfiguration(req, current, body, manager, force);
  }
}

function translatePatchError(req: RestRequest, error: unknown): unknown {
  if (error instanceof ApplyConflictError) {
    // A StatusCause's type is `reason` on the wire.
    const causes = error.causes.map(({ type, message, field }) => ({ reason: type, message, field }));
    return new ApiError(409, "Conflict", error.message, { causes }, { cause: error });
  }
  if (error instanceof PatchError) {
    return new ApiError(error.status as ApiStatusCode, error.reason as StatusReason, error.message, undefined, { cause: error });
  }
  if (isStoreError(error)) return fromStoreError(error, req.groupResource, req.name ?? "");
  return error;
}
