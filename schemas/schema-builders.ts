// Small constructors over TypeBox that carry Kubernetes' OpenAPI vocabulary
// (x-kubernetes-* extensions, int32/int64 formats, named shared types) so the
// type files read like the Go structs they mirror.
import {
  FormatRegistry,
  Type,
  type ArrayOptions,
  type NumberOptions,
  type ObjectOptions,
  type SchemaOptions,
  type StringOptions,
  type TArray,
  type TInteger,
  type TLiteral,
  type TObject,
  type TProperties,
  type TRecord,
  type TSchema,
  type TString,
  type TUnion,
} from "@sinclair/typebox";

/** Component name prefix Kubernetes uses for built-in API groups. */
export function apiId(group: string, version: string, name: string): string {
  return `io.k8s.api.${group}.${version}.${name}`;
}

/** Component name prefix for apimachinery's meta/v1 types. */
export function metaId(name: string): string {
  return `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/**
 * A named, shared type: emitted once as a component and referenced by $ref
 * in OpenAPI, hoisted into one function by the TypeBox compiler.
 */
export function named<P extends TProperties>(
  id: string,
  description: string,
  properties: P,
  options: ObjectOptions = {},
): TObject<P> {
  return Type.Object(properties, { $id: id, description, ...options });
}

/** A top-level kind: like `named`, plus the GVK extension clients key on. */
export function kind<P extends TProperties>(
  id: string,
  gvks: GroupVersionKind[],
  description: string,
  properties: P,
  options: ObjectOptions = {},
): TObject<P> {
  const subject = (gvks[0]?.kind ?? "object").toLowerCase();
  const standard: Record<string, string> = {
    metadata: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    spec: `Specification of the desired behavior of the ${subject}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status`,
    status: `Most recently observed status of the ${subject}. This data may not be up to date. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status`,
  };
  const withDescriptions = Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => {
      const text = standard[name];
      return [name, text !== undefined && typeof schema.$id === "string" ? described(schema, text) : schema];
    }),
  ) as P;
  return named(id, description, withDescriptions, { "x-kubernetes-group-version-kind": gvks, ...options });
}

export const str = (description: string, options: StringOptions = {}): TString =>
  Type.String({ description, ...options });
export const int32 = (description: string, options: NumberOptions = {}): TInteger =>
  Type.Integer({ format: "int32", description, ...options });
export const int64 = (description: string, options: NumberOptions = {}): TInteger =>
  Type.Integer({ format: "int64", description, ...options });
export const bool = (description: string) => Type.Boolean({ description });
export const opt = Type.Optional;

/** Kubernetes documents enums on plain strings; the union keeps TS types exact. */
export function stringEnum<const V extends readonly string[]>(
  values: V,
  description: string,
  options: { default?: V[number] } = {},
): TUnion<TLiteral<V[number]>[]> {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    { description, ...options },
  ) as unknown as TUnion<TLiteral<V[number]>[]>;
}

/** Go map[string]T: rendered as additionalProperties in OpenAPI. */
export function mapOf<T extends TSchema>(
  value: T,
  description: string,
  options: SchemaOptions = {},
): TRecord<TString, T> {
  return Type.Record(Type.String(), value, { description, ...options }) as TRecord<TString, T>;
}

export const stringMap = (description: string, options: SchemaOptions = {}) =>
  mapOf(Type.String(), description, options);

/** A list replaced whole by merges and owned whole by one field manager. */
export function atomicList<T extends TSchema>(items: T, description: string, options: ArrayOptions = {}): TArray<T> {
  return Type.Array(items, { description, "x-kubernetes-list-type": "atomic", ...options });
}

/** A list of scalars merged as a set (finalizers, podCIDRs). */
export function setList<T extends TSchema>(
  items: T,
  description: string,
  patchStrategy?: "merge",
): TArray<T> {
  return Type.Array(items, {
    description,
    "x-kubernetes-list-type": "set",
    ...(patchStrategy ? { "x-kubernetes-patch-strategy": patchStrategy } : {}),
  });
}

/**
 * A list of objects keyed by `keys` for server-side apply; when `mergeKey` is
 * given, strategic merge patch merges items by it as well.
 */
export function mapList<T extends TSchema>(
  items: T,
  keys: readonly string[],
  description: string,
  patch?: { mergeKey: string; strategy?: string },
): TArray<T> {
  return Type.Array(items, {
    description,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": [...keys],
    ...(patch
      ? {
          "x-kubernetes-patch-merge-key": patch.mergeKey,
          "x-kubernetes-patch-strategy": patch.strategy ?? "merge",
        }
      : {}),
  });
}

// Kubernetes' canonical quantity grammar (resource.Quantity); numbers are
// accepted on the wire too, as Go's decoder does.
export const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

export const Quantity = Type.Union([Type.String({ pattern: QUANTITY_PATTERN }), Type.Number()], {
  $id: "io.k8s.apimachinery.pkg.api.resource.Quantity",
  description:
    "Quantity is a fixed-point representation of a number, such as cpu \"100m\" or memory \"64Mi\": a decimal number with an optional binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal (m, k, M, G, T, P, E) or exponent suffix.",
});

export const IntOrString = Type.Union([Type.Integer(), Type.String()], {
  $id: "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
  description:
    "IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.",
  format: "int-or-string",
  "x-kubernetes-int-or-string": true,
});

export const ResourceList = (description: string) => mapOf(Quantity, description);

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// The compiler rejects strings whose format it does not know, so the two
// formats our types use are registered wherever the schemas are loaded.
if (!FormatRegistry.Has("date-time")) FormatRegistry.Set("date-time", (value) => RFC3339.test(value));
// Go's base64 decoder skips line breaks, so they are allowed here too.
if (!FormatRegistry.Has("byte")) FormatRegistry.Set("byte", (value) => BASE64.test(value.replace(/[\r\n]/g, "")));

export const Time = Type.String({
  $id: metaId("Time"),
  format: "date-time",
  description:
    "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON. Wrappers are provided for many of the factory methods that the time package offers.",
});

export const MicroTime = Type.String({
  $id: metaId("MicroTime"),
  format: "date-time",
  description: "MicroTime is version of Time with microsecond level precision.",
});

export const bytes = (description: string) => Type.String({ format: "byte", description });

/**
 * Marks the extensions that belong to one property rather than to the shared
 * type it uses (Deployment's strategy is retainKeys, DeploymentStrategy is
 * not), so OpenAPI can put them beside the $ref instead of into the component.
 */
export const PROPERTY_EXTENSIONS: unique symbol = Symbol.for("ledge.schemas.property-extensions");

export interface PropertyOverlay {
  extensions: Record<string, unknown>;
  /** The shared type itself, which is what its component is rendered from. */
  base: TSchema;
}

export function withPropertyExtensions<T extends TSchema>(schema: T, extensions: Record<string, unknown>): T {
  const previous = (schema as unknown as Record<symbol, PropertyOverlay | undefined>)[PROPERTY_EXTENSIONS];
  const overlay: PropertyOverlay = {
    extensions: { ...previous?.extensions, ...extensions },
    base: previous?.base ?? schema,
  };
  return { ...schema, ...extensions, [PROPERTY_EXTENSIONS]: overlay };
}

/** A field's own description when it uses a shared type, as Go doc comments give it. */
export const described = <T extends TSchema>(schema: T, description: string): T => withPropertyExtensions(schema, { description });
