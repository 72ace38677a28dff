// Field ownership (metadata.managedFields) for every write, through the
// patch engine's structured-merge code.
import type { KubeObject } from "../../storage/store.ts";
import { badRequest } from "../errors.ts";
import { serverSideApply, updateManagedFields } from "../patch/apply.ts";
import { fieldManagerFromUserAgent, validateFieldManager } from "../patch/managed-fields.ts";
import type { SchemaNode } from "../patch/schema-node.ts";
import type { RestRequest } from "./context.ts";

/** The `fieldManager` parameter, else the user agent's product name, as Kubernetes derives it. */
export function fieldManagerOf(req: RestRequest): string {
  const explicit = req.query.get("fieldManager");
  if (explicit === null) return fieldManagerFromUserAgent(req.request.headers.get("user-agent") ?? undefined);
  const problem = validateFieldManager(explicit);
  if (problem) throw badRequest(problem);
  return explicit;
}

const schemaOf = (req: RestRequest) => req.resource.schema as SchemaNode;

/** A create or update by `manager` takes ownership of the fields it set or changed. */
export function trackWrite(req: RestRequest, current: KubeObject | undefined, next: KubeObject, manager: string): KubeObject {
  return updateManagedFields(current, next, {
    fieldManager: manager,
    schema: schemaOf(req),
    apiVersion: req.resource.groupVersion,
    subresource: req.subresource ?? "",
  }) as KubeObject;
}

/** Server-side apply of `configuration` over `current` (undefined: the object does not exist yet). */
export function applyConfiguration(req: RestRequest, current: KubeObject | undefined, configuration: unknown, manager: string, force: boolean): KubeObject {
  return serverSideApply(current, configuration, {
    fieldManager: manager,
    force,
    schema: schemaOf(req),
    apiVersion: req.resource.groupVersion,
    subresource: req.subresource ?? "",
  }) as KubeObject;
}
