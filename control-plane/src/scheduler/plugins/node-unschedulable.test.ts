import { expect, test } from "bun:test";
import type { Toleration } from "../../../../schemas/index.ts";
import { makeNode, makePod } from "../builders.ts";
import { filterReasons, snapshotOf } from "../plugin-harness.ts";
import { create, ERR_REASON_UNSCHEDULABLE } from "./node-unschedulable.ts";

test.each<[string, boolean, Toleration[] | undefined, string]>([
  ["a schedulable node", false, undefined, ""],
  ["a cordoned node", true, undefined, ERR_REASON_UNSCHEDULABLE],
  ["a cordoned node, pod tolerates the cordon taint", true, [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }], ""],
  ["a cordoned node, pod tolerates everything", true, [{ operator: "Exists" }], ""],
  ["a cordoned node, pod tolerates something else", true, [{ key: "other", operator: "Exists" }], ERR_REASON_UNSCHEDULABLE],
])("%s", (_, unschedulable, tolerations, reason) => {
  const snapshot = snapshotOf([makeNode("n", { unschedulable })]);
  const pod = makePod("p", { spec: tolerations ? { tolerations } : {} });
  expect(filterReasons(create(), pod, snapshot)).toEqual({ n: reason });
});
