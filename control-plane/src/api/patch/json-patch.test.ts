import { describe, expect, test } from "bun:test";
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from "./json-patch.ts";
import { PatchError } from "./patch-error.ts";

const deployment = () => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" } },
  spec: {
    replicas: 2,
    template: { spec: { containers: [{ name: "nginx", image: "nginx:1.25" }] } },
  },
});

describe("applyJsonPatch", () => {
  test.each([
    {
      name: "replace a scalar",
      patch: [{ op: "replace", path: "/spec/replicas", value: 5 }],
      check: (o: any) => expect(o.spec.replicas).toBe(5),
    },
    {
      name: "add a label with an escaped key",
      patch: [{ op: "add", path: "/metadata/labels/app.kubernetes.io~1name", value: "web" }],
      check: (o: any) => expect(o.metadata.labels["app.kubernetes.io/name"]).toBe("web"),
    },
    {
      name: "append to a list with -",
      patch: [{ op: "add", path: "/spec/template/spec/containers/-", value: { name: "side", image: "busybox" } }],
      check: (o: any) => expect(o.spec.template.spec.containers.map((c: any) => c.name)).toEqual(["nginx", "side"]),
    },
    {
      name: "remove a field",
      patch: [{ op: "remove", path: "/metadata/labels/app" }],
      check: (o: any) => expect(o.metadata.labels).toEqual({}),
    },
    {
      name: "passing test then replace (kubectl's optimistic-lock idiom)",
      patch: [
        { op: "test", path: "/spec/replicas", value: 2 },
        { op: "replace", path: "/spec/replicas", value: 3 },
      ],
      check: (o: any) => expect(o.spec.replicas).toBe(3),
    },
    {
      name: "move and copy",
      patch: [
        { op: "copy", from: "/metadata/labels", path: "/metadata/annotations" },
        { op: "move", from: "/spec/replicas", path: "/spec/count" },
      ],
      check: (o: any) => {
        expect(o.metadata.annotations).toEqual({ app: "web" });
        expect(o.spec.count).toBe(2);
        expect(o.spec.replicas).toBeUndefined();
      },
    },
    {
      name: "empty patch",
      patch: [],
      check: (o: any) => expect(o).toEqual(deployment()),
    },
  ])("$name", ({ patch, check }) => {
    check(applyJsonPatch(deployment(), patch));
  });

  test.each([
    { name: "failed test", patch: [{ op: "test", path: "/spec/replicas", value: 9 }], message: "testing value /spec/replicas failed" },
    { name: "replace missing path", patch: [{ op: "replace", path: "/spec/paused", value: true }], message: 'doc is missing path: "/spec/paused"' },
    { name: "remove missing path", patch: [{ op: "remove", path: "/metadata/annotations" }], message: "missing value" },
    { name: "add under missing parent", patch: [{ op: "add", path: "/status/phase/x", value: 1 }], message: "doc is missing path" },
    { name: "array index out of bounds", patch: [{ op: "add", path: "/spec/template/spec/containers/5", value: {} }], message: "doc is missing path" },
    { name: "unknown op", patch: [{ op: "frobnicate", path: "/spec" }], message: "Unexpected kind: frobnicate" },
    { name: "path without slash", patch: [{ op: "add", path: "spec", value: 1 }], message: "JSON pointer" },
    { name: "missing value", patch: [{ op: "add", path: "/spec/x" }], message: '"value" is missing' },
    { name: "missing from", patch: [{ op: "move", path: "/spec/x" }], message: '"from" is missing' },
    { name: "missing from path", patch: [{ op: "move", from: "/nope", path: "/spec/x" }], message: 'missing from path: "/nope"' },
    { name: "prototype pollution", patch: [{ op: "add", path: "/__proto__/polluted", value: 1 }], message: "banned" },
    { name: "whole document replaced by a list", patch: [{ op: "replace", path: "", value: [1] }], message: "not a JSON object" },
    { name: "second operation fails", patch: [{ op: "replace", path: "/spec/replicas", value: 1 }, { op: "test", path: "/spec/replicas", value: 2 }], message: "test failed" },
  ])("inapplicable: $name → 422", ({ patch, message }) => {
    const error = catchPatchError(() => applyJsonPatch(deployment(), patch));
    expect(error.status).toBe(422);
    expect(error.reason).toBe("Invalid");
    expect(error.message).toContain(message);
  });

  test.each([
    { name: "object body", patch: { op: "add" } },
    { name: "null body", patch: null },
    { name: "operation not an object", patch: ["add"] },
  ])("unparseable: $name → 400", ({ patch }) => {
    const error = catchPatchError(() => applyJsonPatch(deployment(), patch));
    expect(error.status).toBe(400);
    expect(error.reason).toBe("BadRequest");
  });

  test("too many operations → 413", () => {
    const patch = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: "test", path: "/kind", value: "Deployment" }));
    expect(catchPatchError(() => applyJsonPatch(deployment(), patch)).status).toBe(413);
  });

  test("never mutates its inputs and shares nothing with them", () => {
    const original = deployment();
    const value = { name: "side", image: "busybox" };
    const patch = [
      { op: "add", path: "/spec/template/spec/containers/-", value },
      { op: "replace", path: "/spec/replicas", value: 7 },
    ];
    const frozenPatch = structuredClone(patch);
    const result = applyJsonPatch(original, patch) as any;
    expect(original).toEqual(deployment());
    expect(patch).toEqual(frozenPatch);
    result.spec.template.spec.containers[1].image = "changed";
    result.metadata.labels.app = "changed";
    expect(value.image).toBe("busybox");
    expect(original.metadata.labels.app).toBe("web");
  });
});

function catchPatchError(run: () => unknown): PatchError {
  try {
    run();
  } catch (error) {
    if (error instanceof PatchError) return error;
    throw error;
  }
  throw new Error("expected a PatchError");
}
