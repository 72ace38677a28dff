import { describe, expect, test } from "bun:test";
import type { Pod } from "../../../../schemas/index.ts";
import { makeNode, makePod } from "../builders.ts";
import { filterReasons, filterStatuses, scores, snapshotOf } from "../plugin-harness.ts";
import { create, ERR_REASON_INSUFFICIENT_CPU, ERR_REASON_INSUFFICIENT_MEMORY, ERR_REASON_TOO_MANY_PODS, leastRequestedScore, mostRequestedScore } from "./node-resources-fit.ts";

// A 2-cpu, 4Gi, 3-pod node already running 1 cpu and 1Gi in one pod.
const busyNode = () =>
  snapshotOf([makeNode("n", { cpu: "2", memory: "4Gi", pods: 3, extra: { "example.com/gpu": 1 } })], [makePod("running", { nodeName: "n", cpu: "1", memory: "1Gi" })]);

describe("filter", () => {
  test.each<[string, Pod, string]>([
    ["fits", makePod("p", { cpu: "500m", memory: "1Gi" }), ""],
    ["exactly fills the node", makePod("p", { cpu: "1", memory: "3Gi" }), ""],
    ["one millicore too many", makePod("p", { cpu: "1001m" }), ERR_REASON_INSUFFICIENT_CPU],
    ["too much memory", makePod("p", { memory: "3.5Gi" }), ERR_REASON_INSUFFICIENT_MEMORY],
    ["short of both: both reasons", makePod("p", { cpu: "2", memory: "8Gi" }), `${ERR_REASON_INSUFFICIENT_CPU}, ${ERR_REASON_INSUFFICIENT_MEMORY}`],
    ["no requests always fit the resources", makePod("p"), ""],
    [
      "an extended resource the node has",
      makePod("p", { spec: { containers: [{ name: "c", resources: { requests: { "example.com/gpu": "1" } } }] } }),
      "",
    ],
    [
      "an extended resource the node lacks",
      makePod("p", { spec: { containers: [{ name: "c", resources: { requests: { "example.com/fpga": "1" } } }] } }),
      "Insufficient example.com/fpga",
    ],
    [
      "the init container max rule",
      makePod("p", { spec: { initContainers: [{ name: "i", resources: { requests: { cpu: "1500m" } } }], containers: [{ name: "c", resources: { requests: { cpu: "100m" } } }] } }),
      ERR_REASON_INSUFFICIENT_CPU,
    ],
    ["overhead counts", makePod("p", { cpu: "900m", spec: { overhead: { cpu: "200m" } } }), ERR_REASON_INSUFFICIENT_CPU],
  ])("%s", (_, pod, reason) => {
    expect(filterReasons(create(), pod, busyNode())).toEqual({ n: reason });
  });

  test("the pod count is a resource too", () => {
    const snapshot = snapshotOf([makeNode("n", { pods: 2 })], [makePod("a", { nodeName: "n" }), makePod("b", { nodeName: "n" })]);
    expect(filterReasons(create(), makePod("p"), snapshot)).toEqual({ n: ERR_REASON_TOO_MANY_PODS });
  });

  test.each<[string, Pod, string]>([
    ["short now, would fit an empty node: preemption could help", makePod("p", { cpu: "1500m" }), "Unschedulable"],
    ["larger than the node itself: nothing helps", makePod("p", { cpu: "3" }), "UnschedulableAndUnresolvable"],
  ])("%s", (_, pod, code) => {
    expect(filterStatuses(create(), pod, busyNode()).get("n")?.code).toBe(code as "Unschedulable");
  });

  test("ignoredResources leaves an extended resource to others", () => {
    const pod = makePod("p", { spec: { containers: [{ name: "c", resources: { requests: { "example.com/fpga": "1" } } }] } });
    expect(filterReasons(create({ ignoredResources: ["example.com/fpga"] }), pod, busyNode())).toEqual({ n: "" });
  });
});

describe("score", () => {
  test.each([
    [0, 100, 100],
    [50, 100, 50],
    [100, 100, 0],
    [150, 100, 0],
    [1, 3, 66],
    [10, 0, 0],
  ])("leastRequestedScore(%p, %p) = %p", (requested, capacity, expected) => {
    expect(leastRequestedScore(requested, capacity)).toBe(expected);
  });

  test.each([
    [0, 100, 0],
    [50, 100, 50],
    [150, 100, 100],
  ])("mostRequestedScore(%p, %p) = %p", (requested, capacity, expected) => {
    expect(mostRequestedScore(requested, capacity)).toBe(expected);
  });

  test("LeastAllocated prefers the emptier node, averaging cpu and memory", () => {
    const snapshot = snapshotOf(
      [makeNode("empty", { cpu: "4", memory: "8Gi" }), makeNode("half", { cpu: "4", memory: "8Gi" })],
      [makePod("x", { nodeName: "half", cpu: "2", memory: "4Gi" })],
    );
    // empty: cpu (4000-1000)/4000 = 75, memory (8-2)/8 = 75; half: cpu 25, memory 25.
    expect(scores(create(), makePod("p", { cpu: "1", memory: "2Gi" }), snapshot)).toEqual({ empty: 75, half: 25 });
  });

  test("MostAllocated prefers the fuller node", () => {
    const snapshot = snapshotOf(
      [makeNode("empty", { cpu: "4", memory: "8Gi" }), makeNode("half", { cpu: "4", memory: "8Gi" })],
      [makePod("x", { nodeName: "half", cpu: "2", memory: "4Gi" })],
    );
    expect(scores(create({ scoringStrategy: "MostAllocated" }), makePod("p", { cpu: "1", memory: "2Gi" }), snapshot)).toEqual({ empty: 25, half: 75 });
  });

  test("a pod without requests is scored at the defaults (100m, 200Mi)", () => {
    const snapshot = snapshotOf([makeNode("n", { cpu: "1", memory: "1000Mi" })]);
    expect(scores(create(), makePod("p"), snapshot)).toEqual({ n: 85 });
  });
});
