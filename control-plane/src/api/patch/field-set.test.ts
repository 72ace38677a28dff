import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { fieldElement, FieldSet, goJson, keyElement, pathString, valueElement, type FieldPath } from "./field-set.ts";
import { PatchError } from "./patch-error.ts";

function setOf(...paths: FieldPath[]): FieldSet {
  const set = new FieldSet();
  for (const path of paths) set.insert(path);
  return set;
}

const spec = fieldElement("spec");
const replicas = fieldElement("replicas");
const containers = fieldElement("containers");
const nginx = keyElement([["name", "nginx"]]);
const image = fieldElement("image");

describe("FieldSet FieldsV1 encoding", () => {
  test.each([
    {
      name: "leaves",
      fields: { "f:spec": { "f:replicas": {}, "f:paused": {} } },
      paths: [".spec.paused", ".spec.replicas"],
    },
    {
      name: "a list-map item owned itself and through its fields",
      fields: { "f:spec": { "f:containers": { 'k:{"name":"nginx"}': { ".": {}, "f:image": {}, "f:name": {} } } } },
      paths: ['.spec.containers[name="nginx"]', '.spec.containers[name="nginx"].image', '.spec.containers[name="nginx"].name'],
    },
    {
      name: "a multi-field key and a set item",
      fields: {
        "f:metadata": { "f:finalizers": { 'v:"example.com/x"': {} } },
        "f:spec": { "f:ports": { 'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:port": {} } } },
      },
      paths: ['.metadata.finalizers[="example.com/x"]', '.spec.ports[port=80,protocol="TCP"]', '.spec.ports[port=80,protocol="TCP"].port'],
    },
  ])("$name round-trips and prints Kubernetes paths", ({ fields, paths }) => {
    const set = FieldSet.fromFieldsV1(fields);
    expect(set.toFieldsV1()).toEqual(fields);
    expect(set.paths().map(pathString)).toEqual([...paths]);
  });

  test("keys are re-spelled canonically: fields sorted, Go escaping", () => {
    const set = FieldSet.fromFieldsV1({ "f:ports": { 'k:{"protocol":"TCP","port":80}': {} }, "f:x": { 'v:"<a&b>"': {} } });
    expect(Object.keys(set.toFieldsV1()["f:ports"] as object)).toEqual(['k:{"port":80,"protocol":"TCP"}']);
    expect(Object.keys(set.toFieldsV1()["f:x"] as object)).toEqual(['v:"\\u003ca\\u0026b\\u003e"']);
    expect(set.has([fieldElement("ports"), keyElement([["port", 80], ["protocol", "TCP"]])])).toBe(true);
  });

  test("output is ordered: fields, then keys, then values, each by value", () => {
    const set = setOf(
      [fieldElement("b")],
      [fieldElement("a")],
      [valueElement("z")],
      [valueElement(3)],
      [keyElement([["name", "b"]])],
      [keyElement([["name", "a"]])],
    );
    expect(Object.keys(set.toFieldsV1())).toEqual(["f:a", "f:b", 'k:{"name":"a"}', 'k:{"name":"b"}', "v:3", 'v:"z"']);
  });

  test("unknown element kinds are skipped, as Kubernetes does", () => {
    expect(FieldSet.fromFieldsV1({ "x:odd": {}, "f:a": {} }).toFieldsV1()).toEqual({ "f:a": {} });
  });

  test.each([
    { name: "not an object", fields: [] as unknown },
    { name: "child not an object", fields: { "f:a": 1 } },
    { name: "bad key JSON", fields: { "k:{nope": {} } },
    { name: "bad index", fields: { "i:x": {} } },
  ])("malformed: $name", ({ fields }) => {
    expect(() => FieldSet.fromFieldsV1(fields)).toThrow(PatchError);
  });
});

describe("FieldSet operations", () => {
  const a = setOf([spec, replicas], [spec, containers, nginx], [spec, containers, nginx, image]);
  const b = setOf([spec, replicas], [spec, fieldElement("paused")]);

  test.each([
    { name: "union", result: () => a.union(b), paths: ['.spec.containers[name="nginx"]', '.spec.containers[name="nginx"].image', ".spec.paused", ".spec.replicas"] },
    { name: "difference", result: () => a.difference(b), paths: ['.spec.containers[name="nginx"]', '.spec.containers[name="nginx"].image'] },
    { name: "intersection", result: () => a.intersection(b), paths: [".spec.replicas"] },
    { name: "difference with itself", result: () => a.difference(a), paths: [] },
  ])("$name", ({ result, paths }) => {
    expect(result().paths().map(pathString)).toEqual([...paths]);
  });

  test("difference removes paths, not subtrees", () => {
    const owner = setOf([spec, containers, nginx], [spec, containers, nginx, image]);
    const item = setOf([spec, containers, nginx]);
    expect(owner.difference(item).paths().map(pathString)).toEqual(['.spec.containers[name="nginx"].image']);
  });

  test("no empty children remain", () => {
    expect(a.intersection(setOf([fieldElement("status")])).isEmpty()).toBe(true);
    expect(a.difference(a).toFieldsV1()).toEqual({});
  });

  test("has", () => {
    expect(a.has([spec, replicas])).toBe(true);
    expect(a.has([spec])).toBe(false);
    expect(a.has([])).toBe(false);
  });
});

describe("goJson", () => {
  test.each([
    { value: "plain", json: '"plain"' },
    { value: "a<b>&c", json: '"a\\u003cb\\u003e\\u0026c"' },
    { value: 80, json: "80" },
    { value: true, json: "true" },
    { value: null, json: "null" },
    { value: { b: 1, a: [1, "x"] }, json: '{"a":[1,"x"],"b":1}' },
  ])("$json", ({ value, json }) => {
    expect(goJson(value)).toBe(json);
  });
});

describe("FieldSet laws", () => {
  const element = fc.oneof(
    fc.constantFrom("a", "b", "c").map(fieldElement),
    fc.constantFrom("x", "y").map((name) => keyElement([["name", name]])),
    fc.constantFrom(1, "v").map(valueElement),
  );
  const set = fc.array(fc.array(element, { minLength: 1, maxLength: 3 }), { maxLength: 8 }).map((paths) => setOf(...paths));
  const pathsOf = (s: FieldSet) => s.paths().map(pathString).sort();

  test("FieldsV1 round-trips", () => {
    fc.assert(fc.property(set, (s) => expect(pathsOf(FieldSet.fromFieldsV1(s.toFieldsV1()))).toEqual(pathsOf(s))), { numRuns: 200 });
  });

  test("union, difference and intersection agree with their paths", () => {
    fc.assert(
      fc.property(set, set, (a, b) => {
        const inA = new Set(pathsOf(a));
        const inB = new Set(pathsOf(b));
        expect(pathsOf(a.union(b))).toEqual([...new Set([...inA, ...inB])].sort());
        expect(pathsOf(a.difference(b))).toEqual([...inA].filter((p) => !inB.has(p)).sort());
        expect(pathsOf(a.intersection(b))).toEqual([...inA].filter((p) => inB.has(p)).sort());
      }),
      { numRuns: 200 },
    );
  });
});
