// Server-side apply (`application/apply-patch+yaml`, `kubectl apply
// --server-side [--force-conflicts] --field-manager X`) and field ownership
// for every other write, after Kubernetes' field manager and
// structured-merge-diff.
//
// Apply: the configuration merges into the live object; the applier then
// owns exactly the fields of its configuration; fields it owned last time and
// no longer sets are removed unless another manager owns them; changing a
// field another manager owns is a conflict (409) unless forced, which moves
// the ownership. Setting a field to the value it already has shares it.
// Other writes (create, update, patch): the writer takes every field it
// added or changed from whoever owned it, and removed fields lose their
// owners.
//
// As in Kubernetes: managedFields in an apply body are refused; a request's
// own managedFields replace the stored ones, and `[]` clears them; an object
// written without managedFields is not tracked until its first apply, which
// records its fields for "before-first-apply"; apiVersion, kind, name,
// namespace, uid, resourceVersion, generation, creationTimestamp and
// managedFields are never owned; writes to the main resource never own
// `status` and writes to `/status` own only `status`; update managers beyond
// ten fold into "ancient-changes"; the manager "kubectl" may take over
// fields client-side apply recorded in last-applied-configuration without a
// conflict, and keeps that annotation in step when the object has it.
//
// Simplified:
// - one schema for all versions: managers recorded under another apiVersion
//   are compared field by field as if the schema were the same (Kubernetes
//   converts the object to each manager's version first);
// - which struct fields count as "added" follows the schema, not Go's types:
//   Kubernetes records a pointer-typed struct (e.g. rollingUpdate) that a
//   write adds as owned itself ("." in fieldsV1), here only its fields are;
// - defaulting and the reset of status/spec by resource strategies happen in
//   the API layer after these functions, not in them; apply may be given the
//   resource's defaulting, and then defaults its result and judges changes on
//   that too: a field whose applied value differs from the live one only
//   until defaulting fills it in (`fieldRef: {fieldPath}` against the stored
//   `{apiVersion: v1, fieldPath}`) is unchanged, so it neither conflicts nor
//   changes hands (Kubernetes compares before defaulting and reports a
//   conflict there);
// - `null` in an applied configuration removes the field (typed decoding in
//   Kubernetes has the same effect) and the applier owns it;
// - list items that cannot be identified (no key fields, objects in a set) in
//   a stored object make that list atomic instead of failing the request.

import { parse as parseYaml, type Tags } from "yaml";
import { FieldSet, goJson, pathString, type FieldPath } from "./field-set.ts";
import { cloneJson, deepEqual, getOwn, isJsonObject, type JsonObject, parseJsonCollection } from "./json-value.ts";
import {
  BEFORE_FIRST_APPLY_MANAGER,
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  filterTracked,
  formatTime,
  managerId,
  trackedFieldsFor,
  validateFieldManager,
  withoutUnownedFields,
  type Manager,
  type Managers,
  type TrackedFields,
} from "./managed-fields.ts";
import { PatchError } from "./patch-error.ts";
import type { SchemaNode } from "./schema-node.ts";
import { compareObjects, fieldSetOf, mergeApplied, removeFields, withNamedFieldsAsMembers, type Comparison } from "./structured-merge.ts";

export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/** The manager name kubectl uses for `apply --server-side`; it alone inherits client-side apply's fields. */
const KUBECTL_SERVER_SIDE_MANAGER = "kubectl";

export interface FieldConflict {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource?: string;
  /** The field as Kubernetes prints it: `.spec.replicas`, `.spec.containers[name="nginx"].image`. */
  field: string;
  /** Kubernetes' cause message: `conflict with "kubectl-client-side-apply" using apps/v1`. */
  message: string;
}

export interface StatusCause {
  type: "FieldManagerConflict";
  message: string;
  field: string;
}

/** Apply would change fields other managers own; the API answers 409 with these causes. */
export class ApplyConflictError extends PatchError {
  override readonly name = "ApplyConflictError";
  readonly conflicts: readonly FieldConflict[];

  constructor(conflicts: readonly FieldConflict[]) {
    super("Conflict", conflictMessage(conflicts));
    this.conflicts = conflicts;
  }

  /** `Status.details.causes` as Kubernetes fills them. */
  get causes(): StatusCause[] {
    return this.conflicts.map(({ message, field }) => ({ type: "FieldManagerConflict", message, field }));
  }
}

export interface ApplyOptions {
  /** Required for apply: kubectl sends "kubectl" unless --field-manager says otherwise. */
  fieldManager: string;
  /** `force=true`: take over conflicting fields instead of failing. */
  force?: boolean;
  /** The resource's schema; without one every object is a granular map and every list atomic. */
  schema?: SchemaNode;
  /** The request's group/version ("apps/v1"); a configuration for another version is refused. */
  apiVersion?: string;
  /** "" for the main resource, "status", "scale", ... */
  subresource?: string;
  /** Which fields writes here may own; by default derived from `subresource`. */
  trackedFields?: TrackedFields;
  /**
   * The resource's defaulting, in place (the API layer's applyDefaults).
   * The result is defaulted with it, and differences defaulting makes up for
   * are not changes; without it values are compared as applied.
   */
  defaults?: (object: JsonObject) => void;
  now?: Date;
}

/**
 * Applies `applied` (the decoded apply body) to `live` (undefined/null when
 * the object does not exist yet) on behalf of `options.fieldManager`.
 * Returns the new object with `metadata.managedFields`; shares nothing with
 * the inputs. Throws ApplyConflictError (409) on conflicts, PatchError 400 on
 * a malformed configuration and 422 on one that does not fit the schema.
 */
export function serverSideApply(live: JsonObject | null | undefined, applied: unknown, options: ApplyOptions): JsonObject {
  const config = validateConfiguration(applied, options);
  const { schema, fieldManager } = options;
  const subresource = options.subresource ?? "";
  const tracked = options.trackedFields ?? trackedFieldsFor(subresource);
  const apiVersion = config.apiVersion as string;
  const now = formatTime(options.now ?? new Date());
  const liveObject = withoutManagedFields(live ?? {});

  const managers: Managers = new Map(decodeManagedFields(managedFieldsOf(live)) ?? []);
  if (managers.size === 0 && live !== null && live !== undefined) {
    // Fields set before anyone applied belong to someone: otherwise the first
    // applier would silently take them over.
    const existing = withoutUnownedFields(changedFields(compareObjects({}, liveObject, schema), tracked));
    if (!existing.isEmpty()) {
      const before: Manager = { manager: BEFORE_FIRST_APPLY_MANAGER, operation: "Update", apiVersion, subresource, time: now, fields: existing };
      managers.set(managerId(before), before);
    }
  }

  const configFields = filterTracked(fieldSetOf(config, schema, true), tracked);
  const merged = mergeApplied(liveObject, config, schema) as JsonObject;
  const applier: Manager = { manager: fieldManager, operation: "Apply", apiVersion, subresource, time: undefined, fields: configFields };
  const id = managerId(applier);
  const previous = managers.get(id);
  applier.time = previous?.time;
  managers.set(id, applier);

  const pruned = prune(merged, managers, previous?.fields, configFields, schema);
  const settled = withDefaults(pruned, options.defaults);
  const comparison = filterComparison(settledComparison(liveObject, pruned, settled, schema), tracked);
  const changed = changedFields(comparison, tracked);
  let conflicts = conflictsWith(managers, id, changed);
  if (conflicts.size > 0 && !options.force && fieldManager === KUBECTL_SERVER_SIDE_MANAGER) {
    conflicts = withoutClientSideApplyFields(conflicts, live ?? {}, liveObject, schema, apiVersion);
  }
  if (conflicts.size > 0 && !options.force) throw new ApplyConflictError(describeConflicts(managers, conflicts));
  for (const [otherId, other] of managers) {
    if (otherId !== id) other.fields = other.fields.difference(changed).difference(comparison.removed);
  }

  const objectChanged = !deepEqual(liveObject, settled);
  if (objectChanged) applier.time = now;
  applier.fields = withoutUnownedFields(applier.fields);

  let result = objectChanged ? settled : liveObject;
  const annotation = lastAppliedOf(result);
  if (fieldManager === KUBECTL_SERVER_SIDE_MANAGER && typeof annotation === "string" && annotation !== "") {
    result = withLastApplied(result, config);
  }
  return cloneJson(withManagedFields(result, managers));
}

export interface UpdateOptions {
  /** From the `fieldManager` query parameter, else `fieldManagerFromUserAgent`; "" is recorded as "unknown". */
  fieldManager: string;
  schema?: SchemaNode;
  /** The request's group/version; defaults to the object's apiVersion. */
  apiVersion?: string;
  subresource?: string;
  trackedFields?: TrackedFields;
  now?: Date;
}

/**
 * Records a non-apply write (create when `live` is undefined/null, update,
 * any patch): `updated` is the object about to be stored. Returns it with
 * `metadata.managedFields` updated; shares nothing with the inputs. Never
 * fails: unusable managedFields are dropped, as Kubernetes does.
 */
export function updateManagedFields<T extends JsonObject>(
  live: JsonObject | null | undefined,
  updated: T,
  options: UpdateOptions,
): T {
  const subresource = options.subresource ?? "";
  const tracked = options.trackedFields ?? trackedFieldsFor(subresource);
  const exists = live !== null && live !== undefined;
  const managers = baseManagers(live, updated, subresource !== "");
  const after = withoutManagedFields(updated);
  // Kubernetes starts tracking an existing object only at its first apply.
  if (managers.size === 0 && exists) return cloneJson(after) as T;

  const comparison = filterComparison(compareObjects(withoutManagedFields(live ?? {}), after, options.schema), tracked);
  const changed = changedFields(comparison, tracked);
  for (const [id, manager] of managers) {
    manager.fields = manager.fields.difference(changed).difference(comparison.removed);
    if (manager.fields.isEmpty()) managers.delete(id);
  }

  const taken = withoutUnownedFields(changed);
  const apiVersion = options.apiVersion ?? stringField(updated, "apiVersion") ?? stringField(live, "apiVersion") ?? "";
  if (!taken.isEmpty() && apiVersion !== "") {
    const writer: Manager = {
      manager: options.fieldManager === "" ? "unknown" : options.fieldManager,
      operation: "Update",
      apiVersion,
      subresource,
      time: formatTime(options.now ?? new Date()),
      fields: taken,
    };
    const id = managerId(writer);
    const previous = managers.get(id);
    if (previous !== undefined) writer.fields = writer.fields.union(previous.fields);
    managers.set(id, writer);
  }
  return cloneJson(withManagedFields(after, capUpdateManagers(managers))) as T;
}

/**
 * Decodes an apply body. kubectl sends JSON; other clients may send YAML,
 * read as YAML 1.1 like Kubernetes' decoder (so `on`/`yes` are booleans).
 * Timestamps and binary stay strings: objects hold JSON values only.
 */
export function parseApplyConfiguration(body: string): JsonObject {
  let parsed: unknown = parseJsonCollection(body);
  if (parsed === undefined) {
    try {
      parsed = parseYaml(body, YAML_OPTIONS);
    } catch (error) {
      throw PatchError.badRequest(`error decoding YAML: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  if (!isJsonObject(parsed)) throw PatchError.badRequest("apply patch must be a YAML or JSON object");
  return parsed;
}

const NON_JSON_TAGS = new Set(["tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"]);

const YAML_OPTIONS = {
  version: "1.1",
  logLevel: "error",
  customTags: (tags: Tags) => tags.filter((tag) => typeof tag === "string" || !NON_JSON_TAGS.has(tag.tag)),
} as const;

function validateConfiguration(applied: unknown, options: ApplyOptions): JsonObject {
  if (options.fieldManager === "") {
    throw PatchError.invalid("fieldManager: Required value: is required for apply patch");
  }
  const managerProblem = validateFieldManager(options.fieldManager);
  if (managerProblem !== undefined) throw PatchError.invalid(managerProblem);
  if (!isJsonObject(applied)) throw PatchError.badRequest("apply patch must be a YAML or JSON object");
  for (const field of ["apiVersion", "kind"]) {
    const value = applied[field];
    if (typeof value !== "string" || value === "") {
      throw PatchError.badRequest(`Object '${field === "kind" ? "Kind" : field}' is missing in '${JSON.stringify(applied)}'`);
    }
  }
  if (options.apiVersion !== undefined && applied.apiVersion !== options.apiVersion) {
    throw PatchError.badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${String(applied.apiVersion)}, expected: ${options.apiVersion}`,
    );
  }
  if (isJsonObject(applied.metadata) && applied.metadata.managedFields !== undefined) {
    throw PatchError.badRequest("metadata.managedFields must be nil");
  }
  return applied;
}

/** The managers a non-apply write starts from (Kubernetes' decodeLiveOrNew). */
function baseManagers(live: JsonObject | null | undefined, updated: JsonObject, subresource: boolean): Managers {
  const fromLive = (): Managers => new Map(decodeManagedFields(managedFieldsOf(live)) ?? []);
  // Subresources cannot set managedFields; the main resource can, and `[]` resets them.
  if (subresource) return fromLive();
  const requested = managedFieldsOf(updated);
  if (Array.isArray(requested) && (requested.length === 0 || (requested.length === 1 && isEmptyEntry(requested[0])))) {
    return new Map();
  }
  const fromRequest = decodeManagedFields(requested);
  return fromRequest !== undefined && fromRequest.size > 0 ? new Map(fromRequest) : fromLive();
}

function isEmptyEntry(entry: unknown): boolean {
  return isJsonObject(entry) && Object.values(entry).every((value) => value === undefined);
}

function changedFields(comparison: Comparison, tracked: TrackedFields): FieldSet {
  return filterTracked(comparison.modified.union(comparison.added), tracked);
}

/** `object` as it will be stored: defaulted by the resource's defaulting, when there is one. */
function withDefaults(object: JsonObject, defaults: ((object: JsonObject) => void) | undefined): JsonObject {
  if (defaults === undefined) return object;
  const copy = cloneJson(object);
  defaults(copy);
  return copy;
}

/**
 * What applying changes: what differs between the live object and the
 * applied result (`applied`, Kubernetes' comparison) and still differs once
 * that result is defaulted (`settled`). A field only defaulting set apart is
 * unchanged; one defaulting alone brings in (stringData turned into data) is
 * not a change the applier made.
 */
function settledComparison(live: JsonObject, applied: JsonObject, settled: JsonObject, schema: SchemaNode | undefined): Comparison {
  const raw = compareObjects(live, applied, schema);
  if (settled === applied) return raw;
  const after = compareObjects(live, settled, schema);
  const differs = after.added.union(after.modified).union(after.removed);
  return {
    added: raw.added.intersection(differs),
    removed: raw.removed.intersection(differs),
    modified: raw.modified.intersection(differs),
  };
}

function filterComparison(comparison: Comparison, tracked: TrackedFields): Comparison {
  return {
    added: filterTracked(comparison.added, tracked),
    removed: filterTracked(comparison.removed, tracked),
    modified: filterTracked(comparison.modified, tracked),
  };
}

/**
 * Removes what the applier owned last time and no longer applies, unless
 * another manager (or its own new configuration) owns it. Structs emptied by
 * that go too.
 */
function prune(
  merged: JsonObject,
  managers: Managers,
  lastApplied: FieldSet | undefined,
  applied: FieldSet,
  schema: SchemaNode | undefined,
): JsonObject {
  // The usual re-apply drops nothing; everything it had last time it owns again.
  if (lastApplied === undefined || lastApplied.difference(applied).isEmpty()) return merged;
  const withStructs = (fields: FieldSet): FieldSet => withNamedFieldsAsMembers(fields, schema);
  const fieldsOf = (object: unknown): FieldSet => withStructs(fieldSetOf(object, schema));
  const last = withStructs(lastApplied);

  const mergedFields = fieldsOf(merged);
  const withoutLast = removeFields(merged, last, schema) ?? {};
  let owned = new FieldSet();
  for (const manager of managers.values()) owned = owned.union(manager.fields);
  const ownedKept = removeFields(merged, mergedFields.difference(fieldsOf(withoutLast).union(withStructs(owned))), schema) ?? {};
  // Only what the applier itself had may go: unowned fields it never set stay.
  const dangling = mergedFields.difference(fieldsOf(ownedKept)).intersection(last);
  return (removeFields(merged, dangling, schema) ?? {}) as JsonObject;
}

function conflictsWith(managers: Managers, applierId: string, changed: FieldSet): Map<string, FieldSet> {
  const conflicts = new Map<string, FieldSet>();
  for (const [id, manager] of managers) {
    if (id === applierId) continue;
    const overlap = manager.fields.intersection(changed);
    if (!overlap.isEmpty()) conflicts.set(id, overlap);
  }
  return conflicts;
}

/**
 * Fields kubectl's client-side apply recorded in last-applied-configuration,
 * still holding those values, are the user's own: switching that object to
 * server-side apply takes them over without a conflict.
 */
function withoutClientSideApplyFields(
  conflicts: Map<string, FieldSet>,
  live: JsonObject,
  liveObject: JsonObject,
  schema: SchemaNode | undefined,
  apiVersion: string,
): Map<string, FieldSet> {
  const annotation = lastAppliedOf(live);
  if (typeof annotation !== "string" || annotation === "") return conflicts;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(annotation);
  } catch {
    // A corrupt annotation grants nothing; the conflicts stand.
    return conflicts;
  }
  if (!isJsonObject(lastApplied) || lastApplied.apiVersion !== apiVersion) return conflicts;
  const drift = compareObjects(lastApplied, liveObject, schema);
  const allowed = fieldSetOf(lastApplied, schema).difference(drift.modified).difference(drift.added).difference(drift.removed);
  const remaining = new Map<string, FieldSet>();
  for (const [id, fields] of conflicts) {
    const left = fields.difference(allowed);
    if (!left.isEmpty()) remaining.set(id, left);
  }
  return remaining;
}

function describeConflicts(managers: Managers, conflicts: Map<string, FieldSet>): FieldConflict[] {
  const out: FieldConflict[] = [];
  for (const id of [...conflicts.keys()].sort()) {
    const manager = managers.get(id)!;
    for (const path of conflicts.get(id)!.paths()) out.push(conflictOf(manager, path));
  }
  return out;
}

function conflictOf(manager: Manager, path: FieldPath): FieldConflict {
  return {
    manager: manager.manager,
    operation: manager.operation,
    apiVersion: manager.apiVersion,
    ...(manager.subresource === "" ? {} : { subresource: manager.subresource }),
    field: pathString(path),
    message: `conflict with ${managerLabel(manager)}`,
  };
}

function managerLabel(manager: Pick<FieldConflict, "manager" | "operation" | "apiVersion" | "subresource">): string {
  let label = JSON.stringify(manager.manager);
  if (manager.subresource !== undefined && manager.subresource !== "") label += ` with subresource ${JSON.stringify(manager.subresource)}`;
  if (manager.operation === "Update") label += ` using ${manager.apiVersion}`;
  return label;
}

/** Kubernetes' wording, which kubectl prints as is. */
function conflictMessage(conflicts: readonly FieldConflict[]): string {
  if (conflicts.length === 1) {
    const [only] = conflicts;
    return `Apply failed with 1 conflict: conflict with ${managerLabel(only!)}: ${only!.field}`;
  }
  const groups = new Map<string, string[]>();
  for (const conflict of conflicts) {
    const label = managerLabel(conflict);
    groups.set(label, [...(groups.get(label) ?? []), conflict.field]);
  }
  const lines: string[] = [];
  for (const [label, fields] of groups) {
    lines.push(`conflicts with ${label}:`, ...fields.map((field) => `- ${field}`));
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}

function managedFieldsOf(object: JsonObject | null | undefined): unknown {
  const metadata = object === null || object === undefined ? undefined : getOwn(object, "metadata");
  return isJsonObject(metadata) ? getOwn(metadata, "managedFields") : undefined;
}

function stringField(object: JsonObject | null | undefined, field: string): string | undefined {
  const value = object === null || object === undefined ? undefined : getOwn(object, field);
  return typeof value === "string" && value !== "" ? value : undefined;
}

function withoutManagedFields(object: JsonObject): JsonObject {
  const metadata = getOwn(object, "metadata");
  if (!isJsonObject(metadata) || !Object.hasOwn(metadata, "managedFields")) return object;
  const rest = { ...metadata };
  delete rest.managedFields;
  return { ...object, metadata: rest };
}

function withManagedFields(object: JsonObject, managers: Managers): JsonObject {
  const entries = encodeManagedFields(managers);
  const metadata = isJsonObject(getOwn(object, "metadata")) ? { ...(object.metadata as JsonObject) } : {};
  delete metadata.managedFields;
  if (entries.length > 0) metadata.managedFields = entries;
  return { ...object, metadata };
}

function lastAppliedOf(object: JsonObject): unknown {
  const metadata = getOwn(object, "metadata");
  const annotations = isJsonObject(metadata) ? getOwn(metadata, "annotations") : undefined;
  return isJsonObject(annotations) ? getOwn(annotations, LAST_APPLIED_ANNOTATION) : undefined;
}

/** The object with last-applied-configuration set to `config` (without that annotation), as kubectl would write it. */
function withLastApplied(object: JsonObject, config: JsonObject): JsonObject {
  let recorded = config;
  const configMetadata = getOwn(config, "metadata");
  if (isJsonObject(configMetadata) && isJsonObject(configMetadata.annotations)) {
    const annotations = { ...configMetadata.annotations };
    delete annotations[LAST_APPLIED_ANNOTATION];
    recorded = { ...config, metadata: { ...configMetadata, annotations } };
  }
  const metadata = object.metadata as JsonObject;
  const annotations = { ...(metadata.annotations as JsonObject), [LAST_APPLIED_ANNOTATION]: `${goJson(recorded)}\n` };
  return { ...object, metadata: { ...metadata, annotations } };
}
