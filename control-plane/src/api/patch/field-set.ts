// Sets of field paths, the currency of server-side apply: which fields a
// manager owns, which changed between two objects. Stored in
// `metadata.managedFields[].fieldsV1` as a trie whose keys are path elements
// spelled the Kubernetes way:
//   f:<field>              a field of a map or struct
//   k:{"name":"nginx"}     an item of a list-map, by its key fields (sorted)
//   v:"value"              an item of a set list, by value
//   i:3                    an item of an atomic list, by index (never produced here)
// and "." marking that the node itself is in the set, not only its children.

import { isJsonObject, setOwn, type JsonObject } from "./json-value.ts";
import { PatchError } from "./patch-error.ts";

/** One path element in its FieldsV1 spelling; the spelling is canonical so strings compare. */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** `fields` must be sorted by name. */
export function keyElement(fields: readonly (readonly [string, unknown])[]): PathElement {
  return `k:{${fields.map(([name, value]) => `${goJson(name)}:${goJson(value)}`).join(",")}}`;
}

export function valueElement(value: unknown): PathElement {
  return `v:${goJson(value)}`;
}

/**
 * A set of field paths: `members` are the elements below this node that are
 * themselves in the set, `children` the subsets below them. No child is ever
 * empty. Built with `insert`/`addMember`/`addChild`, then treated as immutable:
 * the set operations return new sets.
 */
const NO_MEMBERS: ReadonlySet<PathElement> = new Set();
const NO_CHILDREN: ReadonlyMap<PathElement, FieldSet> = new Map();

export class FieldSet {
  // Allocated on first use: most nodes of a set are leaves.
  private _members: Set<PathElement> | undefined;
  private _children: Map<PathElement, FieldSet> | undefined;

  get members(): ReadonlySet<PathElement> {
    return this._members ?? NO_MEMBERS;
  }

  get children(): ReadonlyMap<PathElement, FieldSet> {
    return this._children ?? NO_CHILDREN;
  }

  isEmpty(): boolean {
    return (this._members === undefined || this._members.size === 0) && (this._children === undefined || this._children.size === 0);
  }

  insert(path: FieldPath): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.descend(path[i]!);
    node.addMember(path[path.length - 1]!);
  }

  private descend(element: PathElement): FieldSet {
    let child = this._children?.get(element);
    if (child === undefined) {
      child = new FieldSet();
      (this._children ??= new Map()).set(element, child);
    }
    return child;
  }

  addMember(element: PathElement): void {
    (this._members ??= new Set()).add(element);
  }

  addChild(element: PathElement, child: FieldSet): void {
    if (!child.isEmpty()) (this._children ??= new Map()).set(element, child);
  }

  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node !== undefined; i++) node = node.children.get(path[i]!);
    return node?.members.has(path[path.length - 1]!) ?? false;
  }

  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const out = new FieldSet();
    for (const member of this.members) out.addMember(member);
    for (const member of other.members) out.addMember(member);
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      out.addChild(element, theirs === undefined ? child : child.union(theirs));
    }
    for (const [element, child] of other.children) {
      if (!this.children.has(element)) out.addChild(element, child);
    }
    return out;
  }

  /** Paths in this set and not in `other`, compared path by path. */
  difference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    const out = new FieldSet();
    for (const member of this.members) if (!other.members.has(member)) out.addMember(member);
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      out.addChild(element, theirs === undefined ? child : child.difference(theirs));
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    if (this.isEmpty() || other.isEmpty()) return out;
    for (const member of this.members) if (other.members.has(member)) out.addMember(member);
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      if (theirs !== undefined) out.addChild(element, child.intersection(theirs));
    }
    return out;
  }

  /** Every member path, in Kubernetes' order. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (node: FieldSet, prefix: PathElement[]): void => {
      for (const element of sortElements(new Set([...node.members, ...node.children.keys()]))) {
        if (node.members.has(element)) out.push([...prefix, element]);
        const child = node.children.get(element);
        if (child !== undefined) walk(child, [...prefix, element]);
      }
    };
    walk(this, []);
    return out;
  }

  /** The FieldsV1 JSON of this set, keys in Kubernetes' order. */
  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    for (const element of sortElements(new Set([...this.members, ...this.children.keys()]))) {
      const child = this.children.get(element);
      if (child === undefined) {
        setOwn(out, element, {});
      } else {
        const body: JsonObject = this.members.has(element) ? { ".": {} } : {};
        Object.assign(body, child.toFieldsV1());
        setOwn(out, element, body);
      }
    }
    return out;
  }

  /** Parses FieldsV1 JSON; path elements are re-spelled canonically. Throws PatchError (Invalid) when malformed. */
  static fromFieldsV1(value: unknown): FieldSet {
    if (!isJsonObject(value)) throw PatchError.invalid("fieldsV1 must be a JSON object");
    return readNode(value).children;
  }
}

function readNode(value: JsonObject): { member: boolean; children: FieldSet } {
  const children = new FieldSet();
  let member = false;
  for (const key of Object.keys(value)) {
    if (key === ".") {
      member = true;
      continue;
    }
    const element = canonicalElement(key);
    // Kubernetes skips element kinds it does not know rather than fail.
    if (element === undefined) continue;
    const body = value[key];
    if (!isJsonObject(body)) throw PatchError.invalid(`fieldsV1: value of ${JSON.stringify(key)} must be an object`);
    const child = readNode(body);
    if (child.member) children.addMember(element);
    children.addChild(element, child.children);
  }
  return { member: member || children.isEmpty(), children };
}

/**
 * Element spellings repeat across requests (the same containers, ports and
 * finalizers every time an object is written), so the parsing work behind
 * canonical spelling and ordering is remembered, up to a bound.
 */
class ElementMemo<T> {
  private readonly entries = new Map<string, T>();

  get(element: string, compute: (element: string) => T): T {
    let value = this.entries.get(element);
    if (value === undefined) {
      value = compute(element);
      if (this.entries.size >= 10_000) this.entries.clear();
      this.entries.set(element, value);
    }
    return value;
  }
}

const canonicalElements = new ElementMemo<PathElement | null>();

function canonicalElement(key: string): PathElement | undefined {
  if (key.startsWith("f:")) return key;
  return canonicalElements.get(key, spellCanonically) ?? undefined;
}

function spellCanonically(key: string): PathElement | null {
  const prefix = key.slice(0, 2);
  const body = key.slice(2);
  switch (prefix) {
    case "f:":
      return key;
    case "i:":
      if (!/^\d+$/.test(body)) throw PatchError.invalid(`fieldsV1: bad index element ${JSON.stringify(key)}`);
      return `i:${Number(body)}`;
    case "v:":
      return valueElement(parseElementJson(key, body));
    case "k:": {
      const fields = parseElementJson(key, body);
      if (!isJsonObject(fields)) throw PatchError.invalid(`fieldsV1: bad key element ${JSON.stringify(key)}`);
      return keyElement(Object.entries(fields).sort(([a], [b]) => compareStrings(a, b)));
    }
    default:
      return null;
  }
}

function parseElementJson(key: string, body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw PatchError.invalid(`fieldsV1: bad path element ${JSON.stringify(key)}`, { cause: error });
  }
}

const GO_ESCAPED = /[<>&\u2028\u2029]/;
const GO_ESCAPED_ALL = /[<>&\u2028\u2029]/g;

/**
 * JSON as Go's encoder writes it (HTML-sensitive characters escaped, map keys
 * sorted), so keys we write match keys Kubernetes and its clients write.
 */
export function goJson(value: unknown): string {
  if (typeof value === "string") {
    const json = JSON.stringify(value);
    return GO_ESCAPED.test(json) ? json.replace(GO_ESCAPED_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) : json;
  }
  if (Array.isArray(value)) return `[${value.map(goJson).join(",")}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort(compareStrings);
    return `{${keys.map((key) => `${goJson(key)}:${goJson(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** A path as Kubernetes prints it in conflict messages: `.spec.containers[name="nginx"].image`. */
export function pathString(path: FieldPath): string {
  return path.map(elementString).join("");
}

function elementString(element: PathElement): string {
  const body = element.slice(2);
  switch (element.slice(0, 2)) {
    case "f:":
      return `.${body}`;
    case "k:": {
      const fields = JSON.parse(body) as JsonObject;
      return `[${Object.entries(fields).map(([name, value]) => `${name}=${valueString(value)}`).join(",")}]`;
    }
    case "v:":
      return `[=${valueString(JSON.parse(body))}]`;
    default:
      return `[${body}]`;
  }
}

function valueString(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : goJson(value);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const ELEMENT_RANK: Readonly<Record<string, number>> = { "f:": 0, "k:": 1, "v:": 2, "i:": 3 };

interface SortKey {
  element: PathElement;
  rank: number;
  /** The element's body, parsed once: a field name, key fields, value or index. */
  body: unknown;
}

/** Field names, then keys, then values, then indexes; each in Kubernetes' value order. */
function sortElements(elements: Iterable<PathElement>): PathElement[] {
  const keys: SortKey[] = [];
  for (const element of elements) keys.push(element.startsWith("f:") ? { element, rank: 0, body: element.slice(2) } : sortKeys.get(element, sortKeyOf));
  return keys.sort(compareSortKeys).map((key) => key.element);
}

const sortKeys = new ElementMemo<SortKey>();

function sortKeyOf(element: PathElement): SortKey {
  const rank = ELEMENT_RANK[element.slice(0, 2)] ?? 4;
  const text = element.slice(2);
  const body = rank === 1 ? Object.entries(JSON.parse(text) as JsonObject) : rank === 2 ? JSON.parse(text) : rank === 3 ? Number(text) : text;
  return { element, rank, body };
}

function compareSortKeys(a: SortKey, b: SortKey): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  switch (a.rank) {
    case 1:
      return compareFieldLists(a.body as [string, unknown][], b.body as [string, unknown][]);
    case 2:
      return compareValues(a.body, b.body);
    case 3:
      return (a.body as number) - (b.body as number);
    default:
      return compareStrings(a.body as string, b.body as string);
  }
}

function compareFieldLists(a: [string, unknown][], b: [string, unknown][]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const byName = compareStrings(a[i]![0], b[i]![0]);
    if (byName !== 0) return byName;
    const byValue = compareValues(a[i]![1], b[i]![1]);
    if (byValue !== 0) return byValue;
  }
  return a.length - b.length;
}

function valueRank(value: unknown): number {
  if (typeof value === "number") return 0;
  if (typeof value === "string") return 1;
  if (typeof value === "boolean") return 2;
  if (Array.isArray(value)) return 3;
  if (isJsonObject(value)) return 4;
  return 5;
}

function compareValues(a: unknown, b: unknown): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return compareStrings(goJson(a), goJson(b));
}
