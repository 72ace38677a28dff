import { expect, test } from "bun:test";
import { addDefaultTolerations } from "./default-toleration-seconds.ts";

const notReady = { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 };
const unreachable = { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 };

test.each([
  ["no tolerations: both added", undefined, [notReady, unreachable]],
  ["unrelated toleration kept, both added", [{ key: "gpu", operator: "Exists" }], [{ key: "gpu", operator: "Exists" }, notReady, unreachable]],
  [
    "an explicit unreachable toleration wins",
    [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }],
    [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }, notReady],
  ],
  ["tolerate-everything (empty key) covers both", [{ operator: "Exists" }], [{ operator: "Exists" }]],
  ["an empty effect covers NoExecute", [{ key: "node.kubernetes.io/not-ready", operator: "Exists" }], [{ key: "node.kubernetes.io/not-ready", operator: "Exists" }, unreachable]],
  [
    "a NoSchedule toleration does not cover NoExecute",
    [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" }],
    [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" }, notReady, unreachable],
  ],
])("%s", (_, tolerations, expected) => {
  const spec: Record<string, unknown> = tolerations ? { tolerations } : {};
  addDefaultTolerations(spec, { notReady: 300, unreachable: 300 });
  expect(spec.tolerations).toEqual(expected);
});

test("the seconds come from the cluster's configuration", () => {
  const spec: Record<string, unknown> = {};
  addDefaultTolerations(spec, { notReady: 60, unreachable: 3600 });
  expect(spec.tolerations).toEqual([
    { ...notReady, tolerationSeconds: 60 },
    { ...unreachable, tolerationSeconds: 3600 },
  ]);
});
