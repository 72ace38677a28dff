import { describe, expect, test } from "bun:test";
import { applyMergePatch, mergePatchValue } from "./merge-patch.ts";
import { PatchError } from "./patch-error.ts";

describe("mergePatchValue (RFC 7386 appendix A)", () => {
  test.each([
    { target: { a: "b" }, patch: { a: "c" }, result: { a: "c" } },
    { target: { a: "b" }, patch: { b: "c" }, result: { a: "b", b: "c" } },
    { target: { a: "b" }, patch: { a: null }, result: {} },
    { target: { a: "b", b: "c" }, patch: { a: null }, result: { b: "c" } },
    { target: { a: ["b"] }, patch: { a: "c" }, result: { a: "c" } },
    { target: { a: "c" }, patch: { a: ["b"] }, result: { a: ["b"] } },
    { target: { a: { b: "c" } }, patch: { a: { b: "d", c: null } }, result: { a: { b: "d" } } },
    { target: { a: [{ b: "c" }] }, patch: { a: [1] }, result: { a: [1] } },
    { target: ["a", "b"], patch: ["c", "d"], result: ["c", "d"] },
    { target: { a: "b" }, patch: ["c"], result: ["c"] },
    { target: { a: "foo" }, patch: null, result: null },
    { target: { a: "foo" }, patch: "bar", result: "bar" },
    { target: { e: null }, patch: { a: 1 }, result: { e: null, a: 1 } },
    { target: [1, 2], patch: { a: "b", c: null }, result: { a: "b" } },
    { target: {}, patch: { a: { bb: { ccc: null } } }, result: { a: { bb: {} } } },
  ])("RFC 7386 example %#", ({ target, patch, result }) => {
    expect(mergePatchValue(target, patch)).toEqual(result);
  });
});

describe("applyMergePatch", () => {
  const pod = () => ({
    metadata: { name: "p", labels: { app: "web", tier: "front" }, annotations: { note: "x" } },
    spec: { containers: [{ name: "a", image: "a:1" }, { name: "b", image: "b:1" }] },
  });

  test.each<{ name: string; patch: Record<string, unknown>; expected: Record<string, unknown> }>([
    {
      name: "kubectl label (add and remove labels)",
      patch: { metadata: { labels: { env: "prod", tier: null } } },
      expected: { ...pod(), metadata: { ...pod().metadata, labels: { app: "web", env: "prod" } } },
    },
    {
      name: "kubectl annotate --overwrite with resourceVersion precondition",
      patch: { metadata: { annotations: { note: "y" }, resourceVersion: "42" } },
      expected: { ...pod(), metadata: { ...pod().metadata, annotations: { note: "y" }, resourceVersion: "42" } },
    },
    {
      name: "lists are replaced wholesale",
      patch: { spec: { containers: [{ name: "a", image: "a:2" }] } },
      expected: { ...pod(), spec: { containers: [{ name: "a", image: "a:2" }] } },
    },
    {
      name: "scale via merge patch",
      patch: { spec: { replicas: 3 } },
      expected: { ...pod(), spec: { ...pod().spec, replicas: 3 } },
    },
    {
      name: "deleting an absent key is a no-op",
      patch: { status: null },
      expected: pod(),
    },
  ])("$name", ({ patch, expected }) => {
    expect(applyMergePatch(pod(), patch)).toEqual(expected);
  });

  test("keys that look like prototype members stay plain data", () => {
    const patch = JSON.parse('{"metadata":{"labels":{"constructor":"x","__proto__":"y","toString":null}}}');
    const labels = (applyMergePatch(pod(), patch).metadata as { labels: object }).labels;
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(JSON.stringify(labels)).toBe('{"app":"web","tier":"front","constructor":"x","__proto__":"y"}');
  });

  test.each([{ body: [] as unknown }, { body: "x" }, { body: null }, { body: 3 }])("non-object body $body → 400", ({ body }) => {
    let error: unknown;
    try {
      applyMergePatch(pod(), body);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PatchError);
    expect((error as PatchError).status).toBe(400);
  });

  test("never mutates inputs and shares nothing with them", () => {
    const original = pod();
    const patch = { metadata: { labels: { env: "prod" } }, spec: { extra: { deep: [1] } } };
    const result = applyMergePatch(original, patch) as { spec: { extra: { deep: number[] }; containers: { image: string }[] } };
    expect(original).toEqual(pod());
    expect(patch).toEqual({ metadata: { labels: { env: "prod" } }, spec: { extra: { deep: [1] } } });
    result.spec.extra.deep.push(2);
    result.spec.containers[0]!.image = "changed";
    expect(patch.spec.extra.deep).toEqual([1]);
    expect(original.spec.containers[0]!.image).toBe("a:1");
  });
});
