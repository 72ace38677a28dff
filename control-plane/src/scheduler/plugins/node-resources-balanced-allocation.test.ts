import { expect, test } from "bun:test";
import { makeNode, makePod } from "../builders.ts";
import { scores, snapshotOf } from "../plugin-harness.ts";
import { balancedScore, create } from "./node-resources-balanced-allocation.ts";

test.each([
  [0.5, 0.5, 100],
  [0.2, 0.6, 80],
  [0, 1, 50],
  [1.5, 0.5, 75],
])("balancedScore(%p, %p) = %p", (cpu, memory, expected) => {
  expect(balancedScore(cpu, memory)).toBe(expected);
});

test("prefers the node whose cpu and memory end up equally used", () => {
  const snapshot = snapshotOf(
    [makeNode("cpu-heavy", { cpu: "4", memory: "8Gi" }), makeNode("even", { cpu: "4", memory: "8Gi" })],
    [makePod("x", { nodeName: "cpu-heavy", cpu: "2" }), makePod("y", { nodeName: "even", cpu: "1", memory: "2Gi" })],
  );
  // After placing 1 cpu + 2Gi: cpu-heavy is 75% cpu / 25% memory (score 75), even is 50% / 50% (100).
  expect(scores(create(), makePod("p", { cpu: "1", memory: "2Gi" }), snapshot)).toEqual({ "cpu-heavy": 75, even: 100 });
});

test("a BestEffort pod is not scored", () => {
  expect(scores(create(), makePod("p"), snapshotOf([makeNode("n")]))).toBeUndefined();
});
