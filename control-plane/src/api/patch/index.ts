// What the API layer uses from this folder: one function per patch type,
// field ownership for every write, and the one error type to render.

export { PatchError, type PatchErrorReason } from "./patch-error.ts";
export type { JsonObject } from "./json-value.ts";
export type { SchemaNode } from "./schema-node.ts";
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from "./json-patch.ts";
export { applyMergePatch } from "./merge-patch.ts";
export { applyStrategicMergePatch } from "./strategic-merge-patch.ts";
export {
  ApplyConflictError,
  LAST_APPLIED_ANNOTATION,
  parseApplyConfiguration,
  serverSideApply,
  updateManagedFields,
  type ApplyOptions,
  type FieldConflict,
  type StatusCause,
  type UpdateOptions,
} from "./apply.ts";
export {
  fieldManagerFromUserAgent,
  fieldManagerProblems,
  validateFieldManager,
  type FieldManagerProblem,
  validateManagedFields,
  type ManagedFieldsEntry,
  type TrackedFields,
} from "./managed-fields.ts";
