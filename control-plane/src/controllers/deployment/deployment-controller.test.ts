// The Deployment and ReplicaSet controllers together against the in-process
// API. A fake kubelet marks pods ready by writing their status; rolling
// updates are watched pod by pod to check they stay inside their bounds.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { InformerFactory } from "../../../../client/informer-factory.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { GarbageCollector } from "../garbage-collector/garbage-collector.ts";
import { markPodReady } from "../replicaset/fake-kubelet.ts";
import { ReplicaSetController } from "../replicaset/replicaset-controller.ts";
import { runControllers } from "../runtime/controller.ts";
import { eventually, testCluster } from "../test-cluster.ts";
import { DeploymentController } from "./deployment-controller.ts";
import { ANNOTATIONS_TO_SKIP, REVISION, REVISION_HISTORY } from "./revisions.ts";

const deployments = resourceOf("apps/v1", "deployments");
const replicasets = resourceOf("apps/v1", "replicasets");
const pods = resourceOf("v1", "pods");
const events = resourceOf("v1", "events");
const namespaces = resourceOf("v1", "namespaces");

let cluster: Awaited<ReturnType<typeof testCluster>>;
let client: KubeClient;
let stop: () => void;

beforeAll(async () => {
  cluster = await testCluster();
  client = cluster.client;
  stop = await runControllers([new DeploymentController(), new ReplicaSetController(), new GarbageCollector()], {
    client,
    informers: new InformerFactory(client),
    log: () => {},
  });
});

afterAll(async () => {
  stop();
  await cluster.close();
});

let counter = 0;
async function namespace(): Promise<string> {
  const name = `deploy-${++counter}`;
  await client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
}

interface Spec {
  replicas?: number;
  strategy?: Record<string, unknown>;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  paused?: boolean;
}

function deployment(ns: string, name: string, spec: Spec = {}, image = "nginx:1.26"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: {
      replicas: 3,
      ...spec,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image }] } },
    },
  };
}

const setImage = (ns: string, name: string, image: string) =>
  client.patch(deployments, ns, name, "strategic", { spec: { template: { spec: { containers: [{ name: "web", image }] } } } });

/** Watches the namespace's pods from now on, calling `onChange` with all of them after every event. */
async function watchPods(ns: string, onChange: (pods: ReadonlyMap<string, KubeObject>, event: string) => void): Promise<() => Promise<void>> {
  const listed = await client.list(pods, { namespace: ns });
  const current = new Map(listed.items.map((p) => [p.metadata.name ?? "", p]));
  const abort = new AbortController();
  onChange(current, "LISTED");
  const done = (async () => {
    try {
      for await (const event of client.watch(pods, { namespace: ns, resourceVersion: listed.resourceVersion, signal: abort.signal })) {
        if (event.type === "BOOKMARK" || event.type === "ERROR") continue;
        if (event.type === "DELETED") current.delete(event.object.metadata.name ?? "");
        else current.set(event.object.metadata.name ?? "", event.object);
        onChange(current, `${event.type} ${event.object.metadata.name}`);
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return async () => {
    abort.abort();
    await done;
  };
}

const isReady = (pod: KubeObject) => ((pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** A kubelet for every pod of the namespace: each new pod is reported running and ready. */
async function startKubelet(ns: string): Promise<() => Promise<void>> {
  const marked = new Set<string>();
  let writes = Promise.resolve();
  const stopWatch = await watchPods(ns, (current) => {
    for (const [name, pod] of current) {
      if (marked.has(name) || isReady(pod) || pod.metadata.deletionTimestamp) continue;
      marked.add(name);
      writes = writes.then(() => markPodReady(client, ns, name).catch(() => undefined));
    }
  });
  return async () => {
    await stopWatch();
    await writes;
  };
}

const getDeployment = (ns: string, name: string) => client.get(deployments, ns, name);
const statusOf = (d: KubeObject) => (d.status ?? {}) as { replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number; unavailableReplicas?: number; observedGeneration?: number; conditions?: { type: string; status: string; reason: string; message: string }[]; collisionCount?: number };
const condition = (d: KubeObject, type: string) => statusOf(d).conditions?.find((c) => c.type === type);

/** `kubectl rollout status`'s test: every replica updated and available, the latest generation observed. */
async function rolledOut(ns: string, name: string, ms = 20_000): Promise<KubeObject> {
  return eventually(`${name} rolled out`, async () => {
    const d = await getDeployment(ns, name);
    const s = statusOf(d);
    const replicas = (d.spec as { replicas: number }).replicas;
    const done = (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas;
    return done && d;
  }, ms);
}

async function ownedReplicaSets(ns: string, d: KubeObject): Promise<KubeObject[]> {
  const { items } = await client.list(replicasets, { namespace: ns });
  return items.filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid && r.controller));
}

const replicasOf = (rs: KubeObject) => (rs.spec as { replicas: number }).replicas;

async function eventMessages(ns: string, involved: string): Promise<string[]> {
  const { items } = await client.list(events, { namespace: ns });
  return items.filter((e) => (e.involvedObject as { name?: string }).name === involved).map((e) => `${e.reason} ${e.message}`);
}

describe("Deployment controller", () => {
  test("a new deployment: ReplicaSet <name>-<hash> at revision 1, then Available and NewReplicaSetAvailable", async () => {
    const ns = await namespace();
    const stopKubelet = await startKubelet(ns);
    try {
      const created = await client.create(deployments, deployment(ns, "web"));
      const d = await rolledOut(ns, "web");
      const [rs] = await ownedReplicaSets(ns, created);
      const hash = rs!.metadata.labels?.["pod-template-hash"];
      expect(rs!.metadata.name).toBe(`web-${hash}`);
      expect((rs!.spec as { selector: unknown }).selector).toEqual({ matchLabels: { app: "web", "pod-template-hash": hash } });
      expect(rs!.metadata.annotations).toMatchObject({ [REVISION]: "1", "deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4" });
      expect(d.metadata.annotations?.[REVISION]).toBe("1");
      expect(statusOf(d)).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
      expect(statusOf(d).unavailableReplicas).toBeUndefined();
      expect(condition(d, "Available")).toMatchObject({ status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." });
      await eventually("Progressing=NewReplicaSetAvailable", async () => condition(await getDeployment(ns, "web"), "Progressing")?.reason === "NewReplicaSetAvailable");
      expect(condition(await getDeployment(ns, "web"), "Progressing")).toMatchObject({ status: "True", message: `ReplicaSet "${rs!.metadata.name}" has successfully progressed.` });
      const pod = (await client.list(pods, { namespace: ns })).items[0]!;
      expect(pod.metadata.labels).toEqual({ app: "web", "pod-template-hash": hash! });
      await eventually("the ScalingReplicaSet event", async () => (await eventMessages(ns, "web")).includes(`ScalingReplicaSet Scaled up replica set ${rs!.metadata.name} from 0 to 3`));
    } finally {
      await stopKubelet();
    }
  });

  test("scaling the deployment scales its ReplicaSet, with events", async () => {
    const ns = await namespace();
    const stopKubelet = await startKubelet(ns);
    try {
      const d = await client.create(deployments, deployment(ns, "web", { replicas: 2 }));
      await rolledOut(ns, "web");
      await client.patch(deployments, ns, "web", "merge", { spec: { replicas: 5 } });
      await rolledOut(ns, "web");
      await client.patch(deployments, ns, "web", "merge", { spec: { replicas: 1 } });
      await rolledOut(ns, "web");
      const [rs] = await ownedReplicaSets(ns, d);
      expect(replicasOf(rs!)).toBe(1);
      await eventually("one pod", async () => (await client.list(pods, { namespace: ns })).items.length === 1);
      const name = rs!.metadata.name;
      await eventually("the scaling events", async () => {
        const messages = await eventMessages(ns, "web");
        return messages.includes(`ScalingReplicaSet Scaled up replica set ${name} from 2 to 5`) && messages.includes(`ScalingReplicaSet Scaled down replica set ${name} from 5 to 1`);
      });
    } finally {
      await stopKubelet();
    }
  });

  test.each([
    { replicas: 5, maxSurge: 1, maxUnavailable: 0, surge: 1, unavailable: 0 },
    { replicas: 4, maxSurge: 0, maxUnavailable: 1, surge: 0, unavailable: 1 },
    { replicas: 6, maxSurge: "34%", maxUnavailable: "34%", surge: 3, unavailable: 2 },
    { replicas: 8, maxSurge: "25%", maxUnavailable: "25%", surge: 2, unavailable: 2 },
  ])(
    "a rolling update with maxSurge $maxSurge and maxUnavailable $maxUnavailable of $replicas never has more than $replicas + $surge pods or fewer than $replicas - $unavailable ready",
    async ({ replicas, maxSurge, maxUnavailable, surge, unavailable }) => {
      const ns = await namespace();
      const stopKubelet = await startKubelet(ns);
      try {
        await client.create(deployments, deployment(ns, "web", { replicas, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge, maxUnavailable } } }));
        await rolledOut(ns, "web");
        await eventually("the initial pods", async () => (await client.list(pods, { namespace: ns })).items.length === replicas);
        let mostPods = 0;
        let fewestReady = Infinity;
        const breaches: string[] = [];
        const stopWatch = await watchPods(ns, (current, event) => {
          const live = [...current.values()].filter((p) => !p.metadata.deletionTimestamp);
          const ready = live.filter(isReady).length;
          mostPods = Math.max(mostPods, live.length);
          fewestReady = Math.min(fewestReady, ready);
          if (live.length > replicas + surge || ready < replicas - unavailable) breaches.push(`${event}: ${live.length} pods, ${ready} ready`);
        });
        await setImage(ns, "web", "nginx:1.27");
        const d = await rolledOut(ns, "web");
        await eventually("only new pods", async () => {
          const { items } = await client.list(pods, { namespace: ns });
          return items.length === replicas && items.every((p) => (p.spec as { containers: { image: string }[] }).containers[0]!.image === "nginx:1.27");
        });
        await stopWatch();
        expect(breaches).toEqual([]);
        expect(mostPods).toBeLessThanOrEqual(replicas + surge);
        expect(fewestReady).toBeGreaterThanOrEqual(replicas - unavailable);
        // The rollout did use its room: it went above the replica count or below full readiness.
        expect(mostPods > replicas || fewestReady < replicas).toBe(true);
        expect(d.metadata.annotations?.[REVISION]).toBe("2");
      } finally {
        await stopKubelet();
      }
    },
  );

  test("Recreate: every old pod is gone before the first new one exists", async () => {
    const ns = await namespace();
    const stopKubelet = await startKubelet(ns);
    try {
      await client.create(deployments, deployment(ns, "web", { replicas: 3, strategy: { type: "Recreate" } }));
      await rolledOut(ns, "web");
      const overlaps: string[] = [];
      const stopWatch = await watchPods(ns, (current, event) => {
        const images = new Set([...current.values()].map((p) => (p.spec as { containers: { image: string }[] }).containers[0]!.image));
        if (images.size > 1) overlaps.push(event);
      });
      await setImage(ns, "web", "nginx:1.27");
      await rolledOut(ns, "web");
      await eventually("three new pods", async () => {
        const { items } = await client.list(pods, { namespace: ns });
        return items.length === 3 && items.every((p) => (p.spec as { containers: { image: string }[] }).containers[0]!.image === "nginx:1.27");
      });
      await stopWatch();
      expect(overlaps).toEqual([]);
    } finally {
      await stopKubelet();
    }
  });

  test("revision history, and undo as kubectl does it (the template of the revision patched back)", async () => {
    const ns = await namespace();
    const stopKubelet = await startKubelet(ns);
    try {
      const d = await client.create(deployments, deployment(ns, "web", { replicas: 2 }, "nginx:1"));
      await rolledOut(ns, "web");
      await setImage(ns, "web", "nginx:2");
      await rolledOut(ns, "web");
      await setImage(ns, "web", "nginx:3");
      await rolledOut(ns, "web");
      const before = await ownedReplicaSets(ns, d);
      const revisions = Object.fromEntries(before.map((rs) => [rs.metadata.annotations?.[REVISION], (rs.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image]));
      expect(revisions).toEqual({ "1": "nginx:1", "2": "nginx:2", "3": "nginx:3" });

      await undo(ns, "web", 1);
      const after = await rolledOut(ns, "web");
      expect(after.metadata.annotations?.[REVISION]).toBe("4");
      const replicaSets = await ownedReplicaSets(ns, d);
      // No new ReplicaSet: revision 1's came back as revision 4.
      expect(replicaSets.map((rs) => rs.metadata.name).sort()).toEqual(before.map((rs) => rs.metadata.name).sort());
      const back = replicaSets.find((rs) => rs.metadata.annotations?.[REVISION] === "4")!;
      expect(back.metadata.annotations?.[REVISION_HISTORY]).toBe("1");
      expect(replicasOf(back)).toBe(2);
      await eventually("the nginx:1 pods back", async () => {
        const { items } = await client.list(pods, { namespace: ns });
        return items.length === 2 && items.every((p) => p.metadata.labels?.["pod-template-hash"] === back.metadata.labels?.["pod-template-hash"]);
      });

      // Undo with no revision goes to the previous one (3).
      await undo(ns, "web");
      const latest = await rolledOut(ns, "web");
      expect(latest.metadata.annotations?.[REVISION]).toBe("5");
      expect((latest.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image).toBe("nginx:3");
    } finally {
      await stopKubelet();
    }
  });

  test("revisionHistoryLimit: only that many old ReplicaSets stay", async () => {
    const ns = await namespace();
    const stopKubelet = await startKubelet(ns);
    try {
      const d = await client.create(deployments, deployment(ns, "web", { replicas: 1, revisionHistoryLimit: 1 }, "nginx:1"));
      await rolledOut(ns, "web");
      for (const image of ["nginx:2", "nginx:3", "nginx:4"]) {
        await setImage(ns, "web", image);
        await rolledOut(ns, "web");
      }
      const remaining = await eventually("two ReplicaSets", async () => {
        const owned = await ownedReplicaSets(ns, d);
        return owned.length === 2 && owned;
      });
      expect(remaining.map((rs) => rs.metadata.annotations?.[REVISION]).sort()).toEqual(["3", "4"]);
    } finally {
      await stopKubelet();
    }
  });

  test("paused: a new template does not roll out, scaling still does, and resuming rolls out", async () => {
    const ns = await namespace();
    const stopKubelet = await startKubelet(ns);
    try {
      const d = await client.create(deployments, deployment(ns, "web", { replicas: 2 }));
      await rolledOut(ns, "web");
      await client.patch(deployments, ns, "web", "merge", { spec: { paused: true } });
      await eventually("Progressing=Unknown DeploymentPaused", async () => condition(await getDeployment(ns, "web"), "Progressing")?.reason === "DeploymentPaused");
      expect(condition(await getDeployment(ns, "web"), "Progressing")).toMatchObject({ status: "Unknown", message: "Deployment is paused" });
      await setImage(ns, "web", "nginx:1.27");
      await client.patch(deployments, ns, "web", "merge", { spec: { replicas: 3 } });
      await eventually("the scale observed", async () => {
        const current = await getDeployment(ns, "web");
        return statusOf(current).observedGeneration === current.metadata.generation && statusOf(current).availableReplicas === 3;
      });
      const whilePaused = await ownedReplicaSets(ns, d);
      expect(whilePaused).toHaveLength(1);
      expect(replicasOf(whilePaused[0]!)).toBe(3);
      await client.patch(deployments, ns, "web", "merge", { spec: { paused: false } });
      await rolledOut(ns, "web");
      expect(await ownedReplicaSets(ns, d)).toHaveLength(2);
    } finally {
      await stopKubelet();
    }
  });

  test("progressDeadlineSeconds: a rollout that makes no progress is ProgressDeadlineExceeded", async () => {
    const ns = await namespace();
    // No kubelet: the pods never become ready.
    await client.create(deployments, deployment(ns, "web", { replicas: 2, progressDeadlineSeconds: 1 }));
    const d = await eventually("the deadline exceeded", async () => {
      const current = await getDeployment(ns, "web");
      return condition(current, "Progressing")?.reason === "ProgressDeadlineExceeded" && current;
    }, 15_000);
    expect(condition(d, "Progressing")).toMatchObject({ status: "False", message: expect.stringMatching(/^ReplicaSet "web-[a-z0-9]+" has timed out progressing\.$/) });
    expect(condition(d, "Available")).toMatchObject({ status: "False", reason: "MinimumReplicasUnavailable" });
    expect(statusOf(d)).toMatchObject({ replicas: 2, updatedReplicas: 2, unavailableReplicas: 2 });
  });

  test("minReadySeconds: copied to the ReplicaSet; ready pods are not available before it has passed", async () => {
    const ns = await namespace();
    const stopKubelet = await startKubelet(ns);
    try {
      const d = await client.create(deployments, deployment(ns, "web", { replicas: 2, minReadySeconds: 300 }));
      const [rs] = await eventually("the ReplicaSet", async () => {
        const owned = await ownedReplicaSets(ns, d);
        return owned.length === 1 && owned;
      });
      expect((rs!.spec as { minReadySeconds?: number }).minReadySeconds).toBe(300);
      const current = await eventually("ready but not available", async () => {
        const now = await getDeployment(ns, "web");
        return statusOf(now).readyReplicas === 2 && now;
      });
      expect(statusOf(current)).toMatchObject({ readyReplicas: 2, unavailableReplicas: 2 });
      expect(statusOf(current).availableReplicas).toBeUndefined();
      // Lowering it reaches the ReplicaSet, and the pods become available.
      await client.patch(deployments, ns, "web", "merge", { spec: { minReadySeconds: 0 } });
      await rolledOut(ns, "web");
    } finally {
      await stopKubelet();
    }
  });

  test("adopts a matching orphan ReplicaSet with its template instead of creating one", async () => {
    const ns = await namespace();
    const template = (deployment(ns, "web").spec as { template: unknown }).template;
    const orphan = await client.create(replicasets, {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web-orphan", namespace: ns, labels: { app: "web" } },
      spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template },
    });
    const d = await client.create(deployments, deployment(ns, "web"));
    const adopted = await eventually("the orphan adopted", async () => {
      const owned = await ownedReplicaSets(ns, d);
      return owned.length === 1 && owned[0]!.metadata.uid === orphan.metadata.uid && owned[0];
    });
    expect(adopted.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
    await eventually("revision 1 on the adopted ReplicaSet", async () => (await client.get(replicasets, ns, "web-orphan")).metadata.annotations?.[REVISION] === "1");
  });

  test("restart (a template annotation, as kubectl rollout restart sets it) rolls out a new ReplicaSet", async () => {
    const ns = await namespace();
    const stopKubelet = await startKubelet(ns);
    try {
      const d = await client.create(deployments, deployment(ns, "web", { replicas: 2 }));
      await rolledOut(ns, "web");
      await client.patch(deployments, ns, "web", "strategic", { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() } } } } });
      const after = await rolledOut(ns, "web");
      expect(after.metadata.annotations?.[REVISION]).toBe("2");
      const owned = await ownedReplicaSets(ns, d);
      expect(owned.map(replicasOf).sort()).toEqual([0, 2]);
    } finally {
      await stopKubelet();
    }
  });
});

/**
 * What `kubectl rollout undo` (1.32) sends: the ReplicaSet of the revision
 * (the previous one by default), its template without the hash label put
 * back with a JSON patch, and the deployment's annotations replaced by the
 * ReplicaSet's (keeping the deployment's own bookkeeping ones).
 */
async function undo(ns: string, name: string, toRevision = 0): Promise<void> {
  const d = await getDeployment(ns, name);
  const owned = await ownedReplicaSets(ns, d);
  const byRevision = owned
    .map((rs) => ({ rs, revision: Number(rs.metadata.annotations?.[REVISION] ?? "0") }))
    .sort((a, b) => b.revision - a.revision);
  const target = toRevision ? byRevision.find((r) => r.revision === toRevision)?.rs : byRevision[1]?.rs;
  if (!target) throw new Error(`no revision ${toRevision} of ${name}`);
  const template = structuredClone((target.spec as { template: { metadata: { labels: Record<string, string> } } }).template);
  delete template.metadata.labels["pod-template-hash"];
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(target.metadata.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  await client.patch(deployments, ns, name, "json", [
    { op: "replace", path: "/spec/template", value: { ...template, metadata: { ...template.metadata, creationTimestamp: null } } },
    { op: "replace", path: "/metadata/annotations", value: annotations },
  ]);
}
