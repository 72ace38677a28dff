// Edge autonomy: the control plane goes away and the node carries on. With
// the link cut, pods keep running and keep being restarted; an agent that
// restarts while cut off brings its pods back from its own database; when
// the link returns the agent reconciles with the API without starting a
// single container again, and status catches up.
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { eventually, type InProcessApi, inProcessApi } from "../../e2e/harness/in-process-api.ts";
import type { PodStatus } from "../../schemas/index.ts";
import { conditionOf, containerStatusOf, getPod, podsResource, testPod, unique } from "./testing/pods.ts";
import { RecoverableFakeRuntime } from "./testing/fake-runtime.ts";
import { FakeClock } from "./testing/fake-clock.ts";
import { startTestAgent, type TestAgent } from "./testing/test-agent.ts";

// Each step has its own deadline (eventually); the API takes a while to start on a busy machine.
setDefaultTimeout(60_000);

let api: InProcessApi;
let node: TestAgent | undefined;

beforeAll(async () => {
  api = await inProcessApi();
});

afterAll(async () => {
  await api.close();
});

afterEach(async () => {
  api.restore();
  await node?.cleanup();
  node = undefined;
});

const stateOf = (agent: TestAgent, name: string) => agent.agent.pods.find("default", name)?.record.containers[0]?.state;

test("cut off: pods keep running and restarting; restarted offline: they come back; link back: nothing recreated, status catches up", async () => {
  const nodeName = unique("edge");
  node = await startTestAgent(api.client, { nodeName });
  const name = unique("app");
  await api.admin.create(podsResource, testPod(name, nodeName));
  const first = await node.runtime.instance(name, "app", 1);
  const running = await eventually("Running", async () => {
    const p = await getPod(api.admin, name);
    return p?.status?.phase === "Running" && conditionOf(p, "Ready") === "True" ? p : undefined;
  });
  const uid = running.metadata?.uid;
  const podIP = running.status?.podIP;

  // The uplink goes. The node controller, hearing nothing, marks the pod not ready.
  api.cut();
  const notReady: PodStatus = { ...running.status, conditions: running.status?.conditions?.map((c) => (c.type === "Ready" ? { ...c, status: "False", reason: "NodeNotReady" } : c)) };
  await api.admin.patch(podsResource, "default", name, "merge", { status: notReady }, { subresource: "status" });

  // Cut off, the container crashes and is restarted after its back-off all the same.
  first.exit(1);
  await eventually("back-off while cut off", () => stateOf(node!, name)?.name === "crash-loop-backoff");
  node.clock.advance(10_000);
  await node.runtime.instance(name, "app", 2);
  await eventually("running again", () => stateOf(node!, name)?.name === "running");
  expect(node.agent.link.online).toBe(false);

  // The agent itself restarts, still cut off: the pod comes back from the agent's database, at its address.
  await node.stop();
  expect(node.runtime.running()).toHaveLength(0);
  node = await node.restart();
  const third = await node.runtime.instance(name, "app", 3);
  expect(third.config.podIP).toBe(podIP!);
  expect(third.config.podUid).toBe(uid!);
  await eventually("running after the restart", () => stateOf(node!, name)?.name === "running");
  const record = node.agent.pods.find("default", name)!.record;
  expect(record.containers[0]!.restartCount).toBe(2);
  expect(record.containers[0]!.lastTermination?.reason).toBe("ContainerStatusUnknown");

  // The link returns; the next lease renewal notices. The API's pod is the same object, no container starts again, and status catches up.
  const startsBefore = node.runtime.started.length;
  api.restore();
  node.clock.advance(10_000);
  const caughtUp = await eventually("status caught up", async () => {
    const p = await getPod(api.admin, name);
    const status = containerStatusOf(p);
    return status?.restartCount === 2 && conditionOf(p, "Ready") === "True" ? p : undefined;
  });
  expect(caughtUp.metadata?.uid).toBe(uid);
  expect(caughtUp.status?.podIP).toBe(podIP);
  expect(containerStatusOf(caughtUp)?.state?.running).toBeDefined();
  await node.agent.pods.statusSettled();
  expect(node.runtime.started.length).toBe(startsBefore);
  expect(node.runtime.running().map((c) => c.config.podName)).toEqual([name]);
  expect(api.requests.filter((r) => r.startsWith("POST") && r.includes("/pods"))).toEqual([]);
});

test("a pod deleted while the node was cut off is stopped when the link returns, and only then", async () => {
  const nodeName = unique("edge");
  node = await startTestAgent(api.client, { nodeName });
  const kept = unique("kept");
  const removed = unique("removed");
  await api.admin.create(podsResource, testPod(kept, nodeName));
  await api.admin.create(podsResource, testPod(removed, nodeName));
  const keptInstance = await node.runtime.instance(kept, "app");
  const removedInstance = await node.runtime.instance(removed, "app");
  await eventually("both running", () => stateOf(node!, kept)?.name === "running" && stateOf(node!, removed)?.name === "running");

  api.cut();
  // Force-deleted (no grace): the object is gone from the API at once, and the node cannot hear of it.
  await api.admin.delete(podsResource, "default", removed, { gracePeriodSeconds: 0 });
  expect(removedInstance.running).toBe(true);

  api.restore();
  node.clock.advance(10_000);
  await eventually("the deleted pod stopped", () => !removedInstance.running);
  await eventually("the agent forgot it", () => node!.agent.pods.find("default", removed) === undefined);
  expect(keptInstance.running).toBe(true);
  expect(node.runtime.instances(kept, "app")).toHaveLength(1);
});

test("containers that outlive the agent (runc's) are re-attached after an agent restart, not started again; strays are removed", async () => {
  const nodeName = unique("edge");
  const clock = new FakeClock();
  const runtime = new RecoverableFakeRuntime({ clock });
  node = await startTestAgent(api.client, { nodeName, clock, runtime });
  const name = unique("app");
  await api.admin.create(podsResource, testPod(name, nodeName));
  const instance = await node.runtime.instance(name, "app");
  await eventually("running", () => stateOf(node!, name)?.name === "running");
  // A container no pod claims: started by an agent that died before it could save that it had.
  const stray = (await runtime.start({ ...instance.config, id: "stray", containerName: "stray" })) as typeof instance;

  api.cut();
  await node.stop();
  expect(instance.running).toBe(true);
  node = await node.restart();
  await eventually("the stray removed", () => !stray.running);
  expect(instance.running).toBe(true);
  expect(node.runtime.instances(name, "app")).toHaveLength(1);
  expect(stateOf(node, name)).toMatchObject({ name: "running", containerID: `fake://${instance.id}` });

  // Re-attached means watched: its exit is seen and it is restarted as usual.
  instance.exit(1);
  await eventually("backing off", () => stateOf(node!, name)?.name === "crash-loop-backoff");
  node.clock.advance(10_000);
  await node.runtime.instance(name, "app", 2);
  api.restore();
  node.clock.advance(10_000);
  await eventually("status caught up", async () => containerStatusOf(await getPod(api.admin, name))?.restartCount === 1);
});
