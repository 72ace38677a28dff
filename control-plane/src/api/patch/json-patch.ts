// RFC 6902 JSON patch (`application/json-patch+json`, `kubectl patch --type=json`).

import { applyPatch, JsonPatchError, type Operation } from "fast-json-patch";
import { cloneJson, isJsonObject, type JsonObject } from "./json-value.ts";
import { PatchError } from "./patch-error.ts";

/** Kubernetes refuses longer patches with 413 rather than spend time on them. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/**
 * Applies `patch` (the decoded request body) to `original` and returns a new
 * object; neither input is changed. A body that is not a list of operation
 * objects is a BadRequest; an operation that cannot be applied (failed
 * `test`, missing path, unknown op) is Invalid, as in Kubernetes.
 */
export function applyJsonPatch(original: JsonObject, patch: unknown): JsonObject {
  const operations = decodeOperations(patch);
  let patched: unknown;
  try {
    // The library inserts operation values by reference: clone them so the
    // result shares nothing with the request body.
    patched = applyPatch(cloneJson(original), cloneJson(operations), true, true).newDocument;
  } catch (error) {
    throw translate(error, operations);
  }
  if (!isJsonObject(patched)) {
    throw PatchError.invalid("the patched document is not a JSON object");
  }
  return patched;
}

function decodeOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) {
    throw PatchError.badRequest(
      `json: cannot unmarshal ${describe(patch)} into Go value of type jsonpatch.Patch`,
    );
  }
  for (const operation of patch) {
    if (!isJsonObject(operation)) {
      throw PatchError.badRequest(
        `json: cannot unmarshal ${describe(operation)} into Go value of type jsonpatch.Operation`,
      );
    }
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(
      "RequestEntityTooLarge",
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  return patch as Operation[];
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "object" ? "object" : typeof value;
}

/** Messages follow the JSON-patch library Kubernetes uses, so clients see familiar text. */
function translate(error: unknown, operations: readonly Operation[]): PatchError {
  if (!(error instanceof JsonPatchError)) {
    // The library refuses __proto__/constructor paths with a TypeError.
    const message = error instanceof Error ? error.message : String(error);
    return PatchError.invalid(message, { cause: error });
  }
  const operation = operations[error.index ?? 0] as Partial<Record<string, unknown>> | undefined;
  const op = String(operation?.op ?? "");
  const path = String(operation?.path ?? "");
  const from = String(operation?.from ?? "");
  const where = `operation ${error.index ?? 0} (${op} ${path})`;
  switch (error.name) {
    case "TEST_OPERATION_FAILED":
      return PatchError.invalid(`testing value ${path} failed: test failed`, { cause: error });
    case "OPERATION_OP_INVALID":
      return PatchError.invalid(`Unexpected kind: ${op}`, { cause: error });
    case "OPERATION_PATH_UNRESOLVABLE":
      return PatchError.invalid(`${op} operation does not apply: doc is missing path: "${path}": missing value`, { cause: error });
    case "OPERATION_PATH_CANNOT_ADD":
    case "OPERATION_VALUE_OUT_OF_BOUNDS":
      return PatchError.invalid(`add operation does not apply: doc is missing path: "${path}": missing value`, { cause: error });
    case "OPERATION_FROM_UNRESOLVABLE":
      return PatchError.invalid(`${op} operation does not apply: doc is missing from path: "${from}": missing value`, { cause: error });
    case "OPERATION_FROM_REQUIRED":
      return PatchError.invalid(`${where}: "from" is missing`, { cause: error });
    case "OPERATION_VALUE_REQUIRED":
    case "OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED":
      return PatchError.invalid(`${where}: "value" is missing`, { cause: error });
    case "OPERATION_PATH_INVALID":
      return PatchError.invalid(`${where}: path must be a JSON pointer starting with "/"`, { cause: error });
    case "OPERATION_PATH_ILLEGAL_ARRAY_INDEX":
      return PatchError.invalid(`${where}: invalid array index in path "${path}"`, { cause: error });
    default:
      return PatchError.invalid(`${where}: ${error.message.split("\n")[0]}`, { cause: error });
  }
}
