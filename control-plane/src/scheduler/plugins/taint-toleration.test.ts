import { describe, expect, test } from "bun:test";
import type { Taint, Toleration } from "../../../../schemas/index.ts";
import { makeNode, makePod } from "../builders.ts";
import { filterReasons, filterStatuses, scores, snapshotOf } from "../plugin-harness.ts";
import { create } from "./taint-toleration.ts";

const unreachable: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute" };
const dedicated: Taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
const soft: Taint = { key: "spot", value: "true", effect: "PreferNoSchedule" };

describe("filter", () => {
  test.each<[string, Taint[], Toleration[] | undefined, string]>([
    ["no taints", [], undefined, ""],
    ["an untolerated NoExecute taint, with no value", [unreachable], undefined, "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"],
    ["an untolerated NoSchedule taint, with its value", [dedicated], undefined, "node(s) had untolerated taint {dedicated: gpu}"],
    ["a tolerated taint", [dedicated], [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }], ""],
    ["the first untolerated taint is named", [dedicated, unreachable], [{ key: "dedicated", operator: "Exists" }], "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"],
    ["PreferNoSchedule does not filter", [soft], undefined, ""],
  ])("%s", (_, taints, tolerations, reason) => {
    const snapshot = snapshotOf([makeNode("n", { taints })]);
    expect(filterReasons(create(), makePod("p", { spec: tolerations ? { tolerations } : {} }), snapshot)).toEqual({ n: reason });
  });

  test("the status is unresolvable: preemption cannot remove a taint", () => {
    const snapshot = snapshotOf([makeNode("n", { taints: [dedicated] })]);
    expect(filterStatuses(create(), makePod("p"), snapshot).get("n")?.code).toBe("UnschedulableAndUnresolvable");
  });
});

describe("score", () => {
  test.each<[string, Toleration[] | undefined, Record<string, number>]>([
    ["fewer untolerated PreferNoSchedule taints score higher", undefined, { clean: 100, one: 50, two: 0 }],
    ["tolerated soft taints do not count", [{ key: "spot", operator: "Exists", effect: "PreferNoSchedule" }], { clean: 100, one: 100, two: 0 }],
    ["a toleration without effect tolerates PreferNoSchedule too", [{ operator: "Exists" }], { clean: 100, one: 100, two: 100 }],
  ])("%s", (_, tolerations, expected) => {
    const snapshot = snapshotOf([
      makeNode("clean"),
      makeNode("one", { taints: [soft] }),
      makeNode("two", { taints: [soft, { key: "old", effect: "PreferNoSchedule" }] }),
    ]);
    expect(scores(create(), makePod("p", { spec: tolerations ? { tolerations } : {} }), snapshot)).toEqual(expected);
  });
});
