import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { fieldSchema, isNamedField, shapeOf, type SchemaNode } from "./schema-node.ts";

const list = Type.Array(Type.Object({ name: Type.String() }), {
  "x-kubernetes-patch-merge-key": "name",
  "x-kubernetes-patch-strategy": "merge,retainKeys",
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["name"],
});

describe("shapeOf", () => {
  test.each<{ name: string; schema: SchemaNode; fields: string[]; hasItems: boolean; hasValues: boolean }>([
    { name: "Type.Object", schema: Type.Object({ a: Type.String(), b: list }), fields: ["a", "b"], hasItems: false, hasValues: false },
    {
      name: "Type.Intersect (allOf): properties of every member",
      schema: Type.Intersect([Type.Object({ a: Type.String() }), Type.Object({ b: Type.Number() })]),
      fields: ["a", "b"],
      hasItems: false,
      hasValues: false,
    },
    {
      name: "Type.Union with null (anyOf): the member with structure",
      schema: Type.Union([Type.Null(), Type.Object({ a: Type.String() })]),
      fields: ["a"],
      hasItems: false,
      hasValues: false,
    },
    { name: "Type.Record (patternProperties)", schema: Type.Record(Type.String(), Type.String()), fields: [], hasItems: false, hasValues: true },
    { name: "additionalProperties", schema: { type: "object", additionalProperties: { type: "integer" } }, fields: [], hasItems: false, hasValues: true },
    { name: "Type.Array", schema: list, fields: [], hasItems: true, hasValues: false },
    { name: "int-or-string union: no structure", schema: Type.Union([Type.Integer(), Type.String()]), fields: [], hasItems: false, hasValues: false },
  ])("$name", ({ schema, fields, hasItems, hasValues }) => {
    const shape = shapeOf(schema);
    expect([...(shape.properties?.keys() ?? [])]).toEqual(fields);
    expect(shape.items !== undefined).toBe(hasItems);
    expect(shape.additional !== undefined).toBe(hasValues);
  });

  test("extensions: strategy without retainKeys, keys, merge key", () => {
    const shape = shapeOf(list);
    expect(shape.patchStrategy).toBe("merge");
    expect(shape.mergeKey).toBe("name");
    expect(shape.listType).toBe("map");
    expect(shape.listMapKeys).toEqual(["name"]);
  });

  test("extensions on a wrapper win over its members", () => {
    const wrapped: SchemaNode = { "x-kubernetes-map-type": "atomic", allOf: [{ type: "object", properties: { a: {} }, "x-kubernetes-map-type": "granular" }] };
    expect(shapeOf(wrapped).mapType).toBe("atomic");
  });

  test("no schema knows nothing", () => {
    const shape = shapeOf(undefined);
    expect(shape.properties).toBeUndefined();
    expect(shape.patchStrategy).toBe("");
  });

  test("field lookup: declared fields, then map values", () => {
    const schema: SchemaNode = { type: "object", properties: { a: { type: "string" } }, additionalProperties: { type: "integer" } };
    const shape = shapeOf(schema);
    expect(fieldSchema(shape, "a")).toEqual({ type: "string" });
    expect(fieldSchema(shape, "other")).toEqual({ type: "integer" });
    expect(isNamedField(shape, "a")).toBe(true);
    expect(isNamedField(shape, "other")).toBe(false);
  });

  test("recursive schemas resolve lazily", () => {
    const node: { type: string; properties: Record<string, SchemaNode> } = { type: "object", properties: {} };
    node.properties.child = node;
    expect(fieldSchema(shapeOf(fieldSchema(shapeOf(node), "child")), "child")).toBe(node);
  });
});
