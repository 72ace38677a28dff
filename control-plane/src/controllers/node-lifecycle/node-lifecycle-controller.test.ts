// Node lifecycle and taint eviction against the in-process API. Nodes are
// Node objects and Leases; an "agent" is a loop in the test that renews its
// node's lease and reports Ready, as a node agent does. The grace period is
// shortened so a silent node is noticed in a moment; the eviction controller
// runs on a clock the test can move forward, so 300 s tolerations pass at once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { InformerFactory } from "../../../../client/informer-factory.ts";
import { type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { markPodReady } from "../replicaset/fake-kubelet.ts";
import { ReplicaSetController } from "../replicaset/replicaset-controller.ts";
import { asPod } from "../replicaset/types.ts";
import { runControllers } from "../runtime/controller.ts";
import { eventually, testCluster } from "../test-cluster.ts";
import { NodeLifecycleController } from "./node-lifecycle-controller.ts";
import { TaintEvictionController } from "./taint-eviction-controller.ts";

const namespaces = resourceOf("v1", "namespaces");
const nodes = resourceOf("v1", "nodes");
const leases = resourceOf("coordination.k8s.io/v1", "leases");
const replicasets = resourceOf("apps/v1", "replicasets");
const pods = resourceOf("v1", "pods");
const events = resourceOf("v1", "events");

let cluster: Awaited<ReturnType<typeof testCluster>>;
let stop: () => void;
/** How far the eviction controller's clock is ahead of the wall clock. */
let evictionClockOffset = 0;
const agents: (() => void)[] = [];

beforeAll(async () => {
  cluster = await testCluster();
  const controllers = [
    new NodeLifecycleController({ gracePeriodMs: 1_000, monitorPeriodMs: 25 }),
    new TaintEvictionController({ now: () => Date.now() + evictionClockOffset, evictionCheckMs: 25 }),
    new ReplicaSetController(),
  ];
  stop = await runControllers(controllers, { client: cluster.client, informers: new InformerFactory(cluster.client), log: () => {} });
  // A node that stays healthy throughout, so the cluster is never "all nodes down" (which halts evictions).
  await node("anchor");
  agent("anchor");
}, 60_000);
afterAll(async () => {
  for (const stopAgent of agents) stopAgent();
  stop();
  await cluster.close();
});

const micro = () => new Date().toISOString().replace("Z", "000Z");
const seconds = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

async function node(name: string): Promise<void> {
  await cluster.client.create(nodes, {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    status: {
      conditions: [
        { type: "Ready", status: "True", reason: "AgentReady", lastHeartbeatTime: seconds(), lastTransitionTime: seconds() },
        { type: "MemoryPressure", status: "False", reason: "AgentHasSufficientMemory", lastHeartbeatTime: seconds(), lastTransitionTime: seconds() },
      ],
    },
  });
  await cluster.client.create(leases, {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace: "kube-node-lease" },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() },
  });
}

/**
 * A node agent: renews the lease every 50 ms and reports `ready` whenever
 * the node says otherwise (as an agent whose link comes back overwrites the
 * controller's Unknown). Returns its stop function.
 */
function agent(name: string, ready: "True" | "False" = "True"): () => void {
  let running = true;
  const loop = async () => {
    while (running) {
      await cluster.client.patch(leases, "kube-node-lease", name, "merge", { spec: { renewTime: micro() } }).catch(() => undefined);
      const current = await cluster.client.get(nodes, undefined, name).catch(() => undefined);
      const conditions = ((current?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []);
      if (current && conditions.find((c) => c.type === "Ready")?.status !== ready) {
        const at = seconds();
        const next = conditions.map((c) =>
          c.type === "Ready" ? { ...c, status: ready, reason: ready === "True" ? "AgentReady" : "AgentNotReady", lastHeartbeatTime: at, lastTransitionTime: at } : { ...c, status: "False", lastHeartbeatTime: at },
        );
        await cluster.client.update(nodes, { ...current, status: { ...(current.status as object), conditions: next } }, { subresource: "status" }).catch(() => undefined);
      }
      await Bun.sleep(50);
    }
  };
  void loop();
  const stopAgent = () => {
    running = false;
  };
  agents.push(stopAgent);
  return stopAgent;
}

async function runningPod(ns: string, name: string, nodeName: string, tolerations?: object[]): Promise<void> {
  await cluster.client.create(pods, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns },
    spec: { nodeName, containers: [{ name: "c", image: "busybox" }], ...(tolerations ? { tolerations } : {}) },
  });
  const at = seconds();
  await cluster.client.patch(pods, ns, name, "merge", { status: { phase: "Running", podIP: "10.244.9.9", conditions: [{ type: "Ready", status: "True", lastTransitionTime: at }] } }, { subresource: "status" });
}

type Condition = { type: string; status: string; reason?: string; message?: string };
type Taint = { key: string; effect: string; timeAdded?: string };
const nodeState = async (name: string) => {
  const n = await cluster.client.get(nodes, undefined, name);
  return { conditions: ((n.status as { conditions?: Condition[] }).conditions ?? []), taints: ((n.spec as { taints?: Taint[] } | undefined)?.taints ?? []) };
};
const taintKeys = (taints: Taint[]) => taints.map((t) => `${t.key}:${t.effect}`).sort();

let counter = 0;
async function namespace(): Promise<string> {
  const name = `nl-${++counter}`;
  await cluster.client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
}

describe("node lifecycle", () => {
  test("a node whose lease stops goes Unknown and unreachable, its pods not ready; back again, the taints go", async () => {
    const ns = await namespace();
    await node("quiet");
    await runningPod(ns, "on-quiet", "quiet");
    await runningPod(ns, "on-anchor", "anchor");

    const state = await eventually("the quiet node to be unreachable", async () => {
      const s = await nodeState("quiet");
      return taintKeys(s.taints).includes("node.kubernetes.io/unreachable:NoExecute") ? s : undefined;
    });
    expect(state.conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    expect(state.conditions.find((c) => c.type === "MemoryPressure")?.status).toBe("Unknown");
    expect(state.conditions.find((c) => c.type === "DiskPressure")).toMatchObject({ status: "Unknown", reason: "NodeStatusNeverUpdated" });
    expect(taintKeys(state.taints)).toEqual(["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
    expect(state.taints.find((t) => t.effect === "NoExecute")?.timeAdded).toBeString();

    await eventually("its pod to be marked not ready", async () => {
      const pod = asPod(await cluster.client.get(pods, ns, "on-quiet"));
      return pod.status?.conditions?.find((c) => c.type === "Ready")?.status === "False";
    });
    const anchor = await nodeState("anchor");
    expect(anchor.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(anchor.taints).toEqual([]);
    expect(asPod(await cluster.client.get(pods, ns, "on-anchor")).status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    const notReady = (await cluster.client.list(events, { namespace: "default" })).items.filter((e) => e.reason === "NodeNotReady");
    expect(notReady.map((e) => e.message)).toContain("Node quiet status is now: NodeNotReady");

    // The link comes back: the agent renews and reports Ready, and the taints are removed.
    agent("quiet");
    await eventually("the quiet node to be ready and untainted", async () => {
      const s = await nodeState("quiet");
      return s.taints.length === 0 && s.conditions.find((c) => c.type === "Ready")?.status === "True";
    });
  });

  test("a node whose agent reports Ready=False gets the not-ready taints", async () => {
    await node("sick");
    agent("sick", "False");
    const state = await eventually("the not-ready taints", async () => {
      const s = await nodeState("sick");
      return taintKeys(s.taints).length === 2 ? s : undefined;
    });
    expect(taintKeys(state.taints)).toEqual(["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/not-ready:NoSchedule"]);
    expect(state.conditions.find((c) => c.type === "Ready")?.status).toBe("False");
  });
});

describe("taint eviction", () => {
  test("pods go after their tolerationSeconds (300 s by default), DaemonSet-style pods stay", async () => {
    evictionClockOffset = 0;
    const ns = await namespace();
    await node("lost");
    await runningPod(ns, "default", "lost");
    await runningPod(ns, "forever", "lost", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }]);
    await runningPod(ns, "short", "lost", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 }]);
    // The API gave the plain pod Kubernetes' default tolerations.
    const tolerations = asPod(await cluster.client.get(pods, ns, "default")).spec?.tolerations;
    expect(tolerations).toEqual([
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    ]);

    await eventually("the lost node to be tainted", async () => taintKeys((await nodeState("lost")).taints).includes("node.kubernetes.io/unreachable:NoExecute"));
    const deleting = async (name: string) => !!(await cluster.client.get(pods, ns, name)).metadata.deletionTimestamp;

    evictionClockOffset += 61_000;
    await eventually("the 60 s pod to be evicted", () => deleting("short"));
    expect(await deleting("default")).toBe(false);

    evictionClockOffset += 240_000;
    await eventually("the 300 s pod to be evicted", () => deleting("default"));
    // Evicted pods are deleted gracefully: the node's agent, when it returns, stops them.
    expect((await cluster.client.get(pods, ns, "default")).metadata.deletionGracePeriodSeconds).toBe(30);
    expect(await deleting("forever")).toBe(false);
    const evictions = (await cluster.client.list(events, { namespace: ns })).items.filter((e: KubeObject) => e.reason === "TaintManagerEviction");
    expect(evictions.map((e) => e.message).sort()).toEqual([`Marking for deletion Pod ${ns}/default`, `Marking for deletion Pod ${ns}/short`]);
  });

  test("a node that comes back in time cancels the evictions", async () => {
    evictionClockOffset = 0;
    const ns = await namespace();
    await node("flaky");
    await runningPod(ns, "survivor", "flaky");
    await eventually("the flaky node to be tainted", async () => taintKeys((await nodeState("flaky")).taints).includes("node.kubernetes.io/unreachable:NoExecute"));
    agent("flaky");
    await eventually("the taint to be gone", async () => (await nodeState("flaky")).taints.length === 0);
    evictionClockOffset += 3_600_000;
    // Another pod on a still-tainted node shows the eviction controller has moved on to the new time.
    await node("gone-for-good");
    await runningPod(ns, "victim", "gone-for-good", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 1 }]);
    await eventually("the victim on the other node to be evicted", async () => !!(await cluster.client.get(pods, ns, "victim")).metadata.deletionTimestamp);
    expect((await cluster.client.get(pods, ns, "survivor")).metadata.deletionTimestamp).toBeUndefined();
  });
});

describe("a node that comes back", () => {
  test("its pods are not duplicated: a ReplicaSet does not replace pods that were only unreachable", async () => {
    evictionClockOffset = 0;
    const ns = await namespace();
    await node("returning");
    const stopAgent = agent("returning");
    await cluster.client.create(replicasets, {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web", namespace: ns },
      spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
    });
    const [pod] = await eventually("the replica", async () => {
      const items = (await cluster.client.list(pods, { namespace: ns })).items;
      return items.length === 1 ? items : undefined;
    });
    const name = pod!.metadata.name ?? "";
    // The scheduler's and the agent's part.
    await cluster.client.create(pods, { apiVersion: "v1", kind: "Binding", metadata: { name, namespace: ns }, target: { kind: "Node", name: "returning" } }, { subresourceOf: name, subresource: "binding" });
    await markPodReady(cluster.client, ns, name);

    stopAgent();
    await eventually("the pod marked not ready on the unreachable node", async () => {
      const current = asPod(await cluster.client.get(pods, ns, name));
      return current.status?.conditions?.find((c) => c.type === "Ready")?.status === "False";
    });
    agent("returning");
    await eventually("the node back without taints", async () => (await nodeState("returning")).taints.length === 0);
    await eventually("the ReplicaSet to have seen its pod go unready", async () => {
      const rs = await cluster.client.get(replicasets, ns, "web");
      return (rs.status as { readyReplicas?: number; replicas?: number }).replicas === 1 && !(rs.status as { readyReplicas?: number }).readyReplicas;
    });
    const after = (await cluster.client.list(pods, { namespace: ns })).items;
    expect(after.map((p) => p.metadata.uid)).toEqual([pod!.metadata.uid]);
    expect(after[0]!.metadata.deletionTimestamp).toBeUndefined();
  });
});

describe("every node down at once", () => {
  // Last in the file: it silences every agent, the anchor's too.
  test("nodes go Unknown but no NoExecute taint is kept: nothing is evicted when the control plane is the one cut off", async () => {
    for (const stopAgent of agents) stopAgent();
    const all = async () => (await cluster.client.list(nodes)).items.map((n) => n.metadata.name ?? "");
    await eventually("every node Unknown, without NoExecute taints", async () => {
      for (const name of await all()) {
        const s = await nodeState(name);
        if (s.conditions.find((c) => c.type === "Ready")?.status !== "Unknown") return false;
        if (s.taints.some((t) => t.effect === "NoExecute")) return false;
      }
      return true;
    });
    // The NoSchedule taints stay: nothing new should land on nodes nobody hears from.
    expect(taintKeys((await nodeState("anchor")).taints)).toEqual(["node.kubernetes.io/unreachable:NoSchedule"]);
  });
});
