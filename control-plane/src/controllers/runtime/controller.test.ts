// Controllers run on informers the process shares and keeps warm across
// leader elections: stopping them must take their handlers away, or a
// stopped controller keeps hearing events and each re-election adds a copy.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { InformerFactory } from "../../../../client/informer-factory.ts";
import { type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { RESOURCES } from "../../../../schemas/registry.ts";
import { startControllerManager } from "../manager.ts";
import { eventually, testCluster } from "../test-cluster.ts";
import { type Controller, type ControllerContext, runControllers } from "./controller.ts";

const configmaps = resourceOf("v1", "configmaps");

let cluster: Awaited<ReturnType<typeof testCluster>>;
beforeAll(async () => {
  cluster = await testCluster();
});
afterAll(() => cluster.close());

/** Queues every ConfigMap event's key and remembers what it heard. */
class Recorder implements Controller {
  readonly heard: string[] = [];
  readonly synced: string[] = [];
  queue?: Controller["queue"];
  constructor(readonly name: string) {}

  setup(context: ControllerContext): void {
    const hear = (what: string) => (o: KubeObject) => {
      this.heard.push(`${what} ${o.metadata.name}`);
      this.queue?.add(o.metadata.name ?? "");
    };
    context.informers.informer(configmaps).on({ add: hear("add"), update: (_, o) => hear("update")(o), delete: hear("delete") });
  }

  async sync(key: string): Promise<void> {
    this.synced.push(key);
  }
}

const createConfigMap = (name: string) =>
  cluster.client.create(configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } });

test("a stopped controller hears no more events, and running it again does not double its handlers", async () => {
  const informers = new InformerFactory(cluster.client);
  const context = { client: cluster.client, informers, log: () => {} };
  // Another user of the shared informer (the scheduler, say) keeps it running throughout.
  const bystander: string[] = [];
  informers.informer(configmaps).on({ add: (o) => bystander.push(o.metadata.name ?? "") });

  const first = new Recorder("first");
  const stopFirst = await runControllers([first], context);
  await createConfigMap("before");
  await eventually("the first controller to sync it", () => first.synced.includes("before"));
  stopFirst();
  expect(informers.informer(configmaps).handlerCount).toBe(1);

  // Elected again: a new instance on the same warm informers.
  const second = new Recorder("second");
  const stopSecond = await runControllers([second], context);
  expect(informers.informer(configmaps).handlerCount).toBe(2);
  await createConfigMap("after");
  await eventually("the second controller to sync it", () => second.synced.includes("after"));
  await eventually("the bystander to hear it", () => bystander.includes("after"));

  // One dispatch reaches every handler at once, so by now the first would have heard it too.
  expect(first.heard).toEqual(["add before"]);
  expect(first.synced).toEqual(["before"]);
  // The warm cache replays what exists (before) once, then each event once.
  expect(second.heard).toEqual(["add before", "add after"]);
  stopSecond();
  informers.stop();
});

test("the controller manager, stopped and started again on shared informers, leaves no handlers behind", async () => {
  const informers = new InformerFactory(cluster.client);
  const counts = () => RESOURCES.map((r) => `${r.plural}=${informers.informer(r).handlerCount}`);
  const idle = counts();
  const manager = await startControllerManager(cluster.client, () => {}, { informers });
  const running = counts();
  expect(running).not.toEqual(idle);
  manager.stop();
  expect(counts()).toEqual(idle);

  const again = await startControllerManager(cluster.client, () => {}, { informers });
  expect(counts()).toEqual(running);
  again.stop();
  expect(counts()).toEqual(idle);
  informers.stop();
});
