// Probes on running pods, through the agent: readiness drives the Ready
// condition, a failing liveness probe restarts the container (Unhealthy,
// then Killing), a startup probe holds the others back until it passes.
import { expect, setDefaultTimeout, test } from "bun:test";
import { eventually } from "../../../e2e/harness/in-process-api.ts";
import { agentSuite } from "../testing/agent-suite.ts";
import { conditionOf, containerStatusOf, getPod, podEvents, type testPod, unique } from "../testing/pods.ts";

setDefaultTimeout(60_000);

const suite = agentSuite();

async function run(spec: Parameters<typeof testPod>[2]) {
  await suite.agent();
  const name = unique("probed");
  await suite.create(name, spec);
  return name;
}

const image = "example.com/app:1";
const ready = async (name: string, status: "True" | "False") => eventually(`Ready ${status}`, async () => conditionOf(await getPod(suite.api.admin, name), "Ready") === status);
const events = (name: string, prefix: string) =>
  eventually(`${prefix} events`, async () => {
    const list = (await podEvents(suite.api.admin, name)).filter((e) => e.startsWith(prefix));
    return list.length > 0 ? list : undefined;
  });

test("readiness: not Ready until the probe passes, not Ready again after failureThreshold failures", async () => {
  const name = await run({
    containers: [{ name: "app", image, ports: [{ containerPort: 8080, name: "http" }], readinessProbe: { httpGet: { path: "/ready", port: "http" }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2 } }],
  });
  const instance = await suite.node.runtime.instance(name, "app");
  instance.serve(8080);
  await eventually("running", async () => containerStatusOf(await getPod(suite.api.admin, name))?.state?.running !== undefined);
  const before = await getPod(suite.api.admin, name);
  expect(conditionOf(before, "Ready")).toBe("False");
  expect(conditionOf(before, "ContainersReady")).toBe("False");
  expect(containerStatusOf(before)?.ready).toBe(false);

  suite.node.clock.advance(1_000);
  await ready(name, "True");
  instance.healthy = false;
  suite.node.clock.advance(1_000);
  await events(name, "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500");
  suite.node.clock.advance(1_000);
  await ready(name, "False");
  expect(instance.running).toBe(true);
  expect(containerStatusOf(await getPod(suite.api.admin, name))?.restartCount).toBe(0);
});

test("liveness: failureThreshold failures kill the container (Unhealthy, Killing) and it is restarted", async () => {
  const name = await run({
    terminationGracePeriodSeconds: 30,
    containers: [{ name: "app", image, livenessProbe: { tcpSocket: { port: 9090 }, initialDelaySeconds: 2, periodSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 3 } }],
  });
  const first = await suite.node.runtime.instance(name, "app");
  await ready(name, "True");
  suite.node.clock.advance(2_000);
  await events(name, "Unhealthy: Liveness probe failed: dial tcp");
  suite.node.clock.advance(1_000);
  const killing = await events(name, "Killing");
  expect(killing).toEqual(["Killing: Container app failed liveness probe, will be restarted"]);
  await eventually("killed", () => !first.running);
  // The probe's own grace period, not the pod's.
  expect(first.stops).toEqual([3_000]);
  suite.node.clock.advance(10_000);
  await suite.node.runtime.instance(name, "app", 2);
  await eventually("restarted", async () => containerStatusOf(await getPod(suite.api.admin, name))?.restartCount === 1);
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
  const instance = await suite.node.runtime.instance(name, "app");
  instance.execResult = { exitCode: 1, output: "still starting" };
  // The probes start with the running state; only then is there a wait to move past.
  await eventually("running", () => suite.node.agent.pods.find("default", name)?.record.containers[0]?.state.name === "running");
  suite.node.clock.advance(1_000);
  await events(name, "Unhealthy: Startup probe failed: still starting");
  const starting = containerStatusOf(await getPod(suite.api.admin, name));
  expect(starting?.started).toBe(false);
  expect(starting?.ready).toBe(false);
  instance.execResult = { exitCode: 0, output: "" };
  suite.node.clock.advance(1_000);
  await ready(name, "True");
  expect(containerStatusOf(await getPod(suite.api.admin, name))?.started).toBe(true);
});
