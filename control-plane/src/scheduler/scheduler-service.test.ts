// The scheduler's I/O loop against the in-process API: pods get bound and
// their Scheduled events, unfit pods their PodScheduled=False condition, a
// scheduler restarted on the same informers (a regained lease) carries on,
// and a burst does not queue more events than the cap.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { InformerFactory } from "../../../client/informer-factory.ts";
import { KubeClient, type KubeObject, resourceOf } from "../../../client/kube-client.ts";
import { eventually, testCluster } from "../controllers/test-cluster.ts";
import { makeNode, makePod } from "./builders.ts";
import { startScheduler } from "./scheduler-service.ts";

const pods = resourceOf("v1", "pods");
const nodes = resourceOf("v1", "nodes");
const events = resourceOf("v1", "events");
const namespaces = resourceOf("v1", "namespaces");

let cluster: Awaited<ReturnType<typeof testCluster>>;
/** Event writes wait for this while set: an API that is slow to take events. */
let eventsHeld: Promise<void> | undefined;
let client: KubeClient;
const logs: string[] = [];

beforeAll(async () => {
  cluster = await testCluster();
  client = new KubeClient(
    async (request) => {
      if (request.method === "POST" && new URL(request.url).pathname.endsWith("/events")) await eventsHeld;
      return cluster.fetch(request);
    },
    "http://ledge.test",
    "scheduler-test",
  );
});

afterAll(() => cluster.close());

let namespaceCounter = 0;
async function namespace(): Promise<string> {
  const name = `sched-${++namespaceCounter}`;
  await client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
}

const create = (resource: typeof pods, object: unknown) => client.create(resource, object as KubeObject);
const nodeNameOf = async (ns: string, name: string) => ((await client.get(pods, ns, name)).spec as { nodeName?: string }).nodeName;

test("binds pending pods, records Scheduled events, and marks a pod that fits nowhere PodScheduled=False", async () => {
  const ns = await namespace();
  await create(nodes, makeNode("small", { cpu: "1" }));
  const informers = new InformerFactory(client);
  const scheduler = await startScheduler(client, informers, { log: (m) => logs.push(m) });
  try {
    await create(pods, makePod("fits", { namespace: ns, cpu: "500m" }));
    await create(pods, makePod("too-big", { namespace: ns, cpu: "2" }));
    expect(await eventually("fits to be bound", () => nodeNameOf(ns, "fits"))).toBe("small");
    const condition = await eventually("too-big's PodScheduled=False", async () =>
      ((await client.get(pods, ns, "too-big")).status as { conditions?: Record<string, string>[] }).conditions?.find((c) => c.type === "PodScheduled"),
    );
    expect(condition).toMatchObject({ status: "False", reason: "Unschedulable", message: "0/1 nodes are available: 1 Insufficient cpu." });
    const reasons = await eventually("both events", async () => {
      const listed = (await client.list(events, { namespace: ns })).items.map((e) => `${(e.involvedObject as { name: string }).name} ${e.reason}`);
      return listed.length >= 2 && listed.sort();
    });
    expect(reasons).toEqual(["fits Scheduled", "too-big FailedScheduling"]);

    // A node the pod fits on wakes it.
    await create(nodes, makeNode("big", { cpu: "4" }));
    expect(await eventually("too-big to be bound", () => nodeNameOf(ns, "too-big"))).toBe("big");
  } finally {
    await scheduler.stop();
    informers.stop();
  }
});

test("a scheduler started again on the same informers, as after a regained lease, binds what came meanwhile", async () => {
  const ns = await namespace();
  await create(nodes, makeNode("restart"));
  const informers = new InformerFactory(client);
  const first = await startScheduler(client, informers, { log: (m) => logs.push(m) });
  await create(pods, makePod("before", { namespace: ns, cpu: "100m" }));
  await eventually("before to be bound", () => nodeNameOf(ns, "before"));
  await first.stop();

  await create(pods, makePod("between", { namespace: ns, cpu: "100m" }));
  const second = await startScheduler(client, informers, { log: (m) => logs.push(m) });
  try {
    await create(pods, makePod("after", { namespace: ns, cpu: "100m" }));
    await eventually("between and after to be bound", async () => !!(await nodeNameOf(ns, "between")) && !!(await nodeNameOf(ns, "after")));
    expect(first.bound).toBe(1);
    expect(second.bound).toBe(2);
    expect(logs.filter((m) => m.includes("binding"))).toEqual([]);
  } finally {
    await second.stop();
    informers.stop();
  }
});

test("while events cannot be written, at most maxQueuedEvents wait and the rest are dropped", async () => {
  const ns = await namespace();
  let release = () => {};
  eventsHeld = new Promise((resolve) => (release = resolve));
  await create(nodes, makeNode("burst"));
  const informers = new InformerFactory(client);
  const scheduler = await startScheduler(client, informers, { log: (m) => logs.push(m), maxQueuedEvents: 3 });
  try {
    for (let i = 0; i < 10; i++) await create(pods, makePod(`burst-${i}`, { namespace: ns, cpu: "10m" }));
    await eventually("all 10 bound", () => scheduler.bound === 10);
    expect(scheduler.droppedEvents).toBe(7);
    expect(logs).toContain("default-scheduler: 3 events are waiting to be written; dropping further ones until they are");
  } finally {
    eventsHeld = undefined;
    release();
    await scheduler.stop();
    informers.stop();
  }
  const written = (await client.list(events, { namespace: ns })).items.filter((e) => e.reason === "Scheduled");
  expect(written).toHaveLength(3);
});
