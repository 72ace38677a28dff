import { describe, expect, test } from "bun:test";
import type { Container, Pod } from "../../../schemas/index.ts";
import { makeNode, makePod } from "./builders.ts";
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, isScalarResourceName, nodeAllocatable, podRequests } from "./resources.ts";

const Mi = 2 ** 20;

const container = (name: string, cpu?: string, memory?: string, sidecar = false): Container => {
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  return { name, image: "x", resources: { requests }, ...(sidecar ? { restartPolicy: "Always" as const } : {}) };
};

const podWith = (containers: Container[], initContainers: Container[] = [], extra: Partial<Pod["spec"]> = {}): Pod =>
  makePod("p", { spec: { containers, initContainers, ...extra } });

describe("podRequests", () => {
  test.each<[string, Pod, number, number]>([
    ["one container", podWith([container("a", "100m", "64Mi")]), 100, 64 * Mi],
    ["containers add up", podWith([container("a", "100m", "64Mi"), container("b", "1.5", "1Gi")]), 1600, 64 * Mi + 1024 * Mi],
    ["an init container larger than the sum wins", podWith([container("a", "100m", "64Mi")], [container("i", "2", "32Mi")]), 2000, 64 * Mi],
    ["init containers take the max, not the sum", podWith([container("a", "100m")], [container("i", "500m"), container("j", "700m")]), 700, 0],
    // The sidecar runs beside the app (100m + 200m) and beside the later init container (200m + 500m).
    ["a sidecar adds to the app and to later init containers", podWith([container("a", "100m")], [container("s", "200m", undefined, true), container("j", "500m")]), 700, 0],
    ["a sidecar alone adds to the app", podWith([container("a", "100m")], [container("s", "200m", undefined, true)]), 300, 0],
    ["overhead comes on top", podWith([container("a", "100m", "64Mi")], [], { overhead: { cpu: "250m", memory: "120Mi" } }), 350, 184 * Mi],
    ["pod-level requests override the containers", podWith([container("a", "100m", "64Mi")], [], { resources: { requests: { cpu: "1" } } }), 1000, 64 * Mi],
    ["no requests", podWith([container("a")]), 0, 0],
  ])("%s", (_, pod, milliCpu, memory) => {
    const r = podRequests(pod);
    expect(r.milliCpu).toBe(milliCpu);
    expect(r.memory).toBe(memory);
  });

  test.each<[string, Pod, number, number]>([
    ["defaults for a BestEffort container", podWith([container("a")]), DEFAULT_MILLI_CPU_REQUEST, DEFAULT_MEMORY_REQUEST],
    ["a default per container missing the resource", podWith([container("a", "300m"), container("b")]), 300 + DEFAULT_MILLI_CPU_REQUEST, 2 * DEFAULT_MEMORY_REQUEST],
    ["explicit requests need no default", podWith([container("a", "300m", "1Gi")]), 300, 1024 * Mi],
  ])("non-zero: %s", (_, pod, milliCpu, memory) => {
    const r = podRequests(pod);
    expect(r.nonZeroMilliCpu).toBe(milliCpu);
    expect(r.nonZeroMemory).toBe(memory);
  });

  test("extended resources and ephemeral storage", () => {
    const pod = podWith([{ name: "a", resources: { requests: { "example.com/gpu": "2", "ephemeral-storage": "1Gi", "kubernetes.io/ignored": "1" } } }]);
    const r = podRequests(pod);
    expect(r.ephemeralStorage).toBe(1024 * Mi);
    expect([...(r.scalar ?? [])]).toEqual([["example.com/gpu", 2]]);
  });
});

describe("nodeAllocatable", () => {
  test("reads allocatable", () => {
    const a = nodeAllocatable(makeNode("n", { cpu: "3500m", memory: "8Gi", pods: 20, extra: { "example.com/gpu": 4 } }));
    expect(a).toEqual({ milliCpu: 3500, memory: 8 * 1024 * Mi, ephemeralStorage: 0, pods: 20, scalar: new Map([["example.com/gpu", 4]]) });
  });

  test("falls back to capacity", () => {
    const node = makeNode("n");
    node.status = { capacity: { cpu: "2", memory: "1Gi", pods: "10" } };
    expect(nodeAllocatable(node)).toMatchObject({ milliCpu: 2000, memory: 1024 * Mi, pods: 10 });
  });

  test("a node that reports nothing offers nothing", () => {
    const node = makeNode("n");
    delete node.status;
    expect(nodeAllocatable(node)).toMatchObject({ milliCpu: 0, memory: 0, pods: 0 });
  });
});

describe("isScalarResourceName", () => {
  test.each([
    ["example.com/gpu", true],
    ["hugepages-2Mi", true],
    ["attachable-volumes-csi-x", true],
    ["kubernetes.io/something", false],
    ["requests.example.com/gpu", false],
    ["cpu", false],
    ["pods", false],
  ])("%p → %p", (name, expected) => {
    expect(isScalarResourceName(name)).toBe(expected);
  });
});
