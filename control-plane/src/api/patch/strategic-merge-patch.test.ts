import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { applyMergePatch } from "./merge-patch.ts";
import { PatchError } from "./patch-error.ts";
import { deploymentSchema, podSchema, serviceSchema, widgetSchema } from "./schema-fixtures.ts";
import type { SchemaNode } from "./schema-node.ts";
import { applyStrategicMergePatch } from "./strategic-merge-patch.ts";

type Json = Record<string, unknown>;

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

function deployment(containers: Json[], extra: Json = {}): Json {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", annotations: { [LAST_APPLIED]: "{old}" } },
    spec: { replicas: 2, template: { metadata: { labels: { app: "web" } }, spec: { containers, ...extra } } },
  };
}

function podSpec(spec: Json): Json {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec };
}

function names(list: unknown): unknown[] {
  return (list as Json[]).map((item) => item.name);
}

interface Case {
  name: string;
  schema?: SchemaNode;
  original: Json;
  patch: Json;
  expected: Json;
}

// Patch bodies below are shaped the way kubectl 1.32 sends them.
const cases: Case[] = [
  {
    name: "kubectl apply: image change with $setElementOrder",
    schema: deploymentSchema,
    original: deployment([{ name: "a", image: "x:1", ports: [{ containerPort: 80, protocol: "TCP" }] }]),
    patch: {
      metadata: { annotations: { [LAST_APPLIED]: "{new}" } },
      spec: { template: { spec: { "$setElementOrder/containers": [{ name: "a" }], containers: [{ image: "x", name: "a" }] } } },
    },
    expected: {
      ...deployment([{ name: "a", image: "x", ports: [{ containerPort: 80, protocol: "TCP" }] }]),
      metadata: { name: "web", annotations: { [LAST_APPLIED]: "{new}" } },
    },
  },
  {
    name: "kubectl apply: append a container",
    schema: deploymentSchema,
    original: deployment([{ name: "a", image: "a" }]),
    patch: {
      spec: {
        template: {
          spec: { "$setElementOrder/containers": [{ name: "a" }, { name: "b" }], containers: [{ image: "b", name: "b" }] },
        },
      },
    },
    expected: deployment([{ name: "a", image: "a" }, { name: "b", image: "b" }]),
  },
  {
    name: "kubectl apply: insert a container first",
    schema: deploymentSchema,
    original: deployment([{ name: "a", image: "a" }]),
    patch: {
      spec: {
        template: {
          spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }], containers: [{ image: "b", name: "b" }] },
        },
      },
    },
    expected: deployment([{ name: "b", image: "b" }, { name: "a", image: "a" }]),
  },
  {
    name: "kubectl apply: remove a container",
    schema: deploymentSchema,
    original: deployment([{ name: "a", image: "a" }, { name: "b", image: "b" }]),
    patch: {
      spec: {
        template: { spec: { "$setElementOrder/containers": [{ name: "a" }], containers: [{ $patch: "delete", name: "b" }] } },
      },
    },
    expected: deployment([{ name: "a", image: "a" }]),
  },
  {
    name: "kubectl apply: remove an env var inside a container (nested directives)",
    schema: deploymentSchema,
    original: deployment([{ name: "app", image: "app", env: [{ name: "A", value: "1" }, { name: "B", value: "2" }] }]),
    patch: {
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "app" }],
            containers: [{ "$setElementOrder/env": [{ name: "A" }], env: [{ $patch: "delete", name: "B" }], name: "app" }],
          },
        },
      },
    },
    expected: deployment([{ name: "app", image: "app", env: [{ name: "A", value: "1" }] }]),
  },
  {
    name: "kubectl apply: reorder only; a server-only (injected) container keeps its slot",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "a" }, { name: "sidecar" }, { name: "b" }] }),
    patch: { spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }] } },
    expected: podSpec({ containers: [{ name: "sidecar" }, { name: "b" }, { name: "a" }] }),
  },
  {
    name: "kubectl apply: env var value moves to valueFrom (null + new map)",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "c", env: [{ name: "X", value: "1" }] }] }),
    patch: {
      spec: {
        "$setElementOrder/containers": [{ name: "c" }],
        containers: [
          {
            "$setElementOrder/env": [{ name: "X" }],
            env: [{ name: "X", value: null, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            name: "c",
          },
        ],
      },
    },
    expected: podSpec({ containers: [{ name: "c", env: [{ name: "X", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }] }] }),
  },
  {
    name: "kubectl set image: merge into one container, order kept",
    schema: deploymentSchema,
    original: deployment([{ name: "a", image: "a:1" }, { name: "b", image: "b:1" }]),
    patch: { spec: { template: { spec: { containers: [{ image: "b:2", name: "b" }] } } } },
    expected: deployment([{ name: "a", image: "a:1" }, { name: "b", image: "b:2" }]),
  },
  {
    name: "kubectl apply: remove one container, add another; a server-only sidecar stays before the new one",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "a" }, { name: "b" }, { name: "istio-proxy" }] }),
    patch: {
      spec: {
        "$setElementOrder/containers": [{ name: "a" }, { name: "c" }],
        containers: [{ image: "c", name: "c" }, { $patch: "delete", name: "b" }],
      },
    },
    expected: podSpec({ containers: [{ name: "a" }, { name: "istio-proxy" }, { name: "c", image: "c" }] }),
  },
  {
    name: "kubectl apply: add a container only; it goes before a server-only sidecar (as in Kubernetes)",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "a" }, { name: "istio-proxy" }] }),
    patch: { spec: { "$setElementOrder/containers": [{ name: "a" }, { name: "c" }], containers: [{ image: "c", name: "c" }] } },
    expected: podSpec({ containers: [{ name: "a" }, { name: "c", image: "c" }, { name: "istio-proxy" }] }),
  },
  {
    name: "kubectl patch: a new list item without $setElementOrder goes first (as in Kubernetes)",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "a" }, { name: "b" }] }),
    patch: { spec: { containers: [{ name: "c", image: "c" }] } },
    expected: podSpec({ containers: [{ name: "c", image: "c" }, { name: "a" }, { name: "b" }] }),
  },
  {
    name: "kubectl rollout restart: annotation on the pod template",
    schema: deploymentSchema,
    original: deployment([{ name: "a" }]),
    patch: { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z" } } } } },
    expected: {
      ...deployment([{ name: "a" }]),
      spec: {
        replicas: 2,
        template: {
          metadata: { labels: { app: "web" }, annotations: { "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z" } },
          spec: { containers: [{ name: "a" }] },
        },
      },
    },
  },
  {
    name: "container ports merge by containerPort",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "c", ports: [{ containerPort: 80, name: "http" }, { containerPort: 443 }] }] }),
    patch: { spec: { containers: [{ name: "c", ports: [{ containerPort: 80, name: "web" }] }] } },
    expected: podSpec({ containers: [{ name: "c", ports: [{ containerPort: 80, name: "web" }, { containerPort: 443 }] }] }),
  },
  {
    name: "volumes: $retainKeys clears the old volume source",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "c" }], volumes: [{ name: "data", emptyDir: {} }, { name: "tmp", emptyDir: {} }] }),
    patch: {
      spec: {
        "$setElementOrder/volumes": [{ name: "data" }, { name: "tmp" }],
        volumes: [{ $retainKeys: ["configMap", "name"], configMap: { name: "cfg" }, emptyDir: null, name: "data" }],
      },
    },
    expected: podSpec({ containers: [{ name: "c" }], volumes: [{ name: "data", configMap: { name: "cfg" } }, { name: "tmp", emptyDir: {} }] }),
  },
  {
    name: "deployment strategy: $retainKeys drops rollingUpdate when switching to Recreate",
    schema: deploymentSchema,
    original: { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } } } },
    patch: { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: null, type: "Recreate" } } },
    expected: { spec: { strategy: { type: "Recreate" } } },
  },
  {
    name: "finalizers: primitive merge list is a set; live items stay ahead of later patch items",
    schema: podSchema,
    original: { metadata: { finalizers: ["a", "b"] } },
    patch: { metadata: { finalizers: ["b", "c"] } },
    expected: { metadata: { finalizers: ["a", "b", "c"] } },
  },
  {
    name: "finalizers: $deleteFromPrimitiveList removes, $setElementOrder orders",
    schema: podSchema,
    original: { metadata: { finalizers: ["a", "b"] } },
    patch: {
      metadata: { "$deleteFromPrimitiveList/finalizers": ["a"], "$setElementOrder/finalizers": ["c", "b"], finalizers: ["c"] },
    },
    expected: { metadata: { finalizers: ["c", "b"] } },
  },
  {
    name: "$deleteFromPrimitiveList on a missing list does not create it",
    schema: podSchema,
    original: { metadata: { name: "x" } },
    patch: { metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } },
    expected: { metadata: { name: "x" } },
  },
  {
    name: "$deleteFromPrimitiveList also works on lists without the merge strategy",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "c", args: ["-a", "-b", "-c"] }] }),
    patch: { spec: { containers: [{ name: "c", "$deleteFromPrimitiveList/args": ["-b"] }] } },
    expected: podSpec({ containers: [{ name: "c", args: ["-a", "-c"] }] }),
  },
  {
    name: "$setElementOrder naming an item the list lacks is ignored",
    schema: podSchema,
    original: { metadata: { finalizers: ["a", "c"] } },
    patch: { metadata: { "$setElementOrder/finalizers": ["c", "b", "a"] } },
    expected: { metadata: { finalizers: ["c", "a"] } },
  },
  {
    name: "$setElementOrder for a list the object lacks",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "c" }] }),
    patch: { spec: { "$setElementOrder/volumes": [{ name: "v" }], volumes: [{ name: "v", emptyDir: {} }] } },
    expected: podSpec({ containers: [{ name: "c" }], volumes: [{ name: "v", emptyDir: {} }] }),
  },
  {
    name: "$setElementOrder on a list the schema does not merge: the patch list is the result",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "c" }], tolerations: [{ key: "a" }] }),
    patch: { spec: { "$setElementOrder/tolerations": [{ key: "b" }], tolerations: [{ key: "b" }] } },
    expected: podSpec({ containers: [{ name: "c" }], tolerations: [{ key: "b" }] }),
  },
  {
    name: "tolerations have no strategy: replaced",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "c" }], tolerations: [{ key: "a", operator: "Exists" }] }),
    patch: { spec: { tolerations: [{ key: "b", operator: "Exists" }] } },
    expected: podSpec({ containers: [{ name: "c" }], tolerations: [{ key: "b", operator: "Exists" }] }),
  },
  {
    name: "atomic map type still merges under strategic merge patch (only apply treats it atomically)",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "c" }], nodeSelector: { disk: "ssd" } }),
    patch: { spec: { nodeSelector: { zone: "a" } } },
    expected: podSpec({ containers: [{ name: "c" }], nodeSelector: { disk: "ssd", zone: "a" } }),
  },
  {
    name: "service ports: replace port 80 by 443 (merge key port, delete directive)",
    schema: serviceSchema,
    original: { spec: { ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }], selector: { app: "web" } } },
    patch: {
      spec: {
        "$setElementOrder/ports": [{ port: 443 }],
        ports: [{ port: 443, targetPort: 8443 }, { $patch: "delete", port: 80 }],
      },
    },
    expected: { spec: { ports: [{ port: 443, targetPort: 8443 }], selector: { app: "web" } } },
  },
  {
    name: "$patch: replace as a list item replaces the whole list",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "a", image: "a" }, { name: "b" }] }),
    patch: { spec: { containers: [{ name: "only", image: "x" }, { $patch: "replace" }] } },
    expected: podSpec({ containers: [{ name: "only", image: "x" }] }),
  },
  {
    name: "$patch: replace on a map",
    schema: podSchema,
    original: { metadata: { labels: { a: "1", b: "2" } } },
    patch: { metadata: { labels: { $patch: "replace", c: "3" } } },
    expected: { metadata: { labels: { c: "3" } } },
  },
  {
    name: "$patch: delete on a map empties it",
    schema: podSchema,
    original: { metadata: { name: "x", annotations: { a: "1" } } },
    patch: { metadata: { annotations: { $patch: "delete" } } },
    expected: { metadata: { name: "x", annotations: {} } },
  },
  {
    name: "$patch: delete on a map the object lacks adds nothing",
    schema: podSchema,
    original: { metadata: { name: "x" } },
    patch: { metadata: { labels: { $patch: "delete" } } },
    expected: { metadata: { name: "x" } },
  },
  {
    name: "$patch: replace on a map the object lacks sets it",
    schema: podSchema,
    original: { metadata: { name: "x" } },
    patch: { metadata: { labels: { $patch: "replace", a: "1" } } },
    expected: { metadata: { name: "x", labels: { a: "1" } } },
  },
  {
    name: "null deletes; null for an absent field is dropped, also inside new values",
    schema: podSchema,
    original: { metadata: { name: "x", labels: { a: "1", b: "2" } } },
    patch: { metadata: { labels: { a: null, z: null }, annotations: { keep: "1", drop: null } } },
    expected: { metadata: { name: "x", labels: { b: "2" }, annotations: { keep: "1" } } },
  },
  {
    name: "directives inside a new list item are resolved, not stored",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "a" }] }),
    patch: {
      spec: {
        "$setElementOrder/containers": [{ name: "a" }, { name: "b" }],
        containers: [{ name: "b", env: [{ name: "X", value: "1" }, { $patch: "delete", name: "Y" }], image: null }],
      },
    },
    expected: podSpec({ containers: [{ name: "a" }, { name: "b", env: [{ name: "X", value: "1" }] }] }),
  },
  {
    name: "unknown fields (preserve-unknown-fields) use merge-patch semantics: maps merge, lists replace",
    schema: widgetSchema,
    original: { spec: { size: 1, tags: ["a", "b"], nested: { keep: true, change: 1 } } },
    patch: { spec: { tags: ["c"], nested: { change: 2, gone: null } } },
    expected: { spec: { size: 1, tags: ["c"], nested: { keep: true, change: 2 } } },
  },
  {
    name: "no schema at all: merge-patch semantics with directives honoured",
    original: { spec: { items: [{ name: "a" }], m: { a: 1, b: 2 } } },
    patch: { spec: { items: [{ name: "b" }], m: { $patch: "replace", c: 3 } } },
    expected: { spec: { items: [{ name: "b" }], m: { c: 3 } } },
  },
  {
    name: "type change: a scalar replaced by a map",
    schema: podSchema,
    original: { metadata: { labels: "oops" } },
    patch: { metadata: { labels: { a: "1" } } },
    expected: { metadata: { labels: { a: "1" } } },
  },
  {
    name: "merge into a duplicated key touches the first entry only",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "a", image: "1" }, { name: "a", image: "2" }] }),
    patch: { spec: { containers: [{ name: "a", image: "3" }] } },
    expected: podSpec({ containers: [{ name: "a", image: "3" }, { name: "a", image: "2" }] }),
  },
  {
    name: "delete directive removes every duplicate",
    schema: podSchema,
    original: podSpec({ containers: [{ name: "a", image: "1" }, { name: "b" }, { name: "a", image: "2" }] }),
    patch: { spec: { containers: [{ $patch: "delete", name: "a" }] } },
    expected: podSpec({ containers: [{ name: "b" }] }),
  },
  {
    name: "ownerReferences merge by uid",
    schema: podSchema,
    original: { metadata: { ownerReferences: [{ apiVersion: "v1", kind: "A", name: "a", uid: "1" }] } },
    patch: { metadata: { ownerReferences: [{ apiVersion: "v1", kind: "A", name: "a", uid: "1", controller: true }] } },
    expected: { metadata: { ownerReferences: [{ apiVersion: "v1", kind: "A", name: "a", uid: "1", controller: true }] } },
  },
  {
    name: "$patch: merge is accepted as the default behaviour",
    schema: podSchema,
    original: { metadata: { labels: { a: "1" } } },
    patch: { metadata: { labels: { $patch: "merge", b: "2" } } },
    expected: { metadata: { labels: { a: "1", b: "2" } } },
  },
  {
    name: "top-level $patch: delete empties the object",
    schema: podSchema,
    original: { metadata: { name: "x" } },
    patch: { $patch: "delete" },
    expected: {},
  },
];

describe("applyStrategicMergePatch", () => {
  test.each(cases)("$name", ({ schema, original, patch, expected }) => {
    expect(applyStrategicMergePatch(original, patch, schema)).toEqual(expected);
  });

  test("replace strategy on a map replaces it", () => {
    const schema: SchemaNode = {
      type: "object",
      properties: { spec: { type: "object", properties: { selector: { type: "object", "x-kubernetes-patch-strategy": "replace" } } } },
    };
    const result = applyStrategicMergePatch({ spec: { selector: { a: "1" } } }, { spec: { selector: { b: "2" } } }, schema);
    expect(result).toEqual({ spec: { selector: { b: "2" } } });
  });

  test("a schema combined with allOf/anyOf is looked through", () => {
    const list = { type: "array", items: { type: "object", properties: { name: { type: "string" } } }, "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name" };
    const schema: SchemaNode = {
      allOf: [{ type: "object", properties: { spec: { anyOf: [{ type: "null" }, { type: "object", properties: { items: list } }] } } }],
    };
    const result = applyStrategicMergePatch(
      { spec: { items: [{ name: "a", v: 1 }] } },
      { spec: { items: [{ name: "a", w: 2 }] } },
      schema,
    );
    expect(result).toEqual({ spec: { items: [{ name: "a", v: 1, w: 2 }] } });
  });

  test("patch items keep the patch's order; server items slot in before the first later live item", () => {
    const result = applyStrategicMergePatch(
      podSpec({ containers: [{ name: "a" }, { name: "b" }] }),
      { spec: { containers: [{ name: "d" }, { name: "b", image: "b" }, { name: "c" }] } },
      podSchema,
    );
    expect(names((result.spec as Json).containers)).toEqual(["d", "a", "b", "c"]);
  });

  test.each([
    {
      name: "missing merge key",
      patch: { spec: { containers: [{ image: "x" }] } },
      status: 422,
      message: "does not contain declared merge key: name",
    },
    {
      name: "$setElementOrder disagrees with the patch list",
      patch: { spec: { "$setElementOrder/containers": [{ name: "a" }, { name: "b" }], containers: [{ name: "b" }, { name: "a" }] } },
      status: 422,
      message: "doesn't match $setElementOrder list",
    },
    {
      name: "$retainKeys missing a patched key",
      patch: { spec: { volumes: [{ name: "v", $retainKeys: ["name"], emptyDir: {} }] } },
      status: 422,
      message: "doesn't match retainKeys list",
    },
    { name: "$retainKeys not a list", patch: { spec: { $retainKeys: "x" } }, status: 400, message: "retainKeys" },
    { name: "$setElementOrder not a list", patch: { spec: { "$setElementOrder/containers": {} } }, status: 400, message: "setElementOrder" },
    { name: "$deleteFromPrimitiveList not a list", patch: { spec: { "$deleteFromPrimitiveList/x": "a" } }, status: 400, message: "primitive list" },
    { name: "unknown directive", patch: { metadata: { labels: { $patch: "explode" } } }, status: 400, message: "unknown patch type: explode" },
    { name: "list of lists", patch: { metadata: { finalizers: [["a"]] } }, status: 422, message: "lists of lists" },
    { name: "mixed element types", patch: { metadata: { finalizers: [{ a: 1 }] } }, status: 422, message: "not identical" },
  ])("rejects $name with $status", ({ patch, status, message }) => {
    const original = { metadata: { finalizers: ["x"] }, spec: { containers: [{ name: "a" }, { name: "b" }] } };
    let error: unknown;
    try {
      applyStrategicMergePatch(original, patch, podSchema);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PatchError);
    expect((error as PatchError).status).toBe(status);
    expect((error as PatchError).message).toContain(message);
  });

  test("a body that is not an object → 400", () => {
    expect(() => applyStrategicMergePatch({}, [1], podSchema)).toThrow(PatchError);
  });

  test("never mutates inputs and shares nothing with them", () => {
    const original = deployment([{ name: "a", image: "a", env: [{ name: "X", value: "1" }] }]);
    const originalCopy = structuredClone(original);
    const patch = {
      spec: { template: { spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }], containers: [{ name: "b", env: [{ name: "Y" }] }] } } },
    };
    const patchCopy = structuredClone(patch);
    const result = applyStrategicMergePatch(original, patch, deploymentSchema) as any;
    expect(original).toEqual(originalCopy);
    expect(patch).toEqual(patchCopy);
    result.spec.template.spec.containers[0].env[0].name = "changed";
    result.spec.template.spec.containers[1].env[0].value = "changed";
    result.metadata.name = "changed";
    expect(patch).toEqual(patchCopy);
    expect(original).toEqual(originalCopy);
  });
});

describe("applyStrategicMergePatch without a schema", () => {
  // Objects whose lists hold only scalars: there the two patch types must agree.
  const key = fc.constantFrom("a", "b", "c", "d");
  const scalar = fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.boolean());
  const { tree } = fc.letrec<{ tree: Json; value: unknown }>((tie) => ({
    tree: fc.dictionary(key, tie("value"), { maxKeys: 4 }),
    value: fc.oneof({ depthSize: "small" }, scalar, fc.constant(null), fc.array(scalar, { maxLength: 3 }), tie("tree")),
  }));

  test("is JSON merge patch when the patch has no directives", () => {
    fc.assert(
      fc.property(tree, tree, (original, patch) => {
        expect(applyStrategicMergePatch(original, patch)).toEqual(applyMergePatch(original, patch));
      }),
      { numRuns: 300 },
    );
  });
});
