import { describe, expect, test } from "bun:test";
import type { Pod, ServiceObject } from "../endpoints/service-pods.ts";
import { MANAGED_BY, reconcileSlices, type Slice, type SliceEndpoint } from "./reconcile.ts";

type PodOptions = { ready?: boolean; terminating?: boolean; node?: string; port?: number; ips?: string[] };

const pod = (i: number, o: PodOptions = {}): Pod =>
  ({
    metadata: { name: `p${i}`, namespace: "ns", uid: `u${i}`, labels: { app: "web" }, ...(o.terminating ? { deletionTimestamp: "2025-01-01T00:00:00Z" } : {}) },
    spec: { containers: [{ name: "c", image: "x", ports: [{ name: "web", containerPort: o.port ?? 8080, protocol: "TCP" }] }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: "Running",
      podIP: o.ips?.[0] ?? `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      ...(o.ips ? { podIPs: o.ips.map((ip) => ({ ip })) } : {}),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  }) as unknown as Pod;

const service = (spec: Record<string, unknown> = {}): ServiceObject =>
  ({
    metadata: { name: "web", namespace: "ns", uid: "svc-uid", labels: { team: "edge" } },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "web", protocol: "TCP" }], ipFamilies: ["IPv4"], ...spec },
  }) as unknown as ServiceObject;

const noZone = () => undefined;
/** What the API would hand back: the plan's creates with names. */
const stored = (slices: Slice[]): Slice[] => slices.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}`, resourceVersion: "1" } }));
const ips = (s: Slice) => s.endpoints.map((e) => e.addresses[0]);

describe("reconcileSlices", () => {
  test("a new service's endpoints go into one slice with the service's labels, owner and conditions", () => {
    const plan = reconcileSlices(service(), [pod(1, { node: "n1" }), pod(2, { ready: false }), pod(3, { terminating: true })], [], (n) => (n === "n1" ? "zone-a" : undefined));
    expect(plan.update).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.create).toHaveLength(1);
    const slice = plan.create[0]!;
    expect(slice.metadata.labels).toEqual({ team: "edge", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": MANAGED_BY });
    expect(slice.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Service", name: "web", uid: "svc-uid", controller: true, blockOwnerDeletion: true }]);
    expect(slice.metadata.generateName).toBe("web-");
    expect(slice.addressType).toBe("IPv4");
    expect(slice.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    const conditions = Object.fromEntries(slice.endpoints.map((e) => [e.targetRef?.name, e.conditions]));
    expect(conditions).toEqual({
      p1: { ready: true, serving: true, terminating: false },
      p2: { ready: false, serving: false, terminating: false },
      p3: { ready: false, serving: true, terminating: true },
    });
    const first = slice.endpoints.find((e) => e.targetRef?.name === "p1") as SliceEndpoint;
    expect(first).toMatchObject({ nodeName: "n1", zone: "zone-a", addresses: ["10.244.0.2"] });
  });

  test("publishNotReadyAddresses makes every endpoint ready and serving", () => {
    const plan = reconcileSlices(service({ publishNotReadyAddresses: true }), [pod(1, { ready: false }), pod(2, { terminating: true })], [], noZone);
    expect(plan.create[0]!.endpoints.map((e) => e.conditions)).toEqual([
      { ready: true, serving: true, terminating: false },
      { ready: true, serving: true, terminating: true },
    ]);
  });

  test("at most 100 endpoints per slice", () => {
    const pods = Array.from({ length: 250 }, (_, i) => pod(i));
    const plan = reconcileSlices(service(), pods, [], noZone);
    expect(plan.create.map((s) => s.endpoints.length)).toEqual([100, 100, 50]);
  });

  test("pods whose named port resolves differently are in different slices", () => {
    const plan = reconcileSlices(service(), [pod(1, { port: 8080 }), pod(2, { port: 9090 }), pod(3, { port: 8080 })], [], noZone);
    expect(plan.create.map((s) => [s.ports![0]!.port, s.endpoints.length])).toEqual([
      [8080, 2],
      [9090, 1],
    ]);
  });

  test("dual-stack services get a slice per address type", () => {
    const plan = reconcileSlices(service({ ipFamilies: ["IPv4", "IPv6"] }), [pod(1, { ips: ["10.244.0.9", "fd00::9"] })], [], noZone);
    expect(plan.create.map((s) => [s.addressType, ips(s)])).toEqual([
      ["IPv4", ["10.244.0.9"]],
      ["IPv6", ["fd00::9"]],
    ]);
  });

  test("nothing changed: nothing written", () => {
    const pods = [pod(1), pod(2)];
    const existing = stored(reconcileSlices(service(), pods, [], noZone).create);
    expect(reconcileSlices(service(), pods, existing, noZone)).toEqual({ create: [], update: [], delete: [] });
  });

  test("a pod leaving and another arriving change the existing slice in place", () => {
    const existing = stored(reconcileSlices(service(), [pod(1), pod(2)], [], noZone).create);
    const plan = reconcileSlices(service(), [pod(2), pod(3, { ready: false })], existing, noZone);
    expect(plan.create).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0]!.metadata.name).toBe("web-0");
    expect(plan.update[0]!.endpoints.map((e) => e.targetRef?.name)).toEqual(["p2", "p3"]);
  });

  test("new endpoints fill slices with room before a new slice is made", () => {
    const existing = stored(reconcileSlices(service(), Array.from({ length: 150 }, (_, i) => pod(i)), [], noZone).create);
    expect(existing.map((s) => s.endpoints.length)).toEqual([100, 50]);
    const plan = reconcileSlices(service(), Array.from({ length: 170 }, (_, i) => pod(i)), existing, noZone);
    expect(plan.create).toEqual([]);
    expect(plan.update.map((s) => [s.metadata.name, s.endpoints.length])).toEqual([["web-1", 70]]);
  });

  test("no endpoints: one empty placeholder slice, the rest deleted", () => {
    const existing = stored(reconcileSlices(service(), [pod(1, { port: 8080 }), pod(2, { port: 9090 })], [], noZone).create);
    const plan = reconcileSlices(service(), [], existing, noZone);
    expect(plan.delete.map((s) => s.metadata.name)).toEqual(["web-0", "web-1"]);
    expect(plan.create).toHaveLength(1);
    expect(plan.create[0]).toMatchObject({ addressType: "IPv4", endpoints: [], ports: [] });
    // And the placeholder stays put.
    expect(reconcileSlices(service(), [], stored(plan.create), noZone)).toEqual({ create: [], update: [], delete: [] });
  });

  test("a change of the service's labels is written to its slices", () => {
    const existing = stored(reconcileSlices(service(), [pod(1)], [], noZone).create);
    const relabelled = service();
    relabelled.metadata.labels = { team: "core" };
    const plan = reconcileSlices(relabelled, [pod(1)], existing, noZone);
    expect(plan.update.map((s) => s.metadata.labels?.team)).toEqual(["core"]);
  });
});
