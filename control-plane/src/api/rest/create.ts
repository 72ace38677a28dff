import type { KubeObject } from "../../storage/store.ts";
import { negotiate, objectResponse } from "../negotiate.ts";
import { readObject } from "../request-body.ts";
import { admit, checkNamespace, checkTypeMeta, fieldValidationOf } from "./admission.ts";
import { isDryRun, type RestRequest } from "./context.ts";
import { fieldManagerOf, trackWrite } from "./managed-fields.ts";
import { checkNamespaceOpen } from "./namespace-check.ts";
import { translated } from "./store-calls.ts";
import { prepareForCreate } from "./strategy.ts";
import { warningHeaders } from "./warnings.ts";

export async function create(req: RestRequest): Promise<Response> {
  const representation = negotiate(req.request.headers.get("accept"), req.query);
  const body = await readObject(req.request, req.deps.maxBodyBytes);
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
  // generateName: the store picks the suffix (and retries a collision), so
  // validation sees a stand-in of the same length, as Kubernetes validates
  // the name it generated.
  const generated = !input.metadata.name && typeof input.metadata.generateName === "string" && input.metadata.generateName !== "";
  if (generated) input.metadata.name = `${input.metadata.generateName}xxxxx`;
  let object = admit(req, input, fieldValidationOf(req));
  if (generated) delete object.metadata.name;
  prepareForCreate(req.resource, object, req.deps);
  // An apply body already carries the applier's managedFields.
  if (operation === "Update") object = trackWrite(req, undefined, object, manager);
  await checkNamespaceOpen(req);
  return translated(req, () => req.deps.store.create(req.storeResource, object, { dryRun: isDryRun(req) }), object.metadata.name || object.metadata.generateName || "");
}
