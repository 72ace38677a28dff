// The DaemonSet controller against the in-process API. Nodes are Node
// objects; the scheduler's binding and the agent's readiness report are
// played by the test through the binding and status subresources.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { InformerFactory } from "../../../../client/informer-factory.ts";
import { type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { markPodReady } from "../replicaset/fake-kubelet.ts";
import { asPod } from "../replicaset/types.ts";
import { runControllers } from "../runtime/controller.ts";
import { eventually, testCluster } from "../test-cluster.ts";
import { targetNodeName } from "./daemon-pods.ts";
import { DaemonSetController } from "./daemonset-controller.ts";

const namespaces = resourceOf("v1", "namespaces");
const nodes = resourceOf("v1", "nodes");
const pods = resourceOf("v1", "pods");
const daemonsets = resourceOf("apps/v1", "daemonsets");
const events = resourceOf("v1", "events");

let cluster: Awaited<ReturnType<typeof testCluster>>;
let stop: () => void;
beforeAll(async () => {
  cluster = await testCluster();
  stop = await runControllers([new DaemonSetController()], { client: cluster.client, informers: new InformerFactory(cluster.client), log: () => {} });
}, 60_000);
afterAll(async () => {
  stop();
  await cluster.close();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

async function namespace(): Promise<string> {
  const name = unique("ds");
  await cluster.client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
}

/** Every test gets its own nodes (label fleet=<name>), and its DaemonSet selects only those. */
async function node(fleet: string, labels: Record<string, string> = {}, taints: object[] = []): Promise<string> {
  const name = unique("edge");
  await cluster.client.create(nodes, {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { fleet, ...labels } },
    spec: { taints },
    status: { conditions: [{ type: "Ready", status: "True" }], capacity: { cpu: "2", memory: "2Gi", pods: "110" } },
  });
  return name;
}

const daemonSet = (ns: string, fleet: string, strategy: object = {}, image = "agent:1"): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "agent", namespace: ns },
  spec: {
    selector: { matchLabels: { app: "agent" } },
    updateStrategy: strategy,
    template: { metadata: { labels: { app: "agent" } }, spec: { nodeSelector: { fleet }, containers: [{ name: "agent", image }] } },
  },
});

const daemonPods = async (ns: string) =>
  (await cluster.client.list(pods, { namespace: ns })).items.map(asPod).filter((p) => !p.metadata.deletionTimestamp);

/** The scheduler's and the agents' part: bind each pending daemon pod to its node and report it ready. */
async function scheduleAndRun(ns: string): Promise<void> {
  for (const pod of await daemonPods(ns)) {
    if (!pod.spec?.nodeName) {
      await cluster.client.create(
        pods,
        { apiVersion: "v1", kind: "Binding", metadata: { name: pod.metadata.name, namespace: ns }, target: { kind: "Node", name: targetNodeName(pod) } },
        { subresourceOf: pod.metadata.name, subresource: "binding" },
      );
    }
    const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (!ready) await markPodReady(cluster.client, ns, pod.metadata.name ?? "");
  }
}

/** Agents finish deleting what the controller deleted (a pod on a node waits for its agent). */
async function finishDeletions(ns: string): Promise<void> {
  for (const pod of (await cluster.client.list(pods, { namespace: ns })).items) {
    if (pod.metadata.deletionTimestamp) await cluster.client.delete(pods, ns, pod.metadata.name ?? "", { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}

type Status = Record<string, number>;
const statusOf = async (ns: string) => ((await cluster.client.get(daemonsets, ns, "agent")).status ?? {}) as Status;

describe("daemonset controller", () => {
  test("one pod per eligible node, pinned by node affinity, with the default tolerations, and status", async () => {
    const ns = await namespace();
    const fleet = unique("fleet");
    const [a, b] = [await node(fleet), await node(fleet)];
    await node("other-fleet");
    await node(fleet, {}, [{ key: "dedicated", value: "x", effect: "NoSchedule" }]);
    await cluster.client.create(daemonsets, daemonSet(ns, fleet));

    const created = await eventually("a pod on each eligible node", async () => {
      const list = await daemonPods(ns);
      return list.length === 2 ? list : undefined;
    });
    expect(created.map(targetNodeName).sort()).toEqual([a, b].sort());
    const pod = created[0]!;
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(pod.metadata.labels?.["controller-revision-hash"]).toBeString();
    expect(pod.metadata.ownerReferences?.[0]).toMatchObject({ kind: "DaemonSet", name: "agent", controller: true });
    expect(pod.spec?.tolerations?.map((t) => `${t.key}:${t.effect}`)).toEqual(
      expect.arrayContaining(["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unschedulable:NoSchedule", "node.kubernetes.io/disk-pressure:NoSchedule", "node.kubernetes.io/memory-pressure:NoSchedule", "node.kubernetes.io/pid-pressure:NoSchedule"]),
    );

    await eventually("status: 2 desired, 2 scheduled, none ready", async () => {
      const s = await statusOf(ns);
      return s.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2 && s.numberReady === 0 && s.updatedNumberScheduled === 2 && s.observedGeneration === 1;
    });
    await scheduleAndRun(ns);
    await eventually("status: all ready and available", async () => {
      const s = await statusOf(ns);
      return s.numberReady === 2 && s.numberAvailable === 2 && s.numberUnavailable === 0 && s.numberMisscheduled === 0;
    });
    const recorded = (await cluster.client.list(events, { namespace: ns })).items.filter((e) => e.reason === "SuccessfulCreate");
    expect(recorded.length).toBe(2);
    expect(recorded[0]!.message).toStartWith("Created pod: agent-");
  });

  test("nodes joining and leaving the fleet gain and lose their daemon", async () => {
    const ns = await namespace();
    const fleet = unique("fleet");
    const a = await node(fleet);
    await cluster.client.create(daemonsets, daemonSet(ns, fleet));
    await eventually("a pod on the first node", async () => (await daemonPods(ns)).length === 1);
    const b = await node(fleet);
    await eventually("a pod on the new node too", async () => (await daemonPods(ns)).some((p) => targetNodeName(p) === b));
    // b stops matching the selector: its pod goes.
    await cluster.client.patch(nodes, undefined, b, "merge", { metadata: { labels: { fleet: "elsewhere" } } });
    await eventually("only a's pod left", async () => {
      const list = await daemonPods(ns);
      return list.length === 1 && targetNodeName(list[0]!) === a;
    });
    // a gets a NoExecute taint the daemon does not tolerate: its pod goes too, with an event.
    await cluster.client.patch(nodes, undefined, a, "merge", { spec: { taints: [{ key: "maintenance", effect: "NoExecute" }] } });
    await eventually("no pods", async () => (await daemonPods(ns)).length === 0);
    expect((await cluster.client.list(events, { namespace: ns })).items.some((e) => e.reason === "SuccessfulDelete")).toBe(true);
  });

  test("a deleted daemon pod is replaced; a failed one is replaced with a FailedDaemonPod event", async () => {
    const ns = await namespace();
    const fleet = unique("fleet");
    await node(fleet);
    await cluster.client.create(daemonsets, daemonSet(ns, fleet));
    const [first] = await eventually("a pod", async () => {
      const list = await daemonPods(ns);
      return list.length === 1 ? list : undefined;
    });
    await cluster.client.delete(pods, ns, first!.metadata.name ?? "", { gracePeriodSeconds: 0 });
    const [second] = await eventually("a replacement", async () => {
      const list = await daemonPods(ns);
      return list.length === 1 && list[0]!.metadata.name !== first!.metadata.name ? list : undefined;
    });
    await cluster.client.patch(pods, ns, second!.metadata.name ?? "", "merge", { status: { phase: "Failed" } }, { subresource: "status" });
    await eventually("the failed pod replaced", async () => {
      const list = await daemonPods(ns);
      return list.length === 1 && list[0]!.metadata.name !== second!.metadata.name;
    });
    expect((await cluster.client.list(events, { namespace: ns })).items.some((e) => e.reason === "FailedDaemonPod")).toBe(true);
  });

  test("RollingUpdate replaces pods at most maxUnavailable at a time, as each replacement becomes ready", async () => {
    const ns = await namespace();
    const fleet = unique("fleet");
    for (let i = 0; i < 3; i++) await node(fleet);
    await cluster.client.create(daemonsets, daemonSet(ns, fleet, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } }));
    await eventually("3 pods", async () => (await daemonPods(ns)).length === 3);
    await scheduleAndRun(ns);
    await eventually("all available", async () => (await statusOf(ns)).numberAvailable === 3);
    const oldHash = (await daemonPods(ns))[0]!.metadata.labels?.["controller-revision-hash"];

    await cluster.client.patch(daemonsets, ns, "agent", "merge", { spec: { template: { spec: { containers: [{ name: "agent", image: "agent:2" }] } } } });
    let maxDown = 0;
    await eventually(
      "all pods replaced",
      async () => {
        await finishDeletions(ns);
        const list = await daemonPods(ns);
        const updated = list.filter((p) => p.metadata.labels?.["controller-revision-hash"] !== oldHash);
        const readyOld = list.filter((p) => p.metadata.labels?.["controller-revision-hash"] === oldHash && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
        const readyNew = updated.filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
        maxDown = Math.max(maxDown, 3 - readyOld.length - readyNew.length);
        await scheduleAndRun(ns);
        const s = await statusOf(ns);
        return updated.length === 3 && list.length === 3 && s.updatedNumberScheduled === 3 && s.numberAvailable === 3;
      },
      20_000,
    );
    expect(maxDown).toBeLessThanOrEqual(1);
    for (const pod of await daemonPods(ns)) expect(pod.spec?.containers[0]?.image).toBe("agent:2");
  });

  test("OnDelete: a template change replaces only the pods the user deletes", async () => {
    const ns = await namespace();
    const fleet = unique("fleet");
    await node(fleet);
    await node(fleet);
    await cluster.client.create(daemonsets, daemonSet(ns, fleet, { type: "OnDelete" }));
    await eventually("2 pods", async () => (await daemonPods(ns)).length === 2);
    await scheduleAndRun(ns);
    await cluster.client.patch(daemonsets, ns, "agent", "merge", { spec: { template: { spec: { containers: [{ name: "agent", image: "agent:2" }] } } } });
    await eventually("status sees the new generation with nothing updated", async () => {
      const s = await statusOf(ns);
      return s.observedGeneration === 2 && s.updatedNumberScheduled === 0;
    });
    const [victim, kept] = await daemonPods(ns);
    await cluster.client.delete(pods, ns, victim!.metadata.name ?? "", { gracePeriodSeconds: 0 });
    await eventually("the deleted pod replaced by the new template", async () => {
      const list = await daemonPods(ns);
      return list.length === 2 && list.some((p) => p.spec?.containers[0]?.image === "agent:2") && list.some((p) => p.metadata.name === kept!.metadata.name);
    });
    expect((await cluster.client.get(pods, ns, kept!.metadata.name ?? "")).spec).toMatchObject({ containers: [{ image: "agent:1" }] });
  });
});
