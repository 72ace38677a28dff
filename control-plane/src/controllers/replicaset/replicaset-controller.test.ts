// The ReplicaSet controller against the in-process API. Pods are made ready
// by writing their status, as a kubelet would.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { InformerFactory } from "../../../../client/informer-factory.ts";
import { KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { GarbageCollector } from "../garbage-collector/garbage-collector.ts";
import { runControllers } from "../runtime/controller.ts";
import { eventually, testCluster } from "../test-cluster.ts";
import { markPodNotReady, markPodReady } from "./fake-kubelet.ts";
import { ReplicaSetController } from "./replicaset-controller.ts";

const replicasets = resourceOf("apps/v1", "replicasets");
const pods = resourceOf("v1", "pods");
const events = resourceOf("v1", "events");
const namespaces = resourceOf("v1", "namespaces");

type Intercept = (request: Request) => Response | Promise<Response> | undefined;

let cluster: Awaited<ReturnType<typeof testCluster>>;
let stop: () => void;
/** What the controllers' requests meet before the API (failures, slow watches), per test. */
let intercept: Intercept | undefined;
/** Delays each chunk of pod watch streams by this much: an informer cache that lags. */
let podWatchDelayMs = 0;
const logs: string[] = [];

beforeAll(async () => {
  cluster = await testCluster();
  const client = new KubeClient(
    async (request) => {
      const intercepted = await intercept?.(request);
      if (intercepted) return intercepted;
      const response = await cluster.fetch(request);
      const url = new URL(request.url);
      if (url.pathname === "/api/v1/pods" && url.searchParams.get("watch") && response.body) return delayed(response);
      return response;
    },
    "http://ledge.test",
    "controllers",
  );
  const informers = new InformerFactory(client);
  stop = await runControllers([new ReplicaSetController(), new GarbageCollector()], { client, informers, log: (m) => logs.push(m) });
});

afterAll(async () => {
  stop();
  await cluster.close();
});

function delayed(response: Response): Response {
  const body = response.body!.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        if (podWatchDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, podWatchDelayMs));
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: response.status, headers: response.headers });
}

let counter = 0;
async function namespace(): Promise<string> {
  const name = `rs-${++counter}`;
  await cluster.client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
}

function replicaSet(ns: string, name: string, replicas: number, extra: { minReadySeconds?: number } = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      ...extra,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name }, annotations: { note: "from the template" } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } },
    },
  };
}

const listPods = async (ns: string) => (await cluster.client.list(pods, { namespace: ns })).items;
const statusOf = async (ns: string, name: string) => (await cluster.client.get(replicasets, ns, name)).status as Record<string, unknown>;

async function podsOwnedBy(ns: string, rs: KubeObject, count: number): Promise<KubeObject[]> {
  return eventually(`${count} pods owned by ${rs.metadata.name}`, async () => {
    const owned = (await listPods(ns)).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid && r.controller));
    return owned.length === count && owned;
  });
}

async function eventMessages(ns: string, involved: string): Promise<string[]> {
  const { items } = await cluster.client.list(events, { namespace: ns });
  return items.filter((e) => (e.involvedObject as { name?: string }).name === involved).map((e) => `${e.type} ${e.reason} ${e.message}`);
}

describe("ReplicaSet controller", () => {
  test("creates spec.replicas pods from the template, controlled by the ReplicaSet, and says so in events", async () => {
    const ns = await namespace();
    const rs = await cluster.client.create(replicasets, replicaSet(ns, "web", 3));
    const created = await podsOwnedBy(ns, rs, 3);
    for (const pod of created) {
      expect(pod.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(pod.metadata.generateName).toBe("web-");
      expect(pod.metadata.labels).toEqual({ app: "web" });
      expect(pod.metadata.annotations).toEqual({ note: "from the template" });
      expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
      expect((pod.spec as { containers: { image: string }[] }).containers[0]!.image).toBe("nginx:1.27");
    }
    const expected = created.map((p) => `Normal SuccessfulCreate Created pod: ${p.metadata.name}`).sort();
    await eventually("the creation events", async () => Bun.deepEquals((await eventMessages(ns, "web")).sort(), expected));
    const status = await eventually("status", async () => {
      const s = await statusOf(ns, "web");
      return s.replicas === 3 && s;
    });
    expect(status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
  });

  test("scales up and down; the surplus goes not-ready first", async () => {
    const ns = await namespace();
    const rs = await cluster.client.create(replicasets, replicaSet(ns, "web", 2));
    const ready = await podsOwnedBy(ns, rs, 2);
    for (const pod of ready) await markPodReady(cluster.client, ns, pod.metadata.name!);
    await cluster.client.patch(replicasets, ns, "web", "merge", { spec: { replicas: 4 } });
    const four = await podsOwnedBy(ns, rs, 4);
    const fresh = four.filter((p) => !ready.some((r) => r.metadata.name === p.metadata.name));
    await cluster.client.patch(replicasets, ns, "web", "merge", { spec: { replicas: 2 } });
    const kept = await podsOwnedBy(ns, rs, 2);
    expect(kept.map((p) => p.metadata.name).sort()).toEqual(ready.map((p) => p.metadata.name).sort());
    const deletions = fresh.map((p) => `Normal SuccessfulDelete Deleted pod: ${p.metadata.name}`).sort();
    await eventually("the deletion events", async () => Bun.deepEquals((await eventMessages(ns, "web")).filter((m) => m.includes("Delete")).sort(), deletions));
    await eventually("status after scaling down", async () => {
      const s = await statusOf(ns, "web");
      return s.replicas === 2 && s.readyReplicas === 2 && s.availableReplicas === 2 && s.observedGeneration === 3;
    });
  });

  test("adopts a matching orphan rather than creating a pod for it", async () => {
    const ns = await namespace();
    await cluster.client.create(pods, { apiVersion: "v1", kind: "Pod", metadata: { name: "stray", namespace: ns, labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    const rs = await cluster.client.create(replicasets, replicaSet(ns, "web", 2));
    const owned = await podsOwnedBy(ns, rs, 2);
    expect(owned.map((p) => p.metadata.name)).toContain("stray");
    expect(await listPods(ns)).toHaveLength(2);
  });

  test("releases a pod whose labels stop matching, and replaces it", async () => {
    const ns = await namespace();
    const rs = await cluster.client.create(replicasets, replicaSet(ns, "web", 2));
    const [leaving] = await podsOwnedBy(ns, rs, 2);
    await cluster.client.patch(pods, ns, leaving!.metadata.name!, "merge", { metadata: { labels: { app: "debug" } } });
    await eventually("the pod to be released", async () => {
      const pod = await cluster.client.get(pods, ns, leaving!.metadata.name!);
      return pod.metadata.ownerReferences === undefined || pod.metadata.ownerReferences.length === 0;
    });
    const owned = await podsOwnedBy(ns, rs, 2);
    expect(owned.map((p) => p.metadata.name)).not.toContain(leaving!.metadata.name);
  });

  test("leaves a matching pod that another controller owns alone", async () => {
    const ns = await namespace();
    const other = await cluster.client.create(resourceOf("v1", "configmaps"), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keeper", namespace: ns } });
    await cluster.client.create(pods, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "theirs", namespace: ns, labels: { app: "web" }, ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "keeper", uid: other.metadata.uid!, controller: true }] },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    });
    const rs = await cluster.client.create(replicasets, replicaSet(ns, "web", 1));
    const [mine] = await podsOwnedBy(ns, rs, 1);
    expect(mine!.metadata.name).not.toBe("theirs");
    expect((await cluster.client.get(pods, ns, "theirs")).metadata.ownerReferences?.[0]?.uid).toBe(other.metadata.uid);
  });

  test("ready and available replicas, honouring minReadySeconds from the Ready condition's transition time", async () => {
    const ns = await namespace();
    const rs = await cluster.client.create(replicasets, replicaSet(ns, "web", 3, { minReadySeconds: 3600 }));
    const [longReady, justReady, notReady] = await podsOwnedBy(ns, rs, 3);
    await markPodReady(cluster.client, ns, longReady!.metadata.name!, { since: Date.now() - 2 * 3600_000 });
    await markPodReady(cluster.client, ns, justReady!.metadata.name!);
    await markPodNotReady(cluster.client, ns, notReady!.metadata.name!);
    await eventually("ready 2, available 1", async () => {
      const s = await statusOf(ns, "web");
      return s.readyReplicas === 2 && s.availableReplicas === 1 && s.replicas === 3;
    });
  });

  test("a pod ready for less than minReadySeconds becomes available once that has passed, with no other event", async () => {
    const ns = await namespace();
    const rs = await cluster.client.create(replicasets, replicaSet(ns, "web", 1, { minReadySeconds: 1 }));
    const [pod] = await podsOwnedBy(ns, rs, 1);
    await markPodReady(cluster.client, ns, pod!.metadata.name!);
    await eventually("available", async () => (await statusOf(ns, "web")).availableReplicas === 1);
  });

  test("does not create again while its creations are not yet in the informer cache", async () => {
    const ns = await namespace();
    let creates = 0;
    intercept = (request) => {
      if (request.method === "POST" && new URL(request.url).pathname === `/api/v1/namespaces/${ns}/pods`) creates++;
      return undefined;
    };
    podWatchDelayMs = 300;
    try {
      const rs = await cluster.client.create(replicasets, replicaSet(ns, "web", 5));
      // Meanwhile its status writes come back as ReplicaSet events and sync it again, over an empty cache.
      await podsOwnedBy(ns, rs, 5);
      await eventually("the pods in the controller's cache", async () => (await statusOf(ns, "web")).replicas === 5);
    } finally {
      podWatchDelayMs = 0;
      intercept = undefined;
    }
    expect(creates).toBe(5);
    expect(await listPods(ns)).toHaveLength(5);
  });

  test("failing creations: slow start tries one, ReplicaFailure and FailedCreate say why, and it recovers", async () => {
    const ns = await namespace();
    let attempts = 0;
    const refuse = (request: Request) => {
      if (request.method !== "POST" || new URL(request.url).pathname !== `/api/v1/namespaces/${ns}/pods`) return undefined;
      attempts++;
      const message = `pods "web-" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=0, limited: pods=0`;
      return Response.json({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason: "Forbidden", code: 403 }, { status: 403 });
    };
    intercept = refuse;
    try {
      await cluster.client.create(replicasets, replicaSet(ns, "web", 1000));
      const condition = await eventually("the ReplicaFailure condition", async () => {
        const conditions = ((await statusOf(ns, "web")).conditions ?? []) as { type: string }[];
        return conditions.find((c) => c.type === "ReplicaFailure");
      });
      expect(condition).toMatchObject({ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: expect.stringContaining("exceeded quota") });
      await eventually("the FailedCreate event", async () =>
        (await eventMessages(ns, "web")).some((m) => m.startsWith('Warning FailedCreate Error creating: pods "web-" is forbidden: exceeded quota')),
      );
      // A thousand missing pods, and each sync tried one: no storm of requests (or events).
      expect(attempts).toBeLessThan(50);
    } finally {
      intercept = undefined;
    }
    await eventually("all 1000 pods once creations succeed", async () => (await listPods(ns)).length === 1000, 60_000);
    await eventually("the condition cleared", async () => {
      const s = await statusOf(ns, "web");
      return s.replicas === 1000 && !((s.conditions ?? []) as { type: string }[]).some((c) => c.type === "ReplicaFailure");
    }, 30_000);
  });

  test("the ReplicaSet's pods go with it (garbage collection through the controller references)", async () => {
    const ns = await namespace();
    const rs = await cluster.client.create(replicasets, replicaSet(ns, "web", 2));
    await podsOwnedBy(ns, rs, 2);
    await cluster.client.delete(replicasets, ns, "web", { propagationPolicy: "Foreground" });
    await eventually("no pods left", async () => (await listPods(ns)).length === 0);
    await eventually("the ReplicaSet gone", async () => (await cluster.client.list(replicasets, { namespace: ns })).items.length === 0);
  });
});
