// Every write passes here: type checks, defaulting, field validation and
// schema validation, in the order Kubernetes applies them.
import { applyDefaults } from "../../../../schemas/defaults.ts";
import { type FieldValidation, strictDecodingError, unknownFieldWarnings, validate } from "../../../../schemas/validate.ts";
import type { KubeObject } from "../../storage/store.ts";
import { badRequest, invalidCauses } from "../errors.ts";
import type { RestRequest } from "./context.ts";

export type { FieldValidation };

export function fieldValidationOf(req: RestRequest): FieldValidation {
  const value = req.query.get("fieldValidation") ?? "Warn";
  if (value === "Strict" || value === "Warn" || value === "Ignore") return value;
  throw badRequest(`fieldValidation must be one of Strict, Warn, Ignore, not "${value}"`);
}

/** Checks apiVersion and kind of a body against the endpoint it was sent to, filling them in when absent. */
export function checkTypeMeta(req: RestRequest, body: Record<string, unknown>, expected = { apiVersion: req.resource.groupVersion, kind: req.resource.kind }): void {
  if (body.apiVersion === undefined || body.apiVersion === "") body.apiVersion = expected.apiVersion;
  if (body.kind === undefined || body.kind === "") body.kind = expected.kind;
  if (body.apiVersion !== expected.apiVersion) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected.apiVersion})`);
  }
  if (body.kind !== expected.kind) {
    throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${expected.kind})`);
  }
}

/** Places the object in the request's namespace (or none, for cluster-scoped kinds). */
export function checkNamespace(req: RestRequest, object: KubeObject): void {
  if (typeof object.metadata !== "object" || object.metadata === null || Array.isArray(object.metadata)) {
    throw badRequest("metadata must be an object");
  }
  const meta = object.metadata;
  if (!req.resource.namespaced) {
    if (meta.namespace) delete meta.namespace;
    return;
  }
  if (meta.namespace !== undefined && meta.namespace !== "" && meta.namespace !== req.namespace) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  meta.namespace = req.namespace;
}

/**
 * Defaults and validates `object` (defaults first, as Kubernetes does; they
 * tolerate malformed input). Unknown fields are dropped, or rejected under
 * Strict. Returns the object to store.
 */
export function admit(req: RestRequest, object: KubeObject, validation: FieldValidation): KubeObject {
  applyDefaults(req.resource, object);
  const result = validate(req.resource, object, { fieldValidation: validation });
  if (result.unknownFields.length > 0) {
    if (validation === "Strict") throw badRequest(strictDecodingError(result.unknownFields));
    if (validation === "Warn") req.warnings.push(...unknownFieldWarnings(result.unknownFields));
  }
  const admitted = result.pruned as KubeObject;
  if (result.causes.length > 0) {
    // The object failed validation, so its name may be of any type.
    const name = admitted.metadata?.name;
    throw invalidCauses({ group: req.resource.group, kind: req.resource.kind }, typeof name === "string" ? name : "", result.causes);
  }
  return admitted;
}
