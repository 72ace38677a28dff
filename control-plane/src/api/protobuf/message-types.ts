// The protobuf form of a schema: each TypeBox object of schemas/ becomes a
// message whose fields are numbered by field-numbers.ts, so the JSON shape
// (names, nesting, which strings are bytes or times) is read from the one
// place that describes it.
import { Kind, type TSchema } from "@sinclair/typebox";
import { FieldsV1 } from "../../../../schemas/meta-v1.ts";
import { IntOrString, MicroTime, Quantity, Time } from "../../../../schemas/schema-builders.ts";
import { FIELD_NUMBERS } from "./field-numbers.ts";

export type Scalar = "string" | "bytes" | "bool" | "int32" | "int64";

/** How a value is carried on the wire, and turned into JSON. */
export type ValueType =
  | { kind: Scalar }
  /** metav1.Time (whole seconds) and MicroTime: Timestamp{seconds, nanos}, RFC 3339 in JSON. */
  | { kind: "time"; micro: boolean }
  /** resource.Quantity: {string}, a string in JSON. */
  | { kind: "quantity" }
  /** intstr.IntOrString: {type, intVal, strVal}, a number or a string in JSON. */
  | { kind: "intOrString" }
  /** metav1.FieldsV1: {Raw}, the JSON it holds. */
  | { kind: "fieldsV1" }
  | { kind: "message"; message: MessageType }
  | { kind: "list"; item: ValueType }
  /** Go maps: repeated entries {key = 1, value = 2}. */
  | { kind: "map"; value: ValueType };

/** Whether a zero scalar appears in JSON: see field-numbers.ts. */
export type Presence = "omitempty" | "pointer" | "always";

export interface Field {
  name: string;
  type: ValueType;
  presence: Presence;
}

/** A message Go embeds at one field number while JSON inlines its fields. */
export interface Embedded {
  embedded: MessageType;
}

export interface MessageType {
  id: string;
  fields: Map<number, Field | Embedded>;
  /** Scalars JSON always carries (here or in embedded messages), with their zero value when absent. */
  alwaysPresent: Field[];
}

const SPECIAL: Record<string, ValueType> = {
  [String(Time.$id)]: { kind: "time", micro: false },
  [String(MicroTime.$id)]: { kind: "time", micro: true },
  [String(Quantity.$id)]: { kind: "quantity" },
  [String(IntOrString.$id)]: { kind: "intOrString" },
  [String(FieldsV1.$id)]: { kind: "fieldsV1" },
};

const TOP_LEVEL_TYPE_META = new Set(["apiVersion", "kind"]);

const cache = new Map<string, MessageType>();

/** The message type of an object schema (one with an $id), built once. */
export function messageTypeOf(schema: TSchema): MessageType {
  const id = schema.$id;
  if (typeof id !== "string" || schema[Kind] !== "Object") {
    throw new Error(`only named object schemas have a protobuf form, not ${String(id ?? schema.type)}`);
  }
  const cached = cache.get(id);
  if (cached) return cached;
  const message: MessageType = { id, fields: new Map(), alwaysPresent: [] };
  // Registered before its fields are built, so a type that contains itself ends.
  cache.set(id, message);
  try {
    fill(message, schema);
  } catch (error) {
    cache.delete(id);
    throw error;
  }
  return message;
}

function fill(message: MessageType, schema: TSchema): void {
  const numbers = fieldNumbersOf(message.id);
  const properties = schema.properties as Record<string, TSchema>;
  const topLevel = Array.isArray(schema["x-kubernetes-group-version-kind"]);
  for (const [name, spec] of numbers) {
    const property = properties[name];
    if (!property) throw new Error(`${message.id}: field-numbers.ts numbers "${name}", which the schema lacks`);
    const field: Field = { name, type: valueTypeOf(property, `${message.id}.${name}`), presence: spec.presence };
    let target = message;
    for (const number of spec.path.slice(0, -1)) {
      let entry = target.fields.get(number);
      if (!entry) {
        entry = { embedded: { id: `${target.id}#${number}`, fields: new Map(), alwaysPresent: [] } };
        target.fields.set(number, entry);
      }
      if (!("embedded" in entry)) throw new Error(`${message.id}: field ${number} is both "${entry.name}" and an embedded message`);
      target = entry.embedded;
    }
    const number = spec.path.at(-1)!;
    if (target.fields.has(number)) throw new Error(`${message.id}: field number ${spec.path.join(".")} is used twice`);
    target.fields.set(number, field);
    if (field.presence === "always" && isScalar(field.type)) message.alwaysPresent.push(field);
  }
  for (const name of Object.keys(properties)) {
    if (!numbers.has(name) && !(topLevel && TOP_LEVEL_TYPE_META.has(name))) {
      throw new Error(`${message.id}: the schema's field "${name}" has no protobuf number in field-numbers.ts`);
    }
  }
}

interface FieldSpec {
  path: number[];
  presence: Presence;
}

const FIELD_SPEC = /^(\w+) (\d+(?:\.\d+)*)([*!]?)$/;

function fieldNumbersOf(id: string): Map<string, FieldSpec> {
  const dot = id.lastIndexOf(".");
  const line = FIELD_NUMBERS[id.slice(0, dot)]?.[id.slice(dot + 1)];
  if (line === undefined) throw new Error(`${id} has no entry in field-numbers.ts`);
  const specs = new Map<string, FieldSpec>();
  for (const part of line.split(",")) {
    const match = FIELD_SPEC.exec(part.trim());
    if (!match) throw new Error(`${id}: "${part.trim()}" in field-numbers.ts is not "name number[*|!]"`);
    const [, name, path, marker] = match;
    specs.set(name!, {
      path: path!.split(".").map(Number),
      presence: marker === "*" ? "pointer" : marker === "!" ? "always" : "omitempty",
    });
  }
  return specs;
}

export const isScalar = (type: ValueType): type is { kind: Scalar } =>
  type.kind === "string" || type.kind === "bytes" || type.kind === "bool" || type.kind === "int32" || type.kind === "int64";

function valueTypeOf(schema: TSchema, where: string): ValueType {
  const special = typeof schema.$id === "string" ? SPECIAL[schema.$id] : undefined;
  if (special) return special;
  switch (schema[Kind]) {
    case "Object":
      return { kind: "message", message: messageTypeOf(schema) };
    case "Array": {
      const item = valueTypeOf(schema.items as TSchema, `${where}[]`);
      if (item.kind === "list" || item.kind === "map") throw new Error(`${where}: protobuf has no lists of lists or maps`);
      return { kind: "list", item };
    }
    case "Record": {
      const value = valueTypeOf(Object.values(schema.patternProperties as Record<string, TSchema>)[0]!, `${where}{}`);
      if (value.kind === "list" || value.kind === "map") throw new Error(`${where}: protobuf maps hold no lists or maps`);
      return { kind: "map", value };
    }
    case "String":
      return { kind: schema.format === "byte" ? "bytes" : "string" };
    case "Integer":
      return { kind: schema.format === "int64" ? "int64" : "int32" };
    case "Boolean":
      return { kind: "bool" };
    case "Literal":
      // A one-value enum (TypeBox makes a one-member union its member).
      if (typeof schema.const === "string") return { kind: "string" };
      break;
    case "Union":
      // Kubernetes' enums are strings.
      if ((schema.anyOf as TSchema[]).every((s) => s[Kind] === "Literal" && typeof s.const === "string")) {
        return { kind: "string" };
      }
  }
  throw new Error(`${where}: no protobuf form for this schema`);
}
