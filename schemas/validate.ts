// Decoding and validation of one write, in Kubernetes' order: unknown fields
// are found and pruned, the schema is checked, then the per-kind rules run.
// Every schema is compiled once, on first use, and cached.
import { Kind, type TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import type { DaemonSet, Deployment, ReplicaSet } from "./apps-v1.ts";
import { checkBinding, checkConfigMap, checkEvent, checkLease, checkNamespace, checkNode, checkRuntimeClass, checkSecret } from "./checks/cluster.ts";
import { invalid, notSupported, required, type FieldCause } from "./checks/field-errors.ts";
import { checkObjectMeta } from "./checks/meta.ts";
import { checkEndpoints, checkEndpointSlice, checkService } from "./checks/networking.ts";
import { checkPodSpec } from "./checks/pod.ts";
import { checkDaemonSet, checkDeployment, checkReplicaSet } from "./checks/workloads.ts";
import type { ConfigMap, Namespace, Secret } from "./core-v1-config.ts";
import type { Event } from "./core-v1-event.ts";
import type { Node } from "./core-v1-node.ts";
import type { Binding, Pod } from "./core-v1-pod.ts";
import type { Endpoints, Service } from "./core-v1-service.ts";
import type { Lease } from "./coordination-v1.ts";
import type { EndpointSlice } from "./discovery-v1.ts";
import type { ObjectMeta } from "./meta-v1.ts";
import type { RuntimeClass } from "./node-v1.ts";
import type { ResourceEntry, SubresourceInfo } from "./registry.ts";
import { IntOrString, Quantity } from "./schema-builders.ts";

export type { CauseReason, FieldCause } from "./checks/field-errors.ts";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface ValidateOptions {
  /** Ignore skips collecting unknown field paths; pruning happens regardless. Defaults to Warn, as the API server does. */
  fieldValidation?: FieldValidation;
}

export interface ValidationResult {
  causes: FieldCause[];
  /** Paths of fields the schema does not know, as Kubernetes prints them: "spec.containers[0].bogus". */
  unknownFields: string[];
  /**
   * The object without unknown fields and without nulls (Go's decoder reads
   * null as unset). The input itself when there was nothing to remove.
   */
  pruned: Record<string, unknown>;
}

type Target = ResourceEntry | SubresourceInfo;
type KindCheck = (object: unknown) => FieldCause[];

/** The schema check has passed before a rule runs, so the cast is sound. */
const rule =
  <T>(check: (object: T) => FieldCause[]): KindCheck =>
  (object) =>
    check(object as T);

/** Per-kind rules keyed by "group/Kind" (core's group is ""). */
const KIND_CHECKS: Readonly<Record<string, KindCheck>> = {
  "/Pod": rule<Pod>((pod) => checkPodSpec(pod.spec, "spec")),
  "/Service": rule<Service>(checkService),
  "/Endpoints": rule<Endpoints>(checkEndpoints),
  "/Namespace": rule<Namespace>(checkNamespace),
  "/ConfigMap": rule<ConfigMap>(checkConfigMap),
  "/Secret": rule<Secret>(checkSecret),
  "/Node": rule<Node>(checkNode),
  "/Event": rule<Event>(checkEvent),
  "/Binding": rule<Binding>(checkBinding),
  "apps/Deployment": rule<Deployment>(checkDeployment),
  "apps/ReplicaSet": rule<ReplicaSet>(checkReplicaSet),
  "apps/DaemonSet": rule<DaemonSet>(checkDaemonSet),
  "coordination.k8s.io/Lease": rule<Lease>(checkLease),
  "discovery.k8s.io/EndpointSlice": rule<EndpointSlice>(checkEndpointSlice),
  "node.k8s.io/RuntimeClass": rule<RuntimeClass>(checkRuntimeClass),
};

// ---------------------------------------------------------------- pruning

interface WalkState {
  path: (string | number)[];
  unknown: string[] | undefined;
}

/** Returns the value itself when unchanged, or a pruned copy. */
type Walk = (value: unknown, state: WalkState) => unknown;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}

function objectWalk(properties: Map<string, Walk | undefined>, additional: Walk | undefined | null): Walk {
  // `additional` null: no other keys allowed; undefined: allowed, nothing to walk.
  return (value, state) => {
    if (!isRecord(value)) return value;
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const name = keys[i] as string;
      const current = value[name];
      let next = current;
      let drop = current === null;
      if (!drop) {
        const known = properties.has(name);
        const walk = known ? properties.get(name) : additional;
        if (!known && additional === null) {
          drop = true;
          if (state.unknown) state.unknown.push(formatPath([...state.path, name]));
        } else if (walk) {
          state.path.push(name);
          next = walk(current, state);
          state.path.pop();
        }
      }
      if (out === undefined && (drop || next !== current)) {
        out = {};
        for (let j = 0; j < i; j++) out[keys[j] as string] = value[keys[j] as string];
      }
      if (out !== undefined && !drop) out[name] = next;
    }
    return out ?? value;
  };
}

function arrayWalk(items: Walk): Walk {
  return (value, state) => {
    if (!Array.isArray(value)) return value;
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      state.path.push(i);
      const next = items(value[i], state);
      state.path.pop();
      if (out === undefined && next !== value[i]) out = value.slice(0, i);
      if (out !== undefined) out.push(next);
    }
    return out ?? value;
  };
}

/** undefined means the schema holds no objects, so there is nothing to prune. */
function buildWalk(schema: TSchema, byId: Map<string, Walk | undefined>): Walk | undefined {
  const id = typeof schema.$id === "string" ? schema.$id : undefined;
  if (id !== undefined && byId.has(id)) return byId.get(id);
  let walk: Walk | undefined;
  const kind = schema[Kind] as string;
  if (schema["x-kubernetes-preserve-unknown-fields"] === true) {
    walk = undefined;
  } else if (kind === "Object") {
    const properties = new Map<string, Walk | undefined>();
    for (const [name, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
      properties.set(name, buildWalk(property, byId));
    }
    walk = objectWalk(properties, null);
  } else if (kind === "Record") {
    const [valueSchema] = Object.values(schema.patternProperties as Record<string, TSchema>);
    const values = valueSchema ? buildWalk(valueSchema, byId) : undefined;
    walk = values ? objectWalk(new Map(), values) : undefined;
  } else if (kind === "Array") {
    const items = buildWalk(schema.items as TSchema, byId);
    walk = items ? arrayWalk(items) : undefined;
  }
  if (id !== undefined) byId.set(id, walk);
  return walk;
}

// ---------------------------------------------------------------- schema errors

interface Compiled {
  check: TypeCheck<TSchema>;
  walk: Walk | undefined;
}

const compiled = new WeakMap<TSchema, Compiled>();

/** Compiles once per schema; the API server may call this at startup to warm up. */
export function compile(schema: TSchema): Compiled {
  let entry = compiled.get(schema);
  if (!entry) {
    entry = { check: TypeCompiler.Compile(schema), walk: buildWalk(schema, new Map()) };
    compiled.set(schema, entry);
  }
  return entry;
}

/** "/spec/containers/0/image" read against the value gives "spec.containers[0].image". */
function pointerToField(pointer: string, root: unknown): string {
  const segments: (string | number)[] = [];
  let node: unknown = root;
  for (const raw of pointer.split("/").slice(1)) {
    const name = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      segments.push(Number(name));
      node = node[Number(name)];
    } else {
      segments.push(name);
      node = isRecord(node) ? node[name] : undefined;
    }
  }
  return formatPath(segments);
}

const QUANTITY_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function literalValues(schema: TSchema): string[] | undefined {
  const members = schema.anyOf as TSchema[] | undefined;
  if (!members || !members.every((m) => m[Kind] === "Literal")) return undefined;
  return members.map((m) => String(m.const));
}

function causeFor(error: ValueError, field: string): FieldCause {
  const { schema, value } = error;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return required(field);
    case ValueErrorType.Union: {
      const literals = literalValues(schema);
      if (literals) return notSupported(field, value, literals);
      if (schema.$id === Quantity.$id) return invalid(field, value, QUANTITY_MESSAGE);
      if (schema.$id === IntOrString.$id) return invalid(field, value, "must be an integer or a string");
      return invalid(field, value, error.message);
    }
    case ValueErrorType.StringPattern:
      return invalid(field, value, `must match the regular expression '${String(schema.pattern)}'`);
    case ValueErrorType.StringFormat:
      return invalid(field, value, schema.format === "byte" ? "must be base64 encoded" : "must be an RFC 3339 date-time, e.g. 2006-01-02T15:04:05Z");
    case ValueErrorType.String:
      return invalid(field, value, "must be a string");
    case ValueErrorType.Integer:
      return invalid(field, value, "must be an integer");
    case ValueErrorType.Number:
      return invalid(field, value, "must be a number");
    case ValueErrorType.Boolean:
      return invalid(field, value, "must be a boolean");
    case ValueErrorType.Object:
      return invalid(field, value, "must be an object");
    case ValueErrorType.Array:
      return invalid(field, value, "must be an array");
    default:
      return invalid(field, value, error.message);
  }
}

function schemaCauses(check: TypeCheck<TSchema>, value: unknown): FieldCause[] {
  const causes: FieldCause[] = [];
  const reported = new Set<string>();
  for (const error of check.Errors(value)) {
    // A missing or mistyped field is reported once, not once per rule it breaks.
    if (reported.has(error.path)) continue;
    if ([...reported].some((p) => error.path.startsWith(`${p}/`))) continue;
    reported.add(error.path);
    causes.push(causeFor(error, pointerToField(error.path, value)));
  }
  return causes;
}

// ---------------------------------------------------------------- entry point

export function validate(target: Target, object: unknown, options: ValidateOptions = {}): ValidationResult {
  const { check, walk } = compile(target.schema);
  const state: WalkState = { path: [], unknown: options.fieldValidation === "Ignore" ? undefined : [] };
  const pruned = (walk ? walk(object, state) : object) as Record<string, unknown>;
  const unknownFields = state.unknown ?? [];
  if (!check.Check(pruned)) return { causes: schemaCauses(check, pruned), unknownFields, pruned };

  const causes: FieldCause[] = [];
  if ("nameRule" in target) causes.push(...checkObjectMeta(pruned.metadata as ObjectMeta | undefined, target));
  const kindCheck = KIND_CHECKS[`${target.group}/${target.kind}`];
  if (kindCheck) causes.push(...kindCheck(pruned));
  return { causes, unknownFields, pruned };
}

/** The 400 message Kubernetes returns for unknown fields under fieldValidation=Strict. */
export function strictDecodingError(unknownFields: readonly string[]): string {
  return `strict decoding error: ${unknownFieldWarnings(unknownFields).join(", ")}`;
}

/** One Warning header text per unknown field, for fieldValidation=Warn. */
export function unknownFieldWarnings(unknownFields: readonly string[]): string[] {
  return unknownFields.map((field) => `unknown field "${field}"`);
}
