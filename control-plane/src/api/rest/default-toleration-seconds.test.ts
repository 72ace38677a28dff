import { expect, test } from "bun:test";
import { findResource } from "../../../../schemas/registry.ts";
import type { KubeObject } from "../../storage/store.ts";
import { addDefaultTolerations } from "./default-toleration-seconds.ts";
import { prepareForCreate } from "./strategy.ts";

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

test("pods get the cluster's seconds when they are created; other kinds nothing", () => {
  const pods = findResource("", "v1", "pods")!;
  const pod: KubeObject = { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "x" }] } };
  prepareForCreate(pods, pod, { defaultTolerationSeconds: { notReady: 30, unreachable: 900 } });
  expect((pod.spec as { tolerations: unknown[] }).tolerations).toEqual([
    { ...notReady, tolerationSeconds: 30 },
    { ...unreachable, tolerationSeconds: 900 },
  ]);
  const deployments = findResource("apps", "v1", "deployments")!;
  const deployment: KubeObject = { metadata: { name: "d" }, spec: { template: { spec: {} } } };
  prepareForCreate(deployments, deployment, { defaultTolerationSeconds: { notReady: 30, unreachable: 900 } });
  expect(deployment.spec).toEqual({ template: { spec: {} } });
});
