// The schema-aware walks server-side apply is built from, after
// structured-merge-diff: which fields a value sets, how an applied
// configuration merges into a live object, what changed between two
// objects, and removing a set of fields.
//
// How the schema shapes a value:
// - objects with declared properties are structs, other objects maps; both
//   are granular (per field) unless `x-kubernetes-map-type: atomic`;
// - lists are atomic unless `x-kubernetes-list-type` says `set` (items
//   identified by value) or `map` (items identified by
//   `x-kubernetes-list-map-keys`); without a list type, patch strategy
//   `merge` makes a list-map keyed by the patch merge key (or a set when
//   there is none), as Kubernetes' OpenAPI conversion does;
// - anything the schema does not describe is deduced from the value: objects
//   are granular maps, lists atomic.
// A list-map key field the item omits takes the field's schema `default`.

import { fieldElement, FieldSet, goJson, pathString, valueElement, type PathElement } from "./field-set.ts";
import { deepEqual, getOwn, isJsonObject, jsonKind, setOwn, type JsonObject } from "./json-value.ts";
import { PatchError } from "./patch-error.ts";
import { fieldSchema, isNamedField, shapeOf, type SchemaNode, type Shape } from "./schema-node.ts";

type ListSemantics =
  | { type: "atomic" }
  | { type: "set" }
  /** `prefixes` are the keys spelled for a `k:` element (`"name":`), computed once. */
  | { type: "map"; keys: readonly string[]; prefixes: readonly string[] };

type Kind =
  | { type: "scalar" }
  | { type: "atomic" }
  | { type: "struct"; shape: Shape }
  | { type: "map"; shape: Shape }
  | { type: "list"; shape: Shape; list: Exclude<ListSemantics, { type: "atomic" }> };

/** The value's kind under `schema`; the value's own JSON type decides where the schema disagrees. */
/**
 * What a struct's field `key` holds. A field the struct does not declare
 * (Kubernetes refuses one in an apply configuration; admission here drops it)
 * is one atomic value, never walked: however deep it is nested, it costs no
 * recursion.
 */
function memberSchema(shape: Shape, key: string): SchemaNode | undefined {
  if (shape.properties !== undefined && shape.properties.size > 0 && shape.additional === undefined && !shape.properties.has(key)) {
    return UNDECLARED_FIELD;
  }
  return fieldSchema(shape, key);
}

const UNDECLARED_FIELD: SchemaNode = { "x-kubernetes-map-type": "atomic", "x-kubernetes-list-type": "atomic" };

function kindOf(schema: SchemaNode | undefined, value: unknown): Kind {
  const shape = shapeOf(schema);
  switch (jsonKind(value)) {
    case "object":
      if (shape.mapType === "atomic") return { type: "atomic" };
      return shape.properties !== undefined ? { type: "struct", shape } : { type: "map", shape };
    case "array": {
      const list = listSemantics(shape);
      return list.type === "atomic" ? { type: "atomic" } : { type: "list", shape, list };
    }
    default:
      return { type: "scalar" };
  }
}

const listSemanticsCache = new WeakMap<Shape, ListSemantics>();

function listSemantics(shape: Shape): ListSemantics {
  let semantics = listSemanticsCache.get(shape);
  if (semantics === undefined) {
    semantics = deriveListSemantics(shape);
    listSemanticsCache.set(shape, semantics);
  }
  return semantics;
}

function deriveListSemantics(shape: Shape): ListSemantics {
  switch (shape.listType) {
    case "set":
      return { type: "set" };
    case "map":
      return shape.listMapKeys !== undefined && shape.listMapKeys.length > 0 ? mapSemantics(shape.listMapKeys) : { type: "atomic" };
    case undefined:
      if (shape.patchStrategy !== "merge") return { type: "atomic" };
      return shape.mergeKey !== undefined ? mapSemantics([shape.mergeKey]) : { type: "set" };
    default:
      return { type: "atomic" };
  }
}

function mapSemantics(keys: readonly string[]): ListSemantics {
  const sorted = [...keys].sort();
  return { type: "map", keys: sorted, prefixes: sorted.map((key) => `${goJson(key)}:`) };
}

interface Entry {
  element: PathElement;
  item: unknown;
}

/**
 * The path elements of a list's items, or undefined when some item has no
 * identity (wrong type, no key field). `strict` (the applied configuration)
 * turns that, and duplicates, into an Invalid error instead.
 */
function listEntries(
  list: readonly unknown[],
  kind: Extract<Kind, { type: "list" }>,
  strict: boolean,
  path: readonly PathElement[],
): Entry[] | undefined {
  const itemShape = shapeOf(kind.shape.items);
  const entries: Entry[] = [];
  const seen = strict ? new Set<PathElement>() : undefined;
  for (const item of list) {
    const element = itemElement(item, kind.list, itemShape);
    if (typeof element !== "string") {
      if (strict) throw PatchError.invalid(`${pathString(path) || "."}: ${element.problem}`);
      return undefined;
    }
    if (seen !== undefined) {
      if (seen.has(element)) {
        throw PatchError.invalid(`${pathString(path)}: duplicate entries for key ${pathString([element])}`);
      }
      seen.add(element);
    }
    entries.push({ element, item });
  }
  return entries;
}

// The same item objects are keyed by several passes of one request (field
// sets, merge, compare, prune) and again by later requests on the cached
// object; spelling the key is the costly part. An entry is used only while
// the item still holds the same key values, so a changed item is re-keyed.
const elementCache = new WeakMap<object, { list: ListSemantics; values: unknown[]; element: PathElement }>();

function itemElement(
  item: unknown,
  list: Exclude<ListSemantics, { type: "atomic" }>,
  itemShape: Shape,
): PathElement | { problem: string } {
  if (list.type === "set") {
    return isJsonObject(item) || Array.isArray(item)
      ? { problem: "set list items must be scalars" }
      : valueElement(item);
  }
  if (!isJsonObject(item)) return { problem: "associative list with keys may not have non-map elements" };
  const values = list.keys.map((key) => getOwn(item, key) ?? shapeOf(itemShape.properties?.get(key)).default);
  const cached = elementCache.get(item);
  if (cached !== undefined && cached.list === list && cached.values.every((value, i) => value === values[i])) {
    return cached.element;
  }
  let body = "";
  values.forEach((value, i) => {
    if (value !== undefined) body += `${body === "" ? "" : ","}${list.prefixes[i]}${goJson(value)}`;
  });
  if (body === "") {
    return { problem: `associative list with keys has an element that omits all key fields ${JSON.stringify(list.keys)}` };
  }
  const element = `k:{${body}}`;
  elementCache.set(item, { list, values, element });
  return element;
}

function isEmptyObject(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  for (const key in value) if (value[key] !== undefined) return false;
  return true;
}

/** undefined, null or an empty object/list: both sides like this make a map or list a leaf. */
function isBlank(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    isEmptyObject(value) ||
    (Array.isArray(value) && value.length === 0)
  );
}

// ---------------------------------------------------------------------------
// Field sets

/**
 * The fields `value` sets. With `strict` (an applied configuration) list
 * items without identity or with duplicate keys are an Invalid error; on
 * stored objects such lists count as atomic, and duplicates own only the item.
 */
export function fieldSetOf(value: unknown, schema: SchemaNode | undefined, strict = false): FieldSet {
  return collect(value, schema, strict, []).children;
}

function collect(
  value: unknown,
  schema: SchemaNode | undefined,
  strict: boolean,
  path: PathElement[],
): { leaf: boolean; children: FieldSet } {
  const kind = kindOf(schema, value);
  const children = new FieldSet();
  switch (kind.type) {
    case "scalar":
    case "atomic":
      return { leaf: true, children };
    case "struct":
    case "map": {
      const object = value as JsonObject;
      for (const key in object) {
        const child = object[key];
        if (child === undefined) continue;
        const element = fieldElement(key);
        path.push(element);
        const sub = collect(child, memberSchema(kind.shape, key), strict, path);
        path.pop();
        // Struct fields with content are implied by their children; map
        // entries, empty values and nulls are owned as such.
        if (sub.leaf || child === null || isEmptyObject(child) || !isNamedField(kind.shape, key)) {
          children.addMember(element);
        }
        children.addChild(element, sub.children);
      }
      return { leaf: false, children };
    }
    case "list": {
      const entries = listEntries(value as unknown[], kind, strict, path);
      if (entries === undefined) return { leaf: true, children };
      const counts = new Map<PathElement, number>();
      for (const { element } of entries) counts.set(element, (counts.get(element) ?? 0) + 1);
      for (const { element, item } of entries) {
        children.addMember(element);
        if (counts.get(element)! > 1) continue;
        path.push(element);
        children.addChild(element, collect(item, kind.shape.items, strict, path).children);
        path.pop();
      }
      return { leaf: false, children };
    }
  }
}

/**
 * Adds every struct field that has owned children as a member itself, so
 * removing "everything a manager owned" also takes the structs that held it.
 */
export function withNamedFieldsAsMembers(set: FieldSet, schema: SchemaNode | undefined): FieldSet {
  const shape = shapeOf(schema);
  const out = new FieldSet();
  for (const member of set.members) out.addMember(member);
  for (const [element, child] of set.children) {
    let childSchema: SchemaNode | undefined;
    if (element.startsWith("f:")) {
      const name = element.slice(2);
      if (isNamedField(shape, name)) out.addMember(element);
      childSchema = fieldSchema(shape, name);
    } else {
      childSchema = shape.items;
    }
    out.addChild(element, withNamedFieldsAsMembers(child, childSchema));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Merge

/**
 * Merges an applied configuration into a live object: configured fields win,
 * granular maps merge per field, list-maps and sets per item (items the
 * configuration names follow its order, the others keep their place), atomic
 * values are replaced. `null` in the configuration removes the field.
 * `config` must have passed `fieldSetOf(config, schema, true)`.
 */
export function mergeApplied(live: unknown, config: unknown, schema: SchemaNode | undefined): unknown {
  if (config === undefined) return live;
  if (live === undefined || live === null || jsonKind(live) !== jsonKind(config)) return withoutNulls(config);
  const kind = kindOf(schema, config);
  switch (kind.type) {
    case "scalar":
    case "atomic":
      return withoutNulls(config);
    case "struct":
    case "map": {
      if (isBlank(live) && isBlank(config)) return config;
      const out: JsonObject = { ...(live as JsonObject) };
      const patch = config as JsonObject;
      for (const key in patch) {
        const value = patch[key];
        if (value === undefined) continue;
        if (value === null) {
          delete out[key];
          continue;
        }
        setOwn(out, key, mergeApplied(getOwn(out, key), value, memberSchema(kind.shape, key)));
      }
      return out;
    }
    case "list": {
      const liveList = live as unknown[];
      const configList = config as unknown[];
      // An empty configured list removes nothing here: pruning what the
      // applier no longer sets is a separate step.
      if (configList.length === 0) return liveList.length === 0 ? config : live;
      if (liveList.length === 0) return withoutNulls(config);
      const lhs = listEntries(liveList, kind, false, []);
      const rhs = listEntries(configList, kind, false, []);
      if (lhs === undefined || rhs === undefined) return withoutNulls(config);
      return mergeListItems(lhs, rhs, (l, r) => mergeApplied(l, r, kind.shape.items));
    }
  }
}

/**
 * Interleaves live items with configured ones: items both sides have follow
 * the configuration's order, live-only items stay next to their neighbours.
 * Duplicated live items are collapsed into the configured one.
 */
function mergeListItems(lhs: Entry[], rhs: Entry[], merge: (live: unknown, config: unknown) => unknown): unknown[] {
  const liveByElement = new Map<PathElement, unknown>();
  const duplicated = new Set<PathElement>();
  for (const { element, item } of lhs) {
    if (liveByElement.has(element)) duplicated.add(element);
    else liveByElement.set(element, item);
  }
  const configByElement = new Map(rhs.map(({ element, item }) => [element, item] as const));
  const liveOf = (element: PathElement): unknown => (duplicated.has(element) ? undefined : liveByElement.get(element));

  const shared = rhs.filter(({ element }) => liveByElement.has(element)).map(({ element }) => element);
  let nextShared = 0;
  const done = new Set<PathElement>();
  const out: unknown[] = [];
  let l = 0;
  let r = 0;
  while (l < lhs.length || r < rhs.length) {
    if (l < lhs.length && r < rhs.length) {
      const element = lhs[l]!.element;
      if (element === rhs[r]!.element) {
        done.add(element);
        out.push(merge(liveOf(element), configByElement.get(element)));
        l++;
        r++;
        nextShared++;
        continue;
      }
      // A shared item met out of the configuration's order waits for its turn.
      if (configByElement.has(element) && nextShared < shared.length && shared[nextShared] !== element) {
        l++;
        continue;
      }
    }
    if (l < lhs.length) {
      const { element, item } = lhs[l]!;
      if (!configByElement.has(element)) {
        out.push(merge(item, undefined));
        l++;
        continue;
      }
      if (done.has(element)) l++;
    }
    if (r < rhs.length) {
      const element = rhs[r]!.element;
      done.add(element);
      out.push(merge(liveOf(element), configByElement.get(element)));
      r++;
      if (nextShared < shared.length && shared[nextShared] === element) nextShared++;
    }
  }
  return out;
}

/** Drops `null` fields: in Kubernetes' typed objects a null field is an absent one. */
function withoutNulls(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  // Iterative, as cloneJson: values nest as deep as a body may.
  const root: JsonObject | unknown[] = Array.isArray(value) ? [] : {};
  const pending: [from: object, to: JsonObject | unknown[]][] = [[value, root]];
  const later = (child: unknown): unknown => {
    if (typeof child !== "object" || child === null) return child;
    const out: JsonObject | unknown[] = Array.isArray(child) ? [] : {};
    pending.push([child, out]);
    return out;
  };
  while (pending.length > 0) {
    const [from, to] = pending.pop()!;
    if (Array.isArray(from)) {
      for (const child of from) (to as unknown[]).push(later(child));
    } else {
      for (const key in from as JsonObject) {
        const child = (from as JsonObject)[key];
        if (child !== null && child !== undefined) setOwn(to as JsonObject, key, later(child));
      }
    }
  }
  return root;
}

// ---------------------------------------------------------------------------
// Compare

export interface Comparison {
  /** Fields in the new object only. */
  added: FieldSet;
  /** Fields in the old object only. */
  removed: FieldSet;
  /** Leaf fields present in both with different values. */
  modified: FieldSet;
}

/**
 * What changed from `before` to `after`. Leaves (scalars, atomic values)
 * appear in exactly one set when changed; map entries and list items that
 * appear or disappear are also recorded themselves. Structs reached through a
 * declared field are not: Kubernetes' typed objects always carry those, so
 * they never count as added there either.
 */
export function compareObjects(before: unknown, after: unknown, schema: SchemaNode | undefined): Comparison {
  const comparison: Comparison = { added: new FieldSet(), removed: new FieldSet(), modified: new FieldSet() };
  compareInto(before, after, schema, [], true, comparison);
  return comparison;
}

function compareInto(
  lhs: unknown,
  rhs: unknown,
  schema: SchemaNode | undefined,
  path: PathElement[],
  namedField: boolean,
  out: Comparison,
): void {
  const leaf = (): void => {
    if (lhs === undefined) out.added.insert(path);
    else if (rhs === undefined) out.removed.insert(path);
    else if (!deepEqual(lhs, rhs)) out.modified.insert(path);
  };
  if (lhs !== undefined && rhs !== undefined && jsonKind(lhs) !== jsonKind(rhs)) return leaf();
  const kind = kindOf(schema, rhs === undefined ? lhs : rhs);
  switch (kind.type) {
    case "scalar":
    case "atomic":
      return leaf();
    case "struct":
    case "map": {
      if (isBlank(lhs) && isBlank(rhs)) return leaf();
      const l = (lhs ?? {}) as JsonObject;
      const r = (rhs ?? {}) as JsonObject;
      const visit = (key: string): void => {
        path.push(fieldElement(key));
        compareInto(getOwn(l, key), getOwn(r, key), memberSchema(kind.shape, key), path, isNamedField(kind.shape, key), out);
        path.pop();
      };
      for (const key in l) if (l[key] !== undefined) visit(key);
      for (const key in r) if (r[key] !== undefined && getOwn(l, key) === undefined) visit(key);
      if (!(kind.type === "struct" && namedField)) recordPresence(lhs, rhs, path, out);
      return;
    }
    case "list": {
      if (isBlank(lhs) && isBlank(rhs)) return leaf();
      const lhsEntries = lhs === undefined ? [] : listEntries(lhs as unknown[], kind, false, path);
      const rhsEntries = rhs === undefined ? [] : listEntries(rhs as unknown[], kind, false, path);
      if (lhsEntries === undefined || rhsEntries === undefined) return leaf();
      compareListItems(lhsEntries, rhsEntries, kind.shape.items, path, out);
      recordPresence(lhs, rhs, path, out);
      return;
    }
  }
}

function recordPresence(lhs: unknown, rhs: unknown, path: readonly PathElement[], out: Comparison): void {
  if (lhs === undefined) out.added.insert(path);
  else if (rhs === undefined) out.removed.insert(path);
}

function compareListItems(
  lhs: Entry[],
  rhs: Entry[],
  itemSchema: SchemaNode | undefined,
  path: PathElement[],
  out: Comparison,
): void {
  const groups = new Map<PathElement, { l: unknown[]; r: unknown[] }>();
  const group = (element: PathElement) => {
    let found = groups.get(element);
    if (found === undefined) {
      found = { l: [], r: [] };
      groups.set(element, found);
    }
    return found;
  };
  for (const { element, item } of lhs) group(element).l.push(item);
  for (const { element, item } of rhs) group(element).r.push(item);
  for (const [element, { l, r }] of groups) {
    path.push(element);
    if (l.length <= 1 && r.length <= 1) {
      compareInto(l[0], r[0], itemSchema, path, false, out);
    } else if (l.length >= 2 && r.length >= 2) {
      if (!deepEqual(l, r)) out.modified.insert(path);
    } else if (l.length >= 2) {
      if (r.length > 0) compareInto(undefined, r[0], itemSchema, path, false, out);
      out.removed.insert(path);
    } else {
      if (l.length > 0) compareInto(l[0], undefined, itemSchema, path, false, out);
      out.added.insert(path);
    }
    path.pop();
  }
}

// ---------------------------------------------------------------------------
// Remove

/**
 * `value` without the fields in `set`: members go with their whole subtree,
 * children are removed from within. A map or list left empty by the removal
 * goes too (undefined is returned for the value itself).
 */
export function removeFields(value: unknown, set: FieldSet, schema: SchemaNode | undefined): unknown {
  if (set.isEmpty()) return value;
  const kind = kindOf(schema, value);
  switch (kind.type) {
    case "scalar":
    case "atomic":
      return value;
    case "struct":
    case "map": {
      const object = value as JsonObject;
      if (isEmptyObject(object)) return value;
      const out: JsonObject = {};
      for (const key in object) {
        const child = object[key];
        if (child === undefined) continue;
        const element = fieldElement(key);
        if (set.members.has(element)) continue;
        const sub = set.children.get(element);
        const kept = sub === undefined ? child : removeFields(child, sub, memberSchema(kind.shape, key));
        if (kept !== undefined) setOwn(out, key, kept);
      }
      return isEmptyObject(out) ? undefined : out;
    }
    case "list": {
      const list = value as unknown[];
      if (list.length === 0) return value;
      const entries = listEntries(list, kind, false, []);
      if (entries === undefined) return value;
      const out: unknown[] = [];
      for (const { element, item } of entries) {
        if (set.members.has(element)) continue;
        const sub = set.children.get(element);
        const kept = sub === undefined ? item : removeFields(item, sub, kind.shape.items);
        if (kept !== undefined) out.push(kept);
      }
      return out.length === 0 ? undefined : out;
    }
  }
}
