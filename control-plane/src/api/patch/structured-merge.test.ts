import { describe, expect, test } from "bun:test";
import { FieldSet, pathString } from "./field-set.ts";
import { PatchError } from "./patch-error.ts";
import { deploymentSchema, podSchema, serviceSchema, widgetSchema } from "./schema-fixtures.ts";
import { compareObjects, fieldSetOf, mergeApplied, removeFields, withNamedFieldsAsMembers } from "./structured-merge.ts";

type Json = Record<string, unknown>;

const pod = (spec: Json, metadata: Json = { name: "p" }): Json => ({ apiVersion: "v1", kind: "Pod", metadata, spec });
const paths = (set: FieldSet): string[] => set.paths().map(pathString);

describe("fieldSetOf", () => {
  test.each([
    {
      name: "list-map items own themselves; struct fields with content do not",
      value: pod({ containers: [{ name: "nginx", image: "nginx", ports: [{ containerPort: 80 }] }] }),
      fields: {
        "f:apiVersion": {},
        "f:kind": {},
        "f:metadata": { "f:name": {} },
        "f:spec": {
          "f:containers": {
            'k:{"name":"nginx"}': {
              ".": {},
              "f:image": {},
              "f:name": {},
              "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
            },
          },
        },
      },
    },
    {
      name: "set items by value, map entries as members",
      value: { metadata: { finalizers: ["a", "b"], labels: { app: "x" } } },
      fields: { "f:metadata": { "f:finalizers": { 'v:"a"': {}, 'v:"b"': {} }, "f:labels": { "f:app": {} } } },
    },
    {
      name: "atomic list, atomic map, empty struct and null are leaves",
      value: pod({ tolerations: [{ key: "k" }], nodeSelector: { zone: "a" }, volumes: [{ name: "v", emptyDir: {} }], restartPolicy: null }, {}),
      fields: {
        "f:apiVersion": {},
        "f:kind": {},
        "f:metadata": {},
        "f:spec": {
          "f:nodeSelector": {},
          "f:restartPolicy": {},
          "f:tolerations": {},
          "f:volumes": { 'k:{"name":"v"}': { ".": {}, "f:emptyDir": {}, "f:name": {} } },
        },
      },
    },
    {
      name: "atomic struct (selector) is one leaf",
      value: { spec: { selector: { matchLabels: { app: "web" } } } },
      fields: { "f:spec": { "f:selector": {} } },
      schema: deploymentSchema,
    },
    {
      name: "unknown fields are deduced: maps granular with entries as members, lists atomic",
      value: { spec: { a: { b: 1 }, l: [1, 2] } },
      fields: { "f:spec": { "f:a": { ".": {}, "f:b": {} }, "f:l": {} } },
      schema: widgetSchema,
    },
    {
      name: "a list-map key field the item omits takes its default",
      value: { spec: { ports: [{ port: 80 }, { port: 53, protocol: "UDP" }] } },
      fields: {
        "f:spec": {
          "f:ports": {
            'k:{"port":53,"protocol":"UDP"}': { ".": {}, "f:port": {}, "f:protocol": {} },
            'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:port": {} },
          },
        },
      },
      schema: serviceSchema,
    },
    {
      name: "an empty granular list owns nothing",
      value: { spec: { containers: [] } },
      fields: {},
    },
  ])("$name", ({ value, fields, schema }) => {
    expect(fieldSetOf(value, schema ?? podSchema, true).toFieldsV1()).toEqual(fields);
  });

  test("stored objects: duplicates own only the item, unkeyable lists are atomic", () => {
    const value = pod({ containers: [{ name: "a", image: "1" }, { name: "a", image: "2" }], volumes: [{ emptyDir: {} }] }, {});
    expect(fieldSetOf(value, podSchema).toFieldsV1()).toEqual({
      "f:apiVersion": {},
      "f:kind": {},
      "f:metadata": {},
      "f:spec": { "f:containers": { 'k:{"name":"a"}': {} }, "f:volumes": {} },
    });
  });

  test.each([
    { name: "duplicate key", value: pod({ containers: [{ name: "a" }, { name: "a" }] }), message: 'duplicate entries for key [name="a"]' },
    { name: "missing key", value: pod({ containers: [{ image: "x" }] }), message: "omits all key fields" },
    { name: "non-map item", value: pod({ containers: ["a"] }), message: "non-map elements" },
    { name: "object in a set", value: { metadata: { finalizers: [{ a: 1 }] } }, message: "must be scalars" },
  ])("applied configuration with $name → 422", ({ value, message }) => {
    let error: unknown;
    try {
      fieldSetOf(value, podSchema, true);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PatchError);
    expect((error as PatchError).status).toBe(422);
    expect((error as PatchError).message).toContain(message);
  });
});

describe("mergeApplied", () => {
  const names = (list: unknown): unknown[] => (list as Json[]).map((item) => item.name);
  test.each([
    { name: "live-only items keep their place", live: ["a", "b", "c"], config: ["b"], order: ["a", "b", "c"] },
    { name: "shared items follow the configuration", live: ["a", "b"], config: ["b", "a"], order: ["b", "a"] },
    { name: "new items join after their configured neighbour", live: ["a", "x", "b"], config: ["b", "c", "a"], order: ["x", "b", "c", "a"] },
    { name: "new items go after the shared ones", live: ["a", "b", "c"], config: ["c", "d"], order: ["a", "b", "c", "d"] },
    { name: "nothing shared: configured items are appended", live: ["a", "b"], config: ["d"], order: ["a", "b", "d"] },
    { name: "into an empty list", live: [], config: ["a"], order: ["a"] },
    { name: "an empty configured list removes nothing", live: ["a"], config: [], order: ["a"] },
  ])("list order: $name", ({ live, config, order }) => {
    const merged = mergeApplied(
      pod({ containers: live.map((name) => ({ name, live: true })) }),
      pod({ containers: config.map((name) => ({ name, config: true })) }),
      podSchema,
    ) as Json;
    expect(names((merged.spec as Json).containers)).toEqual([...order]);
  });

  test("items merge field by field; atomic values are replaced; null removes", () => {
    const live = pod({
      containers: [{ name: "a", image: "1", env: [{ name: "X", value: "1" }, { name: "Y", value: "2" }], args: ["-a", "-b"] }],
      tolerations: [{ key: "a" }, { key: "b" }],
      nodeSelector: { disk: "ssd", zone: "a" },
      restartPolicy: "Always",
    });
    const config = pod({
      containers: [{ name: "a", env: [{ name: "Y", value: "3" }], args: ["-c"] }],
      tolerations: [{ key: "c" }],
      nodeSelector: { zone: "b" },
      restartPolicy: null,
    });
    expect(mergeApplied(live, config, podSchema)).toEqual(
      pod({
        containers: [{ name: "a", image: "1", env: [{ name: "X", value: "1" }, { name: "Y", value: "3" }], args: ["-c"] }],
        tolerations: [{ key: "c" }],
        nodeSelector: { zone: "b" },
      }),
    );
  });

  test("sets merge by value", () => {
    const merged = mergeApplied({ metadata: { finalizers: ["a", "b"] } }, { metadata: { finalizers: ["c", "a"] } }, podSchema);
    expect(merged).toEqual({ metadata: { finalizers: ["c", "a", "b"] } });
  });

  test("duplicated live items collapse into the configured one", () => {
    const merged = mergeApplied(
      pod({ containers: [{ name: "a", image: "1" }, { name: "b" }, { name: "a", image: "2" }] }),
      pod({ containers: [{ name: "a", image: "3" }] }),
      podSchema,
    );
    expect(merged).toEqual(pod({ containers: [{ name: "a", image: "3" }, { name: "b" }] }));
  });

  test("nulls inside new values are dropped", () => {
    expect(mergeApplied({}, { spec: { a: { b: null, c: 1 } } }, widgetSchema)).toEqual({ spec: { a: { c: 1 } } });
  });
});

describe("compareObjects", () => {
  test.each([
    {
      name: "a changed scalar is modified",
      before: { spec: { replicas: 2 } },
      after: { spec: { replicas: 3 } },
      added: [],
      removed: [],
      modified: [".spec.replicas"],
    },
    {
      name: "a new map records the map and its entries",
      before: { metadata: { name: "x" } },
      after: { metadata: { name: "x", labels: { app: "web" } } },
      added: [".metadata.labels", ".metadata.labels.app"],
      removed: [],
      modified: [],
    },
    {
      name: "a new struct under a declared field records only its fields",
      before: { spec: { strategy: { type: "RollingUpdate" } } },
      after: { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } } },
      added: [".spec.strategy.rollingUpdate.maxSurge"],
      removed: [],
      modified: [],
    },
    {
      name: "list items added and removed",
      before: { spec: { template: { spec: { containers: [{ name: "a", image: "1" }] } } } },
      after: { spec: { template: { spec: { containers: [{ name: "b", image: "2" }] } } } },
      added: ['.spec.template.spec.containers[name="b"]', '.spec.template.spec.containers[name="b"].image', '.spec.template.spec.containers[name="b"].name'],
      removed: ['.spec.template.spec.containers[name="a"]', '.spec.template.spec.containers[name="a"].image', '.spec.template.spec.containers[name="a"].name'],
      modified: [],
    },
    {
      name: "atomic values change as a whole",
      before: { spec: { selector: { matchLabels: { a: "1" } } } },
      after: { spec: { selector: { matchLabels: { a: "2" } } } },
      added: [],
      removed: [],
      modified: [".spec.selector"],
    },
    {
      name: "a type change is a modification",
      before: { spec: { replicas: "2" } },
      after: { spec: { replicas: { n: 2 } } },
      added: [],
      removed: [],
      modified: [".spec.replicas"],
    },
    {
      name: "equal objects",
      before: { spec: { replicas: 1, template: { spec: { containers: [{ name: "a" }] } } } },
      after: { spec: { replicas: 1, template: { spec: { containers: [{ name: "a" }] } } } },
      added: [],
      removed: [],
      modified: [],
    },
  ])("$name", ({ before, after, added, removed, modified }) => {
    const comparison = compareObjects(before, after, deploymentSchema);
    expect(paths(comparison.added)).toEqual([...added]);
    expect(paths(comparison.removed)).toEqual([...removed]);
    expect(paths(comparison.modified)).toEqual([...modified]);
  });

  test("duplicates: a list that gains a duplicate adds the item", () => {
    const comparison = compareObjects(pod({ containers: [{ name: "a" }] }), pod({ containers: [{ name: "a" }, { name: "a" }] }), podSchema);
    expect(paths(comparison.added)).toEqual(['.spec.containers[name="a"]']);
  });
});

describe("removeFields", () => {
  const object = pod({
    containers: [{ name: "a", image: "1", env: [{ name: "X", value: "1" }] }, { name: "b", image: "2" }],
    restartPolicy: "Always",
  }, { name: "p", labels: { app: "web" } });

  test.each([
    {
      name: "a list item",
      remove: { "f:spec": { "f:containers": { 'k:{"name":"b"}': {} } } },
      spec: { containers: [{ name: "a", image: "1", env: [{ name: "X", value: "1" }] }], restartPolicy: "Always" },
      metadata: { name: "p", labels: { app: "web" } },
    },
    {
      name: "a field inside an item",
      remove: { "f:spec": { "f:containers": { 'k:{"name":"a"}': { "f:env": {} } } } },
      spec: { containers: [{ name: "a", image: "1" }, { name: "b", image: "2" }], restartPolicy: "Always" },
      metadata: { name: "p", labels: { app: "web" } },
    },
    {
      name: "the last entry of a map takes the map",
      remove: { "f:metadata": { "f:labels": { "f:app": {} } } },
      spec: object.spec,
      metadata: { name: "p" },
    },
  ])("$name", ({ remove, spec, metadata }) => {
    expect(removeFields(object, FieldSet.fromFieldsV1(remove), podSchema)).toEqual({ ...object, spec, metadata });
  });

  test("everything: nothing is left", () => {
    expect(removeFields({ spec: { a: 1 } }, FieldSet.fromFieldsV1({ "f:spec": { "f:a": {} } }), undefined)).toBeUndefined();
  });
});

describe("withNamedFieldsAsMembers", () => {
  test("structs on the way become members; list items and map entries do not", () => {
    const set = FieldSet.fromFieldsV1({
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"a"}': { "f:image": {} } } } } },
    });
    expect(paths(withNamedFieldsAsMembers(set, deploymentSchema))).toEqual([
      ".metadata",
      ".metadata.labels",
      ".metadata.labels.app",
      ".spec",
      ".spec.template",
      ".spec.template.spec",
      ".spec.template.spec.containers",
      '.spec.template.spec.containers[name="a"].image',
    ]);
  });
});
