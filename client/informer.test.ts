// Handlers come and go while an informer runs on: on() returns its remover,
// and a factory scope removes everything one component added at once.
import { expect, test } from "bun:test";
import { InformerFactory } from "./informer-factory.ts";
import { Informer } from "./informer.ts";
import { type KubeClient, type KubeObject, resourceOf, type WatchEvent } from "./kube-client.ts";

const configmaps = resourceOf("v1", "configmaps");

/** A client whose watch delivers what the test sends, after a list of `initial`. */
function fakeClient(initial: KubeObject[] = []) {
  let push: ((event: WatchEvent) => void) | undefined;
  const pending: WatchEvent[] = [];
  let version = 1;
  const client = {
    async listAll() {
      return { apiVersion: "v1", kind: "ConfigMapList", metadata: {}, items: initial, resourceVersion: "1" };
    },
    async *watch(_resource: unknown, options: { signal?: AbortSignal }) {
      while (!options.signal?.aborted) {
        const event = pending.shift() ?? (await new Promise<WatchEvent>((resolve) => (push = resolve)));
        push = undefined;
        yield event;
      }
    },
  } as unknown as KubeClient;
  const send = (type: WatchEvent["type"], name: string) => {
    const event = { type, object: configMap(name, String(++version)) } as WatchEvent;
    if (push) push(event);
    else pending.push(event);
  };
  return { client, send };
}

const configMap = (name: string, resourceVersion = "1"): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "ns", resourceVersion },
});

/** Handlers that write what they hear into `log`, tagged. */
const recorder = (log: string[], tag: string) => ({
  add: (o: KubeObject) => log.push(`${tag} add ${o.metadata.name}`),
  update: (_: KubeObject, o: KubeObject) => log.push(`${tag} update ${o.metadata.name}`),
  delete: (o: KubeObject) => log.push(`${tag} delete ${o.metadata.name}`),
});

/** Resolves once `log` has `count` entries; the informer dispatches as its watch delivers. */
async function until(log: string[], count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (log.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${log.length} of ${count} events: ${log.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

test("on() returns a remover: removed handlers hear nothing more, the others carry on", async () => {
  const { client, send } = fakeClient([configMap("a")]);
  const informer = new Informer(client, configmaps);
  const log: string[] = [];
  const offFirst = informer.on(recorder(log, "first"));
  informer.on(recorder(log, "second"));
  await informer.start();
  expect(log).toEqual(["first add a", "second add a"]);

  offFirst();
  offFirst(); // twice is harmless
  send("MODIFIED", "a");
  send("ADDED", "b");
  await until(log, 4);
  expect(log.slice(2)).toEqual(["second update a", "second add b"]);
  expect(informer.handlerCount).toBe(1);
  informer.stop();
});

test("a handler removed during a dispatch does not get that event either", async () => {
  const { client, send } = fakeClient();
  const informer = new Informer(client, configmaps);
  const log: string[] = [];
  let offSecond = () => {};
  informer.on({ add: (o) => (log.push(`first add ${o.metadata.name}`), offSecond()) });
  offSecond = informer.on(recorder(log, "second"));
  informer.on(recorder(log, "third"));
  await informer.start();
  send("ADDED", "a");
  await until(log, 2);
  expect(log).toEqual(["first add a", "third add a"]);
  informer.stop();
});

test("a scope's close() removes every handler added through it; the informer and other handlers go on", async () => {
  const { client, send } = fakeClient([configMap("a")]);
  const factory = new InformerFactory(client);
  const shared = factory.informer(configmaps);
  const log: string[] = [];
  shared.on(recorder(log, "owner"));

  const scope = factory.scope();
  const view = scope.informer(configmaps);
  view.on(recorder(log, "scoped"));
  view.on({ delete: (o) => log.push(`scoped delete ${o.metadata.name}`) });
  await scope.start();
  expect(view.get("ns/a")?.metadata.name).toBe("a");
  expect(shared.handlerCount).toBe(3);

  send("ADDED", "b");
  await until(log, 4);
  scope.close();
  expect(shared.handlerCount).toBe(1);
  send("DELETED", "a");
  await until(log, 5);
  expect(log).toEqual(["owner add a", "scoped add a", "owner add b", "scoped add b", "owner delete a"]);

  // A view kept past close() adds nothing.
  view.on(recorder(log, "late"));
  expect(shared.handlerCount).toBe(1);
  expect(log).toHaveLength(5);
  factory.stop();
});
