// RFC 7386 JSON merge patch (`application/merge-patch+json`; what `kubectl
// label`, `annotate` and `patch --type=merge` send).

import { cloneJson, getOwn, isJsonObject, setOwn, type JsonObject } from "./json-value.ts";
import { PatchError } from "./patch-error.ts";

/**
 * Applies `patch` (the decoded request body) to `original` and returns a new
 * object; neither input is changed. Objects merge key by key, `null` deletes,
 * anything else (lists included) replaces. The body must be a JSON object:
 * replacing a whole Kubernetes object with a scalar or a list is meaningless,
 * so that is a BadRequest.
 */
export function applyMergePatch(original: JsonObject, patch: unknown): JsonObject {
  if (!isJsonObject(patch)) {
    throw PatchError.badRequest("merge patch must be a JSON object");
  }
  return cloneJson(mergeObjects(original, patch));
}

/** The RFC's MergePatch(target, patch) for any JSON values; shares untouched subtrees. */
export function mergePatchValue(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  return mergeObjects(isJsonObject(target) ? target : {}, patch);
}

function mergeObjects(target: JsonObject, patch: JsonObject): JsonObject {
  const result: JsonObject = { ...target };
  for (const key in patch) {
    const value = patch[key];
    if (value === null) {
      delete result[key];
    } else if (value !== undefined) {
      setOwn(result, key, mergePatchValue(getOwn(result, key), value));
    }
  }
  return result;
}
