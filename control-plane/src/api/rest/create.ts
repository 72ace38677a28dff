import type { KubeObject } from "../../storage/store.ts";
import { negotiate, objectResponse } from "../negotiate.ts";
import { decodeObject, readBody } from "../request-body.ts";
import { admit, checkNamespace, checkTypeMeta, fieldValidationOf } from "./admission.ts";
import { isDryRun, type RestRequest } from "./context.ts";
import { fieldManagerOf, trackWrite } from "./managed-fields.ts";
import { checkNamespaceOpen } from "./namespace-check.ts";
import { translated } from "./store-calls.ts";
import { prepareForCreate } from "./strategy.ts";
import { warningHeaders } from "./warnings.ts";

export async function create(req: RestRequest): Promise<Response> {
  const representation = negotiate(req.request.headers.get("accept"), req.query);
  const body = decodeObject(await readBody(req.request, req.deps.maxBodyBytes), req.request.headers.get("content-type"));
  const created = await createObject(req, body);
  return objectResponse(created, representation, { status: 201, headers: warningHeaders(req) });
}

/** The create path without HTTP: also used for apply-patches that create. */
export async function createObject(
  req: RestRequest,
  body: Record<string, unknown>,
  manager = fieldManagerOf(req),
  operation: "Update" | "Apply" = "Update",
): Promise<KubeObject> {
  checkTypeMeta(req, body);
  if (body.metadata === undefined) body.metadata = {};
  const input = body as KubeObject;
  checkNamespace(req, input);
  let object = admit(req, input, fieldValidationOf(req));
  prepareForCreate(req.resource, object);
  // An apply body already carries the applier's managedFields.
  if (operation === "Update") object = trackWrite(req, undefined, object, manager);
  await checkNamespaceOpen(req);
  return translated(req, () => req.deps.store.create(req.storeResource, object, { dryRun: isDryRun(req) }), object.metadata.name || object.metadata.generateName || "");
}
