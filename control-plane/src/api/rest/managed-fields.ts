// Field ownership (metadata.managedFields) for every write, through the
// patch engine's structured-merge code.
import { applyDefaults } from "../../../../schemas/defaults.ts";
import type { KubeObject } from "../../storage/store.ts";
import { fieldErrors, invalid } from "../errors.ts";
import { serverSideApply, updateManagedFields } from "../patch/apply.ts";
import { fieldManagerFromUserAgent, fieldManagerProblems } from "../patch/managed-fields.ts";
import type { SchemaNode } from "../patch/schema-node.ts";
import type { RestRequest } from "./context.ts";

/** The `fieldManager` parameter, else the user agent's product name, as Kubernetes derives it. */
export function fieldManagerOf(req: RestRequest): string {
  const explicit = req.query.get("fieldManager");
  if (explicit === null) return fieldManagerFromUserAgent(req.request.headers.get("user-agent") ?? undefined);
  const problems = fieldManagerProblems(explicit);
  if (problems.length > 0) {
    // Kubernetes validates the options of the verb: 422 for CreateOptions, UpdateOptions, PatchOptions.
    const method = req.request.method;
    const kind = method === "POST" ? "CreateOptions" : method === "PUT" ? "UpdateOptions" : "PatchOptions";
    throw invalid(
      { group: "meta.k8s.io", kind },
      "",
      problems.map((p) => (p.type === "TooLong" ? fieldErrors.tooLong("fieldManager", p.maxBytes) : fieldErrors.invalid("fieldManager", explicit, p.detail))),
    );
  }
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
    // Apply results are defaulted, as admission will: a value only defaulting changes is no conflict.
    defaults: (object) => applyDefaults(req.resource, object),
  }) as KubeObject;
}
