// metadata.generation as Kubernetes 1.32's registry strategies keep it: only
// Deployments, ReplicaSets, DaemonSets and EndpointSlices have one.
import { describe, expect, test } from "bun:test";
import { RESOURCES, type ResourceEntry } from "../../../../schemas/registry.ts";
import type { KubeObject } from "../../storage/store.ts";
import { prepareForCreate, prepareForUpdate } from "./strategy.ts";

const resource = (kind: string): ResourceEntry => RESOURCES.find((r) => r.kind === kind && r.plural !== "")!;

const WITH_GENERATION = ["Deployment", "ReplicaSet", "DaemonSet", "EndpointSlice"];
const WITHOUT_GENERATION = ["Namespace", "Pod", "Service", "Endpoints", "Node", "ConfigMap", "Secret", "Event", "ServiceAccount", "Lease", "RuntimeClass"];

const object = (kind: string, extra: Record<string, unknown> = {}): KubeObject => ({
  kind,
  metadata: { name: "x", generation: 7 },
  spec: { replicas: 1 },
  ...extra,
});

describe("create", () => {
  test.each(WITH_GENERATION)("%s starts at generation 1, whatever the request said", (kind) => {
    const created = object(kind);
    prepareForCreate(resource(kind), created);
    expect(created.metadata.generation).toBe(1);
  });

  test.each(WITHOUT_GENERATION)("%s has no generation", (kind) => {
    const created = object(kind);
    prepareForCreate(resource(kind), created);
    expect(created.metadata.generation).toBeUndefined();
  });
});

describe("update", () => {
  const update = (kind: string, old: KubeObject, next: KubeObject, subresource?: string): number | undefined => {
    prepareForUpdate(resource(kind), next, old, subresource);
    return next.metadata.generation;
  };
  const stored = (kind: string, extra: Record<string, unknown> = {}): KubeObject => ({ ...object(kind, extra), metadata: { name: "x", generation: 3 } });

  test.each(["Deployment", "ReplicaSet", "DaemonSet"])("%s: a spec change advances it; a status or metadata change, or a request, does not", (kind) => {
    expect(update(kind, stored(kind), { ...stored(kind), spec: { replicas: 2 } })).toBe(4);
    expect(update(kind, stored(kind), { ...stored(kind), metadata: { name: "x", generation: 9, labels: { a: "b" } } })).toBe(3);
    expect(update(kind, stored(kind), { ...stored(kind), spec: { replicas: 2 }, status: { replicas: 5 } }, "status")).toBe(3);
  });

  test("EndpointSlice: endpoints, ports or labels advance it; annotations do not", () => {
    const slice = (extra: Record<string, unknown> = {}) => stored("EndpointSlice", { spec: undefined, addressType: "IPv4", endpoints: [], ...extra });
    expect(update("EndpointSlice", slice(), slice({ endpoints: [{ addresses: ["10.0.0.1"] }] }))).toBe(4);
    expect(update("EndpointSlice", slice(), { ...slice(), metadata: { name: "x", labels: { a: "b" } } })).toBe(4);
    expect(update("EndpointSlice", slice(), { ...slice(), metadata: { name: "x", annotations: { a: "b" } } })).toBe(3);
  });

  test.each(WITHOUT_GENERATION)("%s keeps none, even when the request sets one", (kind) => {
    const old: KubeObject = { ...object(kind), metadata: { name: "x" } };
    expect(update(kind, old, { ...object(kind), spec: { replicas: 2 } })).toBeUndefined();
  });
});
