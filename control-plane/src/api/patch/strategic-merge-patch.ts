// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`),
// applied on the server. kubectl sends it for client-side `apply` (a
// three-way patch computed from last-applied-configuration), `edit`,
// `patch`, `set image`, `rollout restart`, ...
//
// Semantics follow apimachinery's strategicpatch with the server's options
// (parallel lists are merged, unmatched nulls dropped):
// - maps merge recursively and `null` deletes a field;
// - lists whose schema says `x-kubernetes-patch-strategy: merge` merge: lists
//   of objects by `x-kubernetes-patch-merge-key`, lists of scalars as sets;
//   every other list is replaced; a map with strategy `replace` is replaced;
// - directives: `$patch: replace | delete` on maps and as list items,
//   `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
//   `$setElementOrder/<field>` (the order kubectl wants; items only on the
//   server keep their place relative to the live list);
// - where the schema says nothing (unknown fields, no schema) this reduces to
//   JSON merge patch, directives still honoured.
//
// Checked against the cases in apimachinery's strategicpatch tests. Deliberate
// differences, each where Kubernetes' result is an accident that typed
// decoding later hides: a map with `$patch: replace` under a field the object
// lacks becomes that map (Kubernetes drops it); `$patch: merge` is accepted as
// "merge as usual" (Kubernetes rejects it); directives inside newly added
// values are processed rather than stored verbatim.

import { cloneJson, getOwn, isJsonObject, setOwn, type JsonObject } from "./json-value.ts";
import { PatchError } from "./patch-error.ts";
import { fieldSchema, shapeOf, type SchemaNode, type Shape } from "./schema-node.ts";

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";
const SET_ELEMENT_ORDER = "$setElementOrder/";

/**
 * Applies `patch` (the decoded request body) to `original` using `schema` (the
 * resource's root schema; omit it for plain merge semantics). Returns a new
 * object; neither input is changed.
 */
export function applyStrategicMergePatch(
  original: JsonObject,
  patch: unknown,
  schema?: SchemaNode,
): JsonObject {
  if (!isJsonObject(patch)) throw PatchError.badRequest("invalid JSON document");
  // A top-level `$patch: delete` empties the object rather than removing it.
  return cloneJson(mergeObject(original, patch, shapeOf(schema), "") ?? {});
}

type Key = unknown;
type KeyOf = (item: unknown) => Key;

const identity: KeyOf = (item) => item;

function keyBy(mergeKey: string): KeyOf {
  return (item) => (isJsonObject(item) ? getOwn(item, mergeKey) : undefined);
}

/**
 * Merges `patch` into the map `original` (absent when undefined). Returns
 * undefined when the result is "no such field" (`$patch: delete`).
 */
function mergeObject(
  original: JsonObject | undefined,
  patch: JsonObject,
  shape: Shape,
  path: string,
): JsonObject | undefined {
  const directive = getOwn(patch, DIRECTIVE);
  if (directive !== undefined) {
    // An existing map is emptied, not removed; there is nothing to empty when it is absent.
    if (directive === "delete") return original === undefined ? undefined : {};
    if (directive === "replace") return mergeObject(undefined, withoutDirective(patch), shape, path);
    if (directive !== "merge") throw badPatchType(directive, patch);
  }

  const result: JsonObject = original === undefined ? {} : { ...original };
  applyRetainKeys(result, patch, path);
  const ordered = applySetElementOrder(result, patch, shape, path);

  for (const key in patch) {
    const value = patch[key];
    if (value === undefined || key === DIRECTIVE || key === RETAIN_KEYS) continue;
    if (key.startsWith(SET_ELEMENT_ORDER) || ordered.has(key)) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deleteFromPrimitiveList(result, key.slice(DELETE_FROM_PRIMITIVE_LIST.length), value);
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const merged = mergeValue(getOwn(result, key), value, shapeOf(fieldSchema(shape, key)), `${path}.${key}`);
    if (merged === undefined) delete result[key];
    else setOwn(result, key, merged);
  }
  return result;
}

function mergeValue(current: unknown, patch: unknown, shape: Shape, path: string): unknown {
  if (isJsonObject(patch)) {
    if (isJsonObject(current) && shape.patchStrategy !== "replace") {
      return mergeObject(current, patch, shape, path);
    }
    return mergeObject(undefined, patch, shape, path);
  }
  if (Array.isArray(patch)) {
    return mergeList(Array.isArray(current) ? current : undefined, patch, shape, path);
  }
  return patch;
}

function withoutDirective(patch: JsonObject): JsonObject {
  const rest = { ...patch };
  delete rest[DIRECTIVE];
  return rest;
}

function badPatchType(directive: unknown, patch: JsonObject): PatchError {
  return PatchError.badRequest(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
}

/** `$retainKeys`: the live map keeps only the listed keys (clears the other members of a union). */
function applyRetainKeys(result: JsonObject, patch: JsonObject, path: string): void {
  const retain = getOwn(patch, RETAIN_KEYS);
  if (retain === undefined) return;
  if (!Array.isArray(retain)) throw PatchError.badRequest("invalid patch format of retainKeys");
  const keep = new Set<unknown>(retain);
  for (const key in patch) {
    if (patch[key] === null || key === DIRECTIVE || key === RETAIN_KEYS) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(key)) {
      throw PatchError.invalid(`patch content doesn't match retainKeys list: ${path || "."} has "${key}"`);
    }
  }
  for (const key of Object.keys(result)) if (!keep.has(key)) delete result[key];
}

function deleteFromPrimitiveList(result: JsonObject, field: string, toDelete: unknown): void {
  if (!Array.isArray(toDelete)) throw PatchError.badRequest("invalid patch format of primitive list");
  const current = getOwn(result, field);
  // Deleting from a list the object lacks must not create it.
  if (!Array.isArray(current)) return;
  const gone = new Set<unknown>(toDelete);
  setOwn(result, field, current.filter((item) => !gone.has(item)));
}

/**
 * Handles every `$setElementOrder/<field>` of `patch`: merges the field's
 * patch list, then orders the result. Returns the fields it handled so the
 * main loop leaves them alone.
 */
function applySetElementOrder(result: JsonObject, patch: JsonObject, shape: Shape, path: string): Set<string> {
  const handled = new Set<string>();
  for (const key in patch) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const field = key.slice(SET_ELEMENT_ORDER.length);
    const order = patch[key];
    if (!Array.isArray(order)) throw PatchError.badRequest("invalid patch format of setElementOrder list");
    const patchList = getOwn(patch, field);
    // `null` deletes the list; the main loop does that.
    if (patchList === null) continue;
    if (patchList !== undefined && !Array.isArray(patchList)) {
      throw PatchError.badRequest("invalid patch format of setElementOrder list");
    }
    const fieldShape = shapeOf(fieldSchema(shape, field));
    const fieldPath = `${path}.${field}`;
    const current = getOwn(result, field);
    const originalList = Array.isArray(current) ? current : undefined;
    const mergeKey = fieldShape.mergeKey ?? "";
    const ordered = fieldShape.patchStrategy === "merge";
    // Only merged lists have an order to keep; for others the patch list is the result.
    if (ordered && patchList !== undefined) validateOrder(patchList, order, mergeKey, fieldPath);

    let merged: MergedList;
    if (patchList !== undefined) merged = mergeListWithOrder(originalList, patchList, fieldShape, fieldPath);
    else if (originalList !== undefined) merged = { items: originalList, liveOrder: originalList };
    else continue;

    handled.add(field);
    if (!ordered) {
      setOwn(result, field, merged.items);
      continue;
    }
    const keyOf = mergeKey === "" ? identity : keyBy(mergeKey);
    const orderKeys = order.map(keyOf);
    const wanted = new Set(orderKeys);
    const inOrder: unknown[] = [];
    const serverOnly: unknown[] = [];
    for (const item of merged.items) (wanted.has(keyOf(item)) ? inOrder : serverOnly).push(item);
    setOwn(result, field, normalizeOrder(inOrder, serverOnly, orderKeys, merged.liveOrder.map(keyOf), keyOf));
  }
  return handled;
}

/**
 * The patch list's items (deletions aside) must appear in `$setElementOrder`
 * in the same relative order; anything else means client and server disagree
 * about the list.
 */
function validateOrder(patchList: readonly unknown[], order: readonly unknown[], mergeKey: string, path: string): void {
  if (patchList.length === 0 || order.length === 0) return;
  const items = mergeKey === "" ? patchList : patchList.filter((item) => !isDeleteDirective(item));
  let p = 0;
  let s = 0;
  while (p < items.length && s < order.length) {
    const item = items[p];
    if (isJsonObject(item) && Object.hasOwn(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyEqual(item, order[s], mergeKey, path)) p++;
    s++;
  }
  if (p < items.length) {
    throw PatchError.invalid(
      `The order in patch list:\n${JSON.stringify(patchList)}\n doesn't match ${SET_ELEMENT_ORDER.slice(0, -1)} list:\n${JSON.stringify(order)}\n`,
    );
  }
}

function isDeleteDirective(item: unknown): boolean {
  return isJsonObject(item) && getOwn(item, DIRECTIVE) === "delete";
}

function mergeKeyEqual(left: unknown, right: unknown, mergeKey: string, path: string): boolean {
  if (mergeKey === "") return left === right;
  return requireMergeKey(left, mergeKey, path) === requireMergeKey(right, mergeKey, path);
}

function requireMergeKey(item: unknown, mergeKey: string, path: string): unknown {
  const value = isJsonObject(item) ? getOwn(item, mergeKey) : undefined;
  if (value === undefined) {
    throw PatchError.invalid(`${path}: map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
  }
  return value;
}

function mergeList(current: readonly unknown[] | undefined, patch: readonly unknown[], shape: Shape, path: string): unknown[] {
  return mergeListWithOrder(current, patch, shape, path).items;
}

interface MergedList {
  items: unknown[];
  /**
   * The live order `$setElementOrder` slots server-only items by. Kubernetes
   * reuses the live list's storage when merging by key: items the patch
   * deletes free slots that its new items then fill, so those new items count
   * as live, after the survivors. Reproduced so results match item for item.
   */
  liveOrder: readonly unknown[];
}

function mergeListWithOrder(
  current: readonly unknown[] | undefined,
  patch: readonly unknown[],
  shape: Shape,
  path: string,
): MergedList {
  const itemShape = shapeOf(shape.items);
  const original = current ?? [];
  if (shape.patchStrategy !== "merge") return { items: freshList(patch, itemShape, path), liveOrder: original };
  if (original.length === 0 && patch.length === 0) return { items: [], liveOrder: original };
  return elementKind(original, patch, path) === "scalar"
    ? { items: mergeScalarSet(original, patch), liveOrder: original }
    : mergeByKey(original, patch, shape.mergeKey, itemShape, path);
}

/** A list the patch replaces, with directives and nulls resolved as for new values. */
function freshList(patch: readonly unknown[], itemShape: Shape, path: string): unknown[] {
  const out: unknown[] = [];
  patch.forEach((item, index) => {
    if (!isJsonObject(item)) {
      out.push(item);
      return;
    }
    const directive = getOwn(item, DIRECTIVE);
    // As list items `$patch: delete | replace` are instructions, not values.
    if (directive === "delete" || directive === "replace") return;
    const fresh = mergeObject(undefined, item, itemShape, `${path}[${index}]`);
    if (fresh !== undefined) out.push(fresh);
  });
  return out;
}

function elementKind(original: readonly unknown[], patch: readonly unknown[], path: string): "object" | "scalar" {
  let kind: "object" | "scalar" | undefined;
  for (const list of [original, patch]) {
    for (const item of list) {
      if (Array.isArray(item)) throw PatchError.invalid("lists of lists are not supported");
      const itemKind = isJsonObject(item) ? "object" : "scalar";
      if (kind !== undefined && kind !== itemKind) {
        throw PatchError.invalid(`${path}: list element types are not identical`);
      }
      kind = itemKind;
    }
  }
  return kind ?? "scalar";
}

function mergeScalarSet(original: readonly unknown[], patch: readonly unknown[]): unknown[] {
  const merged = [...new Set([...original, ...patch])];
  const inPatch = new Set(patch);
  const patchItems = merged.filter((item) => inPatch.has(item));
  const serverOnly = merged.filter((item) => !inPatch.has(item));
  return normalizeOrder(patchItems, serverOnly, patch, original, identity);
}

function mergeByKey(
  original: readonly unknown[],
  patch: readonly unknown[],
  mergeKey: string | undefined,
  itemShape: Shape,
  path: string,
): MergedList {
  if (mergeKey === undefined || mergeKey === "") {
    throw PatchError.invalid(`cannot merge lists without merge key for ${path}`);
  }
  const keyOf = keyBy(mergeKey);
  let base: readonly unknown[] = original;
  let replace = false;
  const items: JsonObject[] = [];
  for (const item of patch as readonly JsonObject[]) {
    const directive = getOwn(item, DIRECTIVE);
    if (directive === undefined) {
      items.push(item);
    } else if (directive === "delete") {
      const key = requireMergeKey(item, mergeKey, path);
      base = base.filter((entry) => keyOf(entry) !== key);
    } else if (directive === "replace") {
      // Keep scanning: the remaining items still need their directives stripped.
      replace = true;
    } else if (directive === "merge") {
      items.push(withoutDirective(item));
    } else {
      throw badPatchType(directive, item);
    }
  }
  if (replace) return { items: freshList(items, itemShape, path), liveOrder: original };

  const merged: unknown[] = [...base];
  const position = new Map<Key, number>();
  merged.forEach((entry, index) => {
    const key = keyOf(entry);
    if (!position.has(key)) position.set(key, index);
  });
  const patchKeys: Key[] = [];
  for (const item of items) {
    const key = requireMergeKey(item, mergeKey, path);
    patchKeys.push(key);
    const at = position.get(key);
    const itemPath = `${path}[${mergeKey}=${JSON.stringify(key)}]`;
    if (at === undefined) {
      position.set(key, merged.length);
      merged.push(mergeObject(undefined, item, itemShape, itemPath) ?? {});
    } else {
      const entry = merged[at];
      merged[at] = mergeObject(isJsonObject(entry) ? entry : undefined, item, itemShape, itemPath) ?? {};
    }
  }
  const inPatch = new Set(patchKeys);
  const patchItems = merged.filter((item) => inPatch.has(keyOf(item)));
  const serverOnly = merged.filter((item) => !inPatch.has(keyOf(item)));
  const freed = original.length - base.length;
  return {
    items: normalizeOrder(patchItems, serverOnly, patchKeys, base.map(keyOf), keyOf),
    liveOrder: merged.slice(0, base.length + Math.min(freed, merged.length - base.length)),
  };
}

/**
 * Orders a merged list: items the patch mentions follow the patch's order;
 * items only the server has keep the live list's order and are slotted in
 * before the first patch item that the live list had after them.
 */
function normalizeOrder(
  patchItems: readonly unknown[],
  serverOnly: readonly unknown[],
  patchOrder: readonly Key[],
  serverOrder: readonly Key[],
  keyOf: KeyOf,
): unknown[] {
  const patchIndex = firstIndex(patchOrder);
  const serverIndex = firstIndex(serverOrder);
  const right = sortByIndex(patchItems, patchIndex, keyOf);
  const left = sortByIndex(serverOnly, serverIndex, keyOf);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) {
      out.push(right[j++]);
    } else if (j >= right.length) {
      out.push(left[i++]);
    } else {
      const li = serverIndex.get(keyOf(left[i]));
      const ri = serverIndex.get(keyOf(right[j]));
      if (li !== undefined && ri !== undefined && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function firstIndex(keys: readonly Key[]): Map<Key, number> {
  const index = new Map<Key, number>();
  keys.forEach((key, i) => {
    if (!index.has(key)) index.set(key, i);
  });
  return index;
}

/** Stable sort by position in an order list; items it lacks go last, in their current order. */
function sortByIndex(items: readonly unknown[], index: ReadonlyMap<Key, number>, keyOf: KeyOf): unknown[] {
  return items
    .map((item, at) => ({ item, at, rank: index.get(keyOf(item)) ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => (a.rank === b.rank ? a.at - b.at : a.rank - b.rank))
    .map((entry) => entry.item);
}
