import { describe, expect, test } from "bun:test";
import type { Node, Pod } from "../../../schemas/index.ts";
import { makeNode, makePod } from "./builders.ts";
import { assignedPodUpdateMatters, nodeUpdateMatters, pendingPodUpdateMatters } from "./cluster-events.ts";

describe("nodeUpdateMatters", () => {
  const base = makeNode("n", { labels: { zone: "a" } });
  const heartbeat: Node = { ...base, status: { ...base.status, conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: "2024-01-01T00:00:01Z" }] } };
  test.each<[string, Node, boolean]>([
    ["a heartbeat", heartbeat, false],
    ["a label", makeNode("n", { labels: { zone: "b" } }), true],
    ["a taint", makeNode("n", { labels: { zone: "a" }, taints: [{ key: "k", effect: "NoSchedule" }] }), true],
    ["a cordon", makeNode("n", { labels: { zone: "a" }, unschedulable: true }), true],
    ["allocatable", makeNode("n", { labels: { zone: "a" }, cpu: "8" }), true],
  ])("%s: %p", (_, updated, expected) => {
    expect(nodeUpdateMatters(base, updated)).toBe(expected);
  });
});

describe("assignedPodUpdateMatters", () => {
  const base = makePod("p", { nodeName: "n", labels: { app: "web" } });
  test.each<[string, Pod, boolean]>([
    ["a status change within Running", { ...base, status: { phase: "Running", podIP: "10.0.0.1" } }, false],
    ["a label", makePod("p", { nodeName: "n", labels: { app: "api" } }), true],
    ["finishing", makePod("p", { nodeName: "n", labels: { app: "web" }, phase: "Succeeded" }), true],
    ["being deleted", { ...base, metadata: { ...base.metadata, deletionTimestamp: "2024-01-01T00:00:00Z" } }, true],
  ])("%s: %p", (_, updated, expected) => {
    expect(assignedPodUpdateMatters(base, updated)).toBe(expected);
  });
});

describe("pendingPodUpdateMatters", () => {
  const base = makePod("p");
  test.each<[string, Pod, boolean]>([
    ["the scheduler's own PodScheduled condition", { ...base, status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False" }] } }, false],
    ["a toleration", makePod("p", { spec: { tolerations: [{ operator: "Exists" }] } }), true],
    ["a label", makePod("p", { labels: { a: "b" } }), true],
    ["an annotation", makePod("p", { annotations: { "ledge.dev/runtime": "wasm" } }), true],
  ])("%s: %p", (_, updated, expected) => {
    expect(pendingPodUpdateMatters(base, updated)).toBe(expected);
  });
});
