import { describe, expect, test } from "bun:test";
import type { Pod } from "../replicaset/types.ts";
import type { DaemonSet, NodeObject } from "./daemon-pods.ts";
import { computeStatus, planManage, planRollingUpdate, scaledValue, updateBudget } from "./plan.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

const node = (name: string, taints: { key: string; effect: string }[] = []): NodeObject => ({ metadata: { name }, spec: { taints } }) as unknown as NodeObject;

interface PodOptions {
  hash?: string;
  ready?: boolean;
  readySince?: number;
  phase?: string;
  age?: number;
  terminating?: boolean;
  bound?: boolean;
}

let podCounter = 0;
const pod = (nodeName: string, o: PodOptions = {}): Pod =>
  ({
    metadata: {
      name: `p${++podCounter}`,
      namespace: "ns",
      uid: `u${podCounter}`,
      creationTimestamp: iso(NOW - (o.age ?? 60) * 1000),
      labels: { app: "d", "controller-revision-hash": o.hash ?? "new" },
      ...(o.terminating ? { deletionTimestamp: iso(NOW) } : {}),
    },
    spec: { containers: [], ...(o.bound === false ? {} : { nodeName }) },
    status: {
      phase: o.phase ?? "Running",
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True", lastTransitionTime: iso(o.readySince ?? NOW - 3_600_000) }],
    },
  }) as unknown as Pod;

const ds = (strategy: Record<string, unknown> = {}, minReadySeconds = 0): DaemonSet =>
  ({
    metadata: { name: "d", namespace: "ns", generation: 3 },
    spec: {
      selector: { matchLabels: { app: "d" } },
      template: { metadata: { labels: { app: "d" } }, spec: { containers: [] } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 }, ...strategy },
      minReadySeconds,
    },
  }) as unknown as DaemonSet;

const byNode = (...entries: [string, Pod[]][]) => new Map(entries);
const names = (pods: { pod: Pod }[]) => pods.map((p) => p.pod.metadata.name);

describe("planManage", () => {
  test("creates on nodes without a pod, leaves nodes with one alone", () => {
    const a = pod("a");
    const plan = planManage(ds(), [node("a"), node("b"), node("c")], byNode(["a", [a]]), "new");
    expect(plan.create).toEqual(["b", "c"]);
    expect(plan.delete).toEqual([]);
  });

  test("deletes all but the oldest of several pods on a node", () => {
    const old = pod("a", { age: 600 });
    const young = pod("a", { age: 10 });
    const plan = planManage(ds(), [node("a")], byNode(["a", [young, old]]), "new");
    expect(names(plan.delete)).toEqual([young.metadata.name]);
  });

  test("deletes pods from nodes that must not run them, and unbound pods meant for vanished nodes", () => {
    const tainted = pod("t");
    const orphan = pod("gone", { bound: false });
    const boundOrphan = pod("gone2");
    const plan = planManage(ds(), [node("t", [{ key: "x", effect: "NoExecute" }])], byNode(["t", [tainted]], ["gone", [orphan]], ["gone2", [boundOrphan]]), "new");
    expect(names(plan.delete)).toEqual([tainted.metadata.name, orphan.metadata.name]);
    expect(plan.create).toEqual([]);
  });

  test("an untolerated NoSchedule taint keeps the running pod and starts none", () => {
    const running = pod("t");
    expect(planManage(ds(), [node("t", [{ key: "x", effect: "NoSchedule" }]), node("u", [{ key: "x", effect: "NoSchedule" }])], byNode(["t", [running]]), "new")).toEqual({ create: [], delete: [] });
  });

  test("a failed pod is deleted (and replaced by a later sync), unless its node is in back-off", () => {
    const failed = pod("a", { phase: "Failed" });
    const plan = planManage(ds(), [node("a")], byNode(["a", [failed]]), "new");
    expect(plan.delete).toEqual([{ pod: failed, failed: true }]);
    expect(planManage(ds(), [node("a")], byNode(["a", [failed]]), "new", () => true).delete).toEqual([]);
  });

  test("terminating pods are neither counted as surplus nor deleted again", () => {
    const going = pod("a", { terminating: true });
    const plan = planManage(ds(), [node("a")], byNode(["a", [going]]), "new");
    expect(plan).toEqual({ create: [], delete: [] });
  });

  test("with surge, a node keeps its oldest new and oldest old pod", () => {
    const oldest = pod("a", { hash: "old", age: 900 });
    const olderNew = pod("a", { age: 100 });
    const extraOld = pod("a", { hash: "old", age: 50 });
    const extraNew = pod("a", { age: 10 });
    const plan = planManage(ds({ rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }), [node("a")], byNode(["a", [extraNew, extraOld, olderNew, oldest]]), "new");
    expect(names(plan.delete).sort()).toEqual([extraOld.metadata.name, extraNew.metadata.name].sort());
  });
});

describe("planRollingUpdate", () => {
  const nodes = ["a", "b", "c", "d"].map((n) => node(n));

  test("maxUnavailable 1: one available old pod at a time", () => {
    const pods = byNode(...nodes.map((n): [string, Pod[]] => [n.metadata.name!, [pod(n.metadata.name!, { hash: "old" })]]));
    const plan = planRollingUpdate(ds(), nodes, pods, "new", NOW);
    expect(plan.create).toEqual([]);
    expect(plan.delete).toHaveLength(1);
  });

  test("maxUnavailable counts nodes already down: a replaced pod not yet available blocks the next", () => {
    const pods = byNode(["a", [pod("a", { ready: false })]], ["b", [pod("b", { hash: "old" })]], ["c", [pod("c", { hash: "old" })]]);
    expect(planRollingUpdate(ds(), nodes.slice(0, 3), pods, "new", NOW).delete).toEqual([]);
  });

  test("old pods that are not available are replaced regardless of the budget", () => {
    const broken = pod("a", { hash: "old", ready: false });
    const pods = byNode(["a", [broken]], ["b", [pod("b", { hash: "old" })]], ["c", [pod("c", { hash: "old" })]]);
    const plan = planRollingUpdate(ds(), nodes.slice(0, 3), pods, "new", NOW);
    expect(names(plan.delete)[0]).toBe(broken.metadata.name);
    expect(plan.delete).toHaveLength(2);
  });

  test("a percentage is of the nodes that should run the daemon, rounded up", () => {
    const pods = byNode(...nodes.map((n): [string, Pod[]] => [n.metadata.name!, [pod(n.metadata.name!, { hash: "old" })]]));
    expect(planRollingUpdate(ds({ rollingUpdate: { maxUnavailable: "50%" } }), nodes, pods, "new", NOW).delete).toHaveLength(2);
  });

  test("minReadySeconds: a new pod ready for less than that is not yet available", () => {
    const pods = byNode(["a", [pod("a", { readySince: NOW - 5_000 })]], ["b", [pod("b", { hash: "old" })]]);
    expect(planRollingUpdate(ds({}, 30), nodes.slice(0, 2), pods, "new", NOW).delete).toEqual([]);
    expect(planRollingUpdate(ds({}, 3), nodes.slice(0, 2), pods, "new", NOW).delete).toHaveLength(1);
  });

  test("maxSurge: new pods start beside old ones, and an old one goes once its replacement is available", () => {
    const surge = ds({ rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const fresh = byNode(["a", [pod("a", { hash: "old" })]], ["b", [pod("b", { hash: "old" })]]);
    expect(planRollingUpdate(surge, nodes.slice(0, 2), fresh, "new", NOW)).toEqual({ create: ["a"], delete: [] });

    const waiting = byNode(["a", [pod("a", { hash: "old" }), pod("a", { ready: false })]], ["b", [pod("b", { hash: "old" })]]);
    expect(planRollingUpdate(surge, nodes.slice(0, 2), waiting, "new", NOW)).toEqual({ create: [], delete: [] });

    const oldA = pod("a", { hash: "old" });
    const done = byNode(["a", [oldA, pod("a")]], ["b", [pod("b", { hash: "old" })]]);
    const plan = planRollingUpdate(surge, nodes.slice(0, 2), done, "new", NOW);
    expect(names(plan.delete)).toEqual([oldA.metadata.name]);
    expect(plan.create).toEqual(["b"]);
  });
});

test.each<[number | string | undefined, number, number]>([
  [1, 10, 1],
  ["10%", 10, 1],
  ["15%", 10, 2],
  ["100%", 3, 3],
  ["0%", 10, 0],
  [undefined, 10, 0],
])("scaledValue(%p of %d) = %d", (value, total, expected) => {
  expect(scaledValue(value, total)).toBe(expected);
});

test("neither surge nor unavailability would never progress: one unavailable is allowed", () => {
  expect(updateBudget(ds({ rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }), 5)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  expect(updateBudget(ds({ type: "OnDelete", rollingUpdate: { maxSurge: 2 } }), 5)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
});

test("status counts desired, current, ready, available, updated and misscheduled nodes", () => {
  const nodes = [node("a"), node("b"), node("c"), node("tainted", [{ key: "x", effect: "NoSchedule" }])];
  const pods = byNode(
    ["a", [pod("a")]],
    ["b", [pod("b", { hash: "old", ready: false })]],
    ["tainted", [pod("tainted")]],
  );
  expect(computeStatus(ds({}, 0), nodes, pods, "new", NOW, 3)).toEqual({
    desiredNumberScheduled: 3,
    currentNumberScheduled: 2,
    numberReady: 1,
    numberAvailable: 1,
    numberUnavailable: 2,
    updatedNumberScheduled: 1,
    numberMisscheduled: 1,
    observedGeneration: 3,
  });
});
