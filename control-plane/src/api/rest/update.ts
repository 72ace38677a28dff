import type { KubeObject } from "../../storage/store.ts";
import { badRequest, conflict } from "../errors.ts";
import { negotiate, objectResponse } from "../negotiate.ts";
import { readObject } from "../request-body.ts";
import { admit, checkNamespace, checkTypeMeta, fieldValidationOf } from "./admission.ts";
import { isDryRun, objectKey, type RestRequest } from "./context.ts";
import { fieldManagerOf, trackWrite } from "./managed-fields.ts";
import { translated } from "./store-calls.ts";
import { prepareForUpdate } from "./strategy.ts";
import { validateUpdate } from "./update-rules.ts";
import { warningHeaders } from "./warnings.ts";
import { dropTypeDependentFields } from "../services/service-allocation.ts";

/** PUT: replace the object (or its status), optimistic on the body's resourceVersion. */
export async function update(req: RestRequest): Promise<Response> {
  const representation = negotiate(req.request.headers.get("accept"), req.query);
  const body = await readObject(req.request, req.deps.maxBodyBytes);
  checkTypeMeta(req, body);
  if (body.metadata === undefined) body.metadata = {};
  const input = body as KubeObject;
  checkNamespace(req, input);
  if (input.metadata.name !== undefined && input.metadata.name !== req.name) {
    throw badRequest(`the name of the object (${String(input.metadata.name)}) does not match the name on the URL (${req.name})`);
  }
  input.metadata.name = req.name;
  const resourceVersion = input.metadata.resourceVersion || undefined;
  const validation = fieldValidationOf(req);
  const manager = fieldManagerOf(req);
  const updated = await translated(req, () =>
    req.deps.store.guaranteedUpdate(
      objectKey(req),
      (current) => {
        if (resourceVersion && resourceVersion !== current.metadata.resourceVersion) throw conflict(req.groupResource, req.name ?? "");
        return replaceWith(req, structuredClone(input), current, validation, manager);
      },
      { dryRun: isDryRun(req), preconditions: uidPrecondition(input) },
    ),
  );
  return objectResponse(updated, representation, { headers: warningHeaders(req) });
}

/**
 * A PUT body's uid is a precondition, checked before anything else, as
 * Kubernetes' DefaultUpdatedObjectInfo makes it one: another uid is 409
 * "Precondition failed: UID in precondition: …". (A patch's is not: it is
 * validated as an immutable field.)
 */
export function uidPrecondition(body: { metadata?: { uid?: unknown } }): { uid: string } | undefined {
  const uid = body.metadata?.uid;
  return typeof uid === "string" && uid !== "" ? { uid } : undefined;
}

/** The new version of `current` that a full `input` (or a patched copy) makes, admitted and checked. */
export function replaceWith(
  req: RestRequest,
  input: KubeObject,
  current: KubeObject,
  validation: ReturnType<typeof fieldValidationOf>,
  manager: string,
  apply = false,
): KubeObject {
  // Before validation, as Kubernetes' PrepareForUpdate: a Service leaving NodePort drops its node ports.
  if (req.resource.kind === "Service" && !req.subresource) dropTypeDependentFields(current, input);
  const next = admit(req, input, validation);
  next.metadata.resourceVersion = current.metadata.resourceVersion;
  prepareForUpdate(req.resource, next, current, req.subresource);
  validateUpdate(req, next, current);
  // An applied object already carries the applier's managedFields.
  return apply ? next : trackWrite(req, current, next, manager);
}
