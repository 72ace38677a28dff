// Probes on running pods, through the agent: readiness drives the Ready
// condition, a failing liveness probe restarts the container (Unhealthy,
// then Killing), a startup probe holds the others back until it passes.
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { eventually, type InProcessApi, inProcessApi } from "../../../e2e/harness/in-process-api.ts";
import { conditionOf, containerStatusOf, getPod, podEvents, podsResource, testPod, unique } from "../testing/pods.ts";
import { startTestAgent, type TestAgent } from "../testing/test-agent.ts";

setDefaultTimeout(60_000);

let api: InProcessApi;
let node: TestAgent;
let nodeName: string;

beforeAll(async () => {
  api = await inProcessApi();
});

afterAll(async () => {
  await api.close();
});

afterEach(async () => {
  await node.cleanup();
});

async function run(spec: Parameters<typeof testPod>[2]) {
  nodeName = unique("node");
  node = await startTestAgent(api.client, { nodeName });
  const name = unique("probed");
  await api.admin.create(podsResource, testPod(name, nodeName, spec));
  return name;
}

const image = "example.com/app:1";
const ready = async (name: string, status: "True" | "False") => eventually(`Ready ${status}`, async () => conditionOf(await getPod(api.admin, name), "Ready") === status);
const events = (name: string, prefix: string) =>
  eventually(`${prefix} events`, async () => {
    const list = (await podEvents(api.admin, name)).filter((e) => e.startsWith(prefix));
    return list.length > 0 ? list : undefined;
  });

test("readiness: not Ready until the probe passes, not Ready again after failureThreshold failures", async () => {
  const name = await run({
    containers: [{ name: "app", image, ports: [{ containerPort: 8080, name: "http" }], readinessProbe: { httpGet: { path: "/ready", port: "http" }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2 } }],
  });
  const instance = await node.runtime.instance(name, "app");
  instance.serve(8080);
  await eventually("running", async () => containerStatusOf(await getPod(api.admin, name))?.state?.running !== undefined);
  const before = await getPod(api.admin, name);
  expect(conditionOf(before, "Ready")).toBe("False");
  expect(conditionOf(before, "ContainersReady")).toBe("False");
  expect(containerStatusOf(before)?.ready).toBe(false);

  node.clock.advance(1_000);
  await ready(name, "True");
  instance.healthy = false;
  node.clock.advance(1_000);
  await events(name, "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500");
  node.clock.advance(1_000);
  await ready(name, "False");
  expect(instance.running).toBe(true);
  expect(containerStatusOf(await getPod(api.admin, name))?.restartCount).toBe(0);
});

test("liveness: failureThreshold failures kill the container (Unhealthy, Killing) and it is restarted", async () => {
  const name = await run({
    terminationGracePeriodSeconds: 30,
    containers: [{ name: "app", image, livenessProbe: { tcpSocket: { port: 9090 }, initialDelaySeconds: 2, periodSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 3 } }],
  });
  const first = await node.runtime.instance(name, "app");
  await ready(name, "True");
  node.clock.advance(2_000);
  await events(name, "Unhealthy: Liveness probe failed: dial tcp");
  node.clock.advance(1_000);
  const killing = await events(name, "Killing");
  expect(killing).toEqual(["Killing: Container app failed liveness probe, will be restarted"]);
  await eventually("killed", () => !first.running);
  // The probe's own grace period, not the pod's.
  expect(first.stops).toEqual([3_000]);
  node.clock.advance(10_000);
  await node.runtime.instance(name, "app", 2);
  await eventually("restarted", async () => containerStatusOf(await getPod(api.admin, name))?.restartCount === 1);
});

test("startup: liveness and readiness wait for it; started and Ready follow it", async () => {
  const name = await run({
    containers: [
      {
        name: "app",
        image,
        startupProbe: { exec: { command: ["check"] }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 10 },
        livenessProbe: { exec: { command: ["alive"] }, initialDelaySeconds: 100, periodSeconds: 100 },
      },
    ],
  });
  const instance = await node.runtime.instance(name, "app");
  instance.execResult = { exitCode: 1, output: "still starting" };
  // The probes start with the running state; only then is there a wait to move past.
  await eventually("running", () => node.agent.pods.find("default", name)?.record.containers[0]?.state.name === "running");
  node.clock.advance(1_000);
  await events(name, "Unhealthy: Startup probe failed: still starting");
  const starting = containerStatusOf(await getPod(api.admin, name));
  expect(starting?.started).toBe(false);
  expect(starting?.ready).toBe(false);
  instance.execResult = { exitCode: 0, output: "" };
  node.clock.advance(1_000);
  await ready(name, "True");
  expect(containerStatusOf(await getPod(api.admin, name))?.started).toBe(true);
});
