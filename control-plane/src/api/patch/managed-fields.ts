// `metadata.managedFields`: who owns which fields of an object. Entries are
// decoded into field sets keyed by manager identity, and encoded back in
// Kubernetes' order and spelling.

import { FieldSet, fieldElement } from "./field-set.ts";
import { isJsonObject, type JsonObject } from "./json-value.ts";

export type ManagedFieldsOperation = "Apply" | "Update";

/** One `metadata.managedFields` entry as stored and served. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: ManagedFieldsOperation;
  apiVersion: string;
  time?: string;
  fieldsType: "FieldsV1";
  fieldsV1: JsonObject;
  subresource?: string;
}

/** A decoded entry: the fields as a set. */
export interface Manager {
  manager: string;
  operation: ManagedFieldsOperation;
  apiVersion: string;
  subresource: string;
  time: string | undefined;
  fields: FieldSet;
  /** The stored fieldsV1 that `fields` was decoded from: written back as is while `fields` is that same set. */
  stored?: { fields: FieldSet; fieldsV1: JsonObject };
}

/** Managers by identity (see `managerId`). */
export type Managers = Map<string, Manager>;

const utf8 = new TextEncoder();

/** Longest field manager name Kubernetes accepts. */
export const FIELD_MANAGER_MAX_LENGTH = 128;

/** Manager Kubernetes records for the fields an object had before its first apply. */
export const BEFORE_FIRST_APPLY_MANAGER = "before-first-apply";

/** Update managers beyond this many are folded, oldest first, into "ancient-changes". */
export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES_MANAGER = "ancient-changes";

/**
 * The identity two entries share when they are the same manager: name,
 * operation, subresource and, for updates only, the API version (an applier
 * stays one manager across versions). Spelled as Kubernetes spells it, since
 * conflict messages are ordered by it.
 */
export function managerId(manager: Pick<Manager, "manager" | "operation" | "apiVersion" | "subresource">): string {
  const id: Record<string, string> = { manager: manager.manager, operation: manager.operation };
  if (manager.operation === "Update" && manager.apiVersion !== "") id.apiVersion = manager.apiVersion;
  if (manager.subresource !== "") id.subresource = manager.subresource;
  return JSON.stringify(id);
}

/**
 * The field manager for a request without `fieldManager`: the user agent up
 * to its first "/", unprintable characters dropped, cut at 128 bytes. Kubernetes
 * records an empty result as "unknown".
 */
export function fieldManagerFromUserAgent(userAgent: string | undefined): string {
  const prefix = (userAgent ?? "").split("/")[0] ?? "";
  let out = "";
  let bytes = 0;
  for (const char of prefix) {
    if (!isPrintable(char)) continue;
    const size = utf8.encode(char).length;
    if (bytes + size > FIELD_MANAGER_MAX_LENGTH) break;
    out += char;
    bytes += size;
  }
  return out;
}

/** One thing wrong with a `fieldManager` value, as Kubernetes' ValidateFieldManager reports it. */
export type FieldManagerProblem =
  | { type: "TooLong"; maxBytes: number }
  /** `detail` as Kubernetes words it: `invalid character U+000A (at position 4)`. */
  | { type: "Invalid"; detail: string };

/**
 * Everything wrong with a `fieldManager` value: longer than 128 bytes, and
 * each unprintable character (at its byte offset). Empty when acceptable.
 * Kubernetes answers these with 422 Invalid for the request's options kind.
 */
export function fieldManagerProblems(fieldManager: string): FieldManagerProblem[] {
  const problems: FieldManagerProblem[] = [];
  if (utf8.encode(fieldManager).length > FIELD_MANAGER_MAX_LENGTH) {
    problems.push({ type: "TooLong", maxBytes: FIELD_MANAGER_MAX_LENGTH });
  }
  let offset = 0;
  for (const char of fieldManager) {
    if (!isPrintable(char)) {
      const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
      problems.push({ type: "Invalid", detail: `invalid character U+${code} (at position ${offset})` });
    }
    offset += utf8.encode(char).length;
  }
  return problems;
}

/** The first problem with a `fieldManager` value as a field error message, or undefined when it is acceptable. */
export function validateFieldManager(fieldManager: string): string | undefined {
  const [problem] = fieldManagerProblems(fieldManager);
  if (problem === undefined) return undefined;
  return problem.type === "TooLong"
    ? `fieldManager: Too long: may not be more than ${problem.maxBytes} bytes`
    : `fieldManager: Invalid value: ${JSON.stringify(fieldManager)}: ${problem.detail}`;
}

function isPrintable(char: string): boolean {
  // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
  return char === " " || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(char);
}

/**
 * Decodes stored entries; undefined when they are not valid managed fields
 * (Kubernetes then falls back to the live object's, or to none).
 */
export function decodeManagedFields(entries: unknown): Managers | undefined {
  if (!Array.isArray(entries)) return undefined;
  const managers: Managers = new Map();
  for (const entry of entries) {
    const problem = entryProblem(entry);
    if (problem !== undefined) return undefined;
    const raw = entry as JsonObject;
    let fields: FieldSet;
    try {
      fields = raw.fieldsV1 === undefined ? new FieldSet() : FieldSet.fromFieldsV1(raw.fieldsV1);
    } catch {
      // A malformed fieldsV1 makes the whole list unusable, as in Kubernetes.
      return undefined;
    }
    const manager: Manager = {
      manager: typeof raw.manager === "string" ? raw.manager : "",
      operation: raw.operation as ManagedFieldsOperation,
      apiVersion: raw.apiVersion as string,
      subresource: typeof raw.subresource === "string" ? raw.subresource : "",
      time: typeof raw.time === "string" ? raw.time : undefined,
      fields,
      ...(isJsonObject(raw.fieldsV1) ? { stored: { fields, fieldsV1: raw.fieldsV1 } } : {}),
    };
    managers.set(managerId(manager), manager);
  }
  return managers;
}

/** Why `metadata.managedFields` is unacceptable in a request, or undefined when it is fine. */
export function validateManagedFields(entries: unknown): string | undefined {
  if (entries === undefined || entries === null) return undefined;
  if (!Array.isArray(entries)) return "metadata.managedFields: must be a list";
  for (const [index, entry] of entries.entries()) {
    const problem = entryProblem(entry);
    if (problem !== undefined) return `metadata.managedFields[${index}]: ${problem}`;
    try {
      if ((entry as JsonObject).fieldsV1 !== undefined) FieldSet.fromFieldsV1((entry as JsonObject).fieldsV1);
    } catch (error) {
      return `metadata.managedFields[${index}]: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return undefined;
}

function entryProblem(entry: unknown): string | undefined {
  if (!isJsonObject(entry)) return "must be an object";
  if (entry.operation !== "Apply" && entry.operation !== "Update") return "operation must be `Apply` or `Update`";
  if (typeof entry.apiVersion !== "string" || entry.apiVersion === "") return "apiVersion must not be empty";
  if (entry.fieldsType === undefined || entry.fieldsType === "") return "missing fieldsType";
  if (entry.fieldsType !== "FieldsV1") return `invalid fieldsType ${JSON.stringify(entry.fieldsType)}`;
  return undefined;
}

/** Entries in Kubernetes' order: appliers first, then by time, name, version, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const entries = [...managers.values()]
    .filter((manager) => !manager.fields.isEmpty())
    .sort(compareManagers)
    .map((manager) => {
      const entry: ManagedFieldsEntry = {
        manager: manager.manager,
        operation: manager.operation,
        apiVersion: manager.apiVersion,
        fieldsType: "FieldsV1",
        fieldsV1: manager.stored?.fields === manager.fields ? manager.stored.fieldsV1 : manager.fields.toFieldsV1(),
      };
      if (manager.time !== undefined) entry.time = manager.time;
      if (manager.subresource !== "") entry.subresource = manager.subresource;
      return entry;
    });
  // Key order as Kubernetes serialises ManagedFieldsEntry.
  return entries.map(({ manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource }) => ({
    manager,
    operation,
    apiVersion,
    ...(time === undefined ? {} : { time }),
    fieldsType,
    fieldsV1,
    ...(subresource === undefined ? {} : { subresource }),
  }));
}

function compareManagers(a: Manager, b: Manager): number {
  if (a.operation !== b.operation) return a.operation < b.operation ? -1 : 1;
  const byTime = seconds(a.time) - seconds(b.time);
  if (byTime !== 0) return byTime;
  for (const key of ["manager", "apiVersion", "subresource"] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  return 0;
}

function seconds(time: string | undefined): number {
  if (time === undefined) return 0;
  const parsed = Date.parse(time);
  return Number.isNaN(parsed) ? 0 : Math.floor(parsed / 1000);
}

/** A timestamp as Kubernetes writes metav1.Time: RFC 3339, whole seconds, UTC. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * Folds the oldest update managers into one "ancient-changes" entry per API
 * version until at most MAX_UPDATE_MANAGERS remain, so objects written by
 * many clients do not grow without bound.
 */
export function capUpdateManagers(managers: Managers): Managers {
  const updaters = [...managers.entries()].filter(([, manager]) => manager.operation === "Update");
  if (updaters.length <= MAX_UPDATE_MANAGERS) return managers;
  updaters.sort(([idA, a], [idB, b]) => seconds(a.time) - seconds(b.time) || (idA < idB ? -1 : idA > idB ? 1 : 0));
  const out: Managers = new Map(managers);
  let count = updaters.length;
  const firstOfVersion = new Map<string, string>();
  for (const [id, manager] of updaters) {
    if (count <= MAX_UPDATE_MANAGERS) break;
    const bucket: Manager = {
      manager: ANCIENT_CHANGES_MANAGER,
      operation: "Update",
      apiVersion: manager.apiVersion,
      subresource: "",
      time: manager.time,
      fields: manager.fields,
    };
    const bucketId = managerId(bucket);
    const first = firstOfVersion.get(manager.apiVersion);
    if (first === undefined) {
      // The oldest of each version only opens the bucket when a second one joins it.
      firstOfVersion.set(manager.apiVersion, id);
      continue;
    }
    const existing = out.get(bucketId) ?? out.get(first);
    if (!out.has(bucketId)) out.delete(first);
    out.set(bucketId, { ...bucket, fields: manager.fields.union(existing?.fields ?? new FieldSet()) });
    out.delete(id);
    count--;
  }
  return out;
}

/** Fields Kubernetes never records an owner for: identity and bookkeeping. */
const UNOWNED_TOP = ["apiVersion", "kind", "metadata"].map(fieldElement);
const UNOWNED_METADATA = [
  "name",
  "namespace",
  "creationTimestamp",
  "selfLink",
  "uid",
  "clusterName",
  "generation",
  "managedFields",
  "resourceVersion",
].map(fieldElement);

export function withoutUnownedFields(fields: FieldSet): FieldSet {
  const strip = new FieldSet();
  for (const element of UNOWNED_TOP) strip.addMember(element);
  const metadata = new FieldSet();
  for (const element of UNOWNED_METADATA) metadata.addMember(element);
  strip.addChild(fieldElement("metadata"), metadata);
  return fields.difference(strip);
}

/**
 * Which part of an object a request may own fields in. Kubernetes resets
 * `status` on writes to the main resource and everything else on writes to
 * `/status`, so those fields are never owned by such writes.
 */
export type TrackedFields = "all" | "exclude-status" | "only-status";

export function trackedFieldsFor(subresource: string): TrackedFields {
  return subresource === "status" ? "only-status" : "exclude-status";
}

const STATUS = fieldElement("status");

export function filterTracked(fields: FieldSet, tracked: TrackedFields): FieldSet {
  if (tracked === "all") return fields;
  const out = new FieldSet();
  if (tracked === "exclude-status") {
    for (const member of fields.members) if (member !== STATUS) out.addMember(member);
    for (const [element, child] of fields.children) if (element !== STATUS) out.addChild(element, child);
  } else {
    if (fields.members.has(STATUS)) out.addMember(STATUS);
    const status = fields.children.get(STATUS);
    if (status !== undefined) out.addChild(STATUS, status);
  }
  return out;
}
