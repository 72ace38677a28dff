// Plain JSON values as the patch code sees them: decoded request bodies and
// stored objects. Everything here treats values as immutable.

export type JsonObject = Record<string, unknown>;

/** A plain JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads an own property only: keys come from requests, and "constructor" or
 * "__proto__" must not resolve to what Object.prototype carries.
 */
export function getOwn(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Writes an own property; a plain assignment to "__proto__" would swap the prototype instead. */
export function setOwn(object: JsonObject, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

export type JsonKind = "object" | "array" | "scalar" | "null";

export function jsonKind(value: unknown): JsonKind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "object" ? "object" : "scalar";
}

/** Structural equality of two JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  let count = 0;
  for (const key in ao) {
    if (ao[key] === undefined) continue;
    count++;
    if (!deepEqual(ao[key], getOwn(bo, key))) return false;
  }
  for (const key in bo) if (bo[key] !== undefined) count--;
  return count === 0;
}

/**
 * `text` read as JSON when it is a JSON object or list, else undefined. YAML
 * bodies that are JSON (kubectl's always are) go through this rather than the
 * YAML parser: the same value, faster, and at any depth (the YAML parser
 * overflows the stack some 5,000 levels down).
 */
export function parseJsonCollection(text: string): JsonObject | unknown[] | undefined {
  const start = text.trimStart()[0];
  if (start !== "{" && start !== "[") return undefined;
  try {
    return JSON.parse(text) as JsonObject | unknown[];
  } catch {
    // A flow collection that is YAML but not JSON: the caller's YAML parser reads it.
    return undefined;
  }
}

/**
 * A deep copy that shares nothing with its input. The patch algorithms share
 * untouched subtrees internally; every public function returns through this
 * so callers may change the result without touching cached objects.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  // Iterative: a body may nest 10,000 deep, past what recursion here affords.
  const root: JsonObject | unknown[] = Array.isArray(value) ? [] : {};
  const pending: Copying[] = [[value, root]];
  while (pending.length > 0) {
    const [from, to] = pending.pop()!;
    if (Array.isArray(from)) {
      for (const child of from) (to as unknown[]).push(copyLater(child, pending));
    } else {
      for (const key in from as JsonObject) {
        const child = (from as JsonObject)[key];
        if (child !== undefined) setOwn(to as JsonObject, key, copyLater(child, pending));
      }
    }
  }
  return root as T;
}

type Copying = [from: object, to: JsonObject | unknown[]];

/** A scalar as is; for an object or array an empty one, filled once `pending` reaches it. */
function copyLater(value: unknown, pending: Copying[]): unknown {
  if (typeof value !== "object" || value === null) return value;
  const out: JsonObject | unknown[] = Array.isArray(value) ? [] : {};
  pending.push([value, out]);
  return out;
}
