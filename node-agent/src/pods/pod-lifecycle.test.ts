// A pod's life through the state machine, against an in-process API with a
// fake runtime and a clock the tests move: restart policies and their
// back-off, init containers, image pulls that fail, starts that fail,
// configs that cannot be built yet, admission.
import { describe, expect, test } from "bun:test";
import { resourceOf } from "../../../client/kube-client.ts";
import { eventually } from "../../../e2e/harness/in-process-api.ts";
import { agentSuite } from "../testing/agent-suite.ts";
import { conditionOf, containerStatusOf, podEvents, unique } from "../testing/pods.ts";
import type { ContainerState } from "./containers/container-states.ts";

const configMaps = resourceOf("v1", "configmaps");

const suite = agentSuite();
const { agent, create, pod } = suite;
const stateOf = (name: string, container = "app"): ContainerState | undefined =>
  suite.node.agent.pods.find("default", name)?.record.containers.find((c) => c.name === container)?.state;

describe("restartPolicy Always", () => {
  test("an exited container is restarted after 10 s, then 20 s, its restarts and last state reported (CrashLoopBackOff)", async () => {
    await agent();
    const name = unique("crash");
    await create(name);
    const first = await suite.node.runtime.instance(name, "app", 1);
    await eventually("Running", async () => (await pod(name))?.status?.phase === "Running");

    const crashedAt = suite.node.clock.now();
    first.log("boom");
    first.exit(1);
    const waiting = await eventually("CrashLoopBackOff", async () => {
      const status = containerStatusOf(await pod(name));
      return status?.state?.waiting?.reason === "CrashLoopBackOff" ? status : undefined;
    });
    expect(waiting.restartCount).toBe(0);
    expect(waiting.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(waiting.state?.waiting?.message).toStartWith("back-off 10s restarting failed container=app pod=");
    expect(waiting.ready).toBe(false);
    expect(conditionOf(await pod(name), "Ready")).toBe("False");
    expect((await pod(name))?.status?.phase).toBe("Running");
    // Waiting for exactly the back-off: due 10 s after the crash, on the agent's clock.
    expect(stateOf(name)).toMatchObject({ name: "crash-loop-backoff", until: crashedAt + 10_000 });
    expect(suite.node.runtime.instances(name, "app")).toHaveLength(1);

    suite.node.clock.advance(10_000);
    const second = await suite.node.runtime.instance(name, "app", 2);
    const restarted = await eventually("restarted", async () => {
      const status = containerStatusOf(await pod(name));
      return status?.state?.running && status.restartCount === 1 ? status : undefined;
    });
    expect(restarted.lastState?.terminated?.exitCode).toBe(1);

    const secondCrash = suite.node.clock.now();
    second.exit(2);
    await eventually("second back-off", async () => containerStatusOf(await pod(name))?.state?.waiting?.message?.startsWith("back-off 20s"));
    expect(stateOf(name)).toMatchObject({ name: "crash-loop-backoff", until: secondCrash + 20_000 });
    suite.node.clock.advance(20_000);
    await suite.node.runtime.instance(name, "app", 3);
    await eventually("restartCount 2", async () => containerStatusOf(await pod(name))?.restartCount === 2);
    const events = await eventually("BackOff events", async () => {
      const list = await podEvents(suite.api.admin, name);
      return list.some((e) => e.startsWith("BackOff: Back-off restarting failed container app")) ? list : undefined;
    });
    expect(events.filter((e) => e.startsWith("Started:"))).not.toHaveLength(0);
  });

  test("the back-off doubles up to 5 minutes and starts over after a long run", async () => {
    await agent();
    const name = unique("cap");
    await create(name);
    const delays: number[] = [];
    for (let n = 1; n <= 7; n++) {
      const instance = await suite.node.runtime.instance(name, "app", n);
      await eventually(`instance ${n} running`, () => stateOf(name)?.name === "running");
      const at = suite.node.clock.now();
      instance.exit(1);
      const state = await eventually(`back-off ${n}`, () => {
        const s = stateOf(name);
        return s?.name === "crash-loop-backoff" ? s : undefined;
      });
      delays.push(state.until - at);
      suite.node.clock.advance(state.until - at);
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);

    // Ten minutes of running: the next crash is forgiven back to 10 s.
    const long = await suite.node.runtime.instance(name, "app", 8);
    await eventually("running", () => stateOf(name)?.name === "running");
    suite.node.clock.advance(600_000);
    const at = suite.node.clock.now();
    long.exit(1);
    const state = await eventually("back-off after a long run", () => {
      const s = stateOf(name);
      return s?.name === "crash-loop-backoff" ? s : undefined;
    });
    expect(state.until - at).toBe(10_000);
  });
});

describe("restartPolicy Never and OnFailure", () => {
  test.each([
    ["Never", 0, "Succeeded", "Completed"],
    ["Never", 3, "Failed", "Error"],
    ["OnFailure", 0, "Succeeded", "Completed"],
  ] as const)("restartPolicy %s, exit %d: the pod is %s", async (restartPolicy, exitCode, phase, reason) => {
    await agent();
    const name = unique("job");
    await create(name, { restartPolicy });
    const instance = await suite.node.runtime.instance(name, "app");
    instance.exit(exitCode);
    const done = await eventually(phase, async () => {
      const p = await pod(name);
      return p?.status?.phase === phase ? p : undefined;
    });
    expect(containerStatusOf(done)?.state?.terminated).toMatchObject({ exitCode, reason });
    expect(containerStatusOf(done)?.restartCount).toBe(0);
    expect(done.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "PodCompleted" });
    expect(suite.node.runtime.instances(name, "app")).toHaveLength(1);
  });

  test("OnFailure restarts a failed container, and the pod succeeds once it exits 0", async () => {
    await agent();
    const name = unique("retry");
    await create(name, { restartPolicy: "OnFailure" });
    (await suite.node.runtime.instance(name, "app", 1)).exit(1);
    await eventually("back-off", () => stateOf(name)?.name === "crash-loop-backoff");
    suite.node.clock.advance(10_000);
    (await suite.node.runtime.instance(name, "app", 2)).exit(0);
    const done = await eventually("Succeeded", async () => {
      const p = await pod(name);
      return p?.status?.phase === "Succeeded" ? p : undefined;
    });
    expect(containerStatusOf(done)?.restartCount).toBe(1);
  });
});

describe("init containers", () => {
  test("run in order, each to success, before the app containers; Initialized follows", async () => {
    await agent();
    const name = unique("init");
    await create(name, {
      initContainers: [
        { name: "first", image: "example.com/init:1" },
        { name: "second", image: "example.com/init:1" },
      ],
    });
    const first = await suite.node.runtime.instance(name, "first");
    const pending = await eventually("Pending with PodInitializing", async () => {
      const p = await pod(name);
      return containerStatusOf(p, "app")?.state?.waiting?.reason === "PodInitializing" ? p : undefined;
    });
    expect(pending.status?.phase).toBe("Pending");
    expect(pending.status?.conditions?.find((c) => c.type === "Initialized")).toMatchObject({ status: "False", reason: "ContainersNotInitialized" });
    expect(suite.node.runtime.instances(name, "second")).toHaveLength(0);
    first.exit(0);
    const second = await suite.node.runtime.instance(name, "second");
    expect(suite.node.runtime.instances(name, "app")).toHaveLength(0);
    second.exit(0);
    await suite.node.runtime.instance(name, "app");
    const running = await eventually("Running", async () => {
      const p = await pod(name);
      return p?.status?.phase === "Running" ? p : undefined;
    });
    expect(conditionOf(running, "Initialized")).toBe("True");
    expect(running.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.reason])).toEqual([
      ["first", "Completed"],
      ["second", "Completed"],
    ]);
  });

  test("a failing init container is retried with back-off, and fails the pod under restartPolicy Never", async () => {
    await agent();
    const retried = unique("init-retry");
    await create(retried, { initContainers: [{ name: "setup", image: "example.com/init:1" }] });
    (await suite.node.runtime.instance(retried, "setup", 1)).exit(1);
    await eventually("back-off", () => stateOf(retried, "setup")?.name === "crash-loop-backoff");
    suite.node.clock.advance(10_000);
    (await suite.node.runtime.instance(retried, "setup", 2)).exit(0);
    await suite.node.runtime.instance(retried, "app");

    const failed = unique("init-never");
    await create(failed, { restartPolicy: "Never", initContainers: [{ name: "setup", image: "example.com/init:1" }] });
    (await suite.node.runtime.instance(failed, "setup")).exit(1);
    const done = await eventually("Failed", async () => {
      const p = await pod(failed);
      return p?.status?.phase === "Failed" ? p : undefined;
    });
    expect(suite.node.runtime.instances(failed, "app")).toHaveLength(0);
    expect(containerStatusOf(done, "setup")?.state?.terminated?.exitCode).toBe(1);
  });
});

describe("images", () => {
  test("a failed pull is ErrImagePull, then ImagePullBackOff, retried with back-off until it works", async () => {
    await agent();
    const name = unique("pull");
    const image = "example.com/missing:1";
    suite.node.images.fail(image, "NotFound", "manifest unknown", 2);
    await create(name, { containers: [{ name: "app", image }] });
    const backoff = await eventually("ImagePullBackOff", async () => {
      const status = containerStatusOf(await pod(name));
      return status?.state?.waiting?.reason === "ImagePullBackOff" ? status : undefined;
    });
    expect(backoff.state?.waiting?.message).toBe(`Failed to pull image "${image}": manifest unknown`);
    suite.node.clock.advance(10_000);
    await eventually("ErrImagePull while retrying", () => stateOf(name)?.name === "image-pull-backoff" && suite.node.images.pulls.length >= 2);
    const second = stateOf(name);
    expect(second).toMatchObject({ name: "image-pull-backoff" });
    suite.node.clock.advance(20_000);
    await suite.node.runtime.instance(name, "app");
    const events = await eventually("events", async () => {
      const list = await podEvents(suite.api.admin, name);
      return list.some((e) => e.startsWith("Started")) ? list : undefined;
    });
    expect(events).toEqual(
      expect.arrayContaining([`Failed: Failed to pull image "${image}": manifest unknown`, "Failed: Error: ErrImagePull", `BackOff: Back-off pulling image "${image}"`]),
    );
  });

  test("IfNotPresent uses what the node has; Never without the image is ErrImageNeverPull", async () => {
    await agent();
    const present = unique("present");
    await create(present, { containers: [{ name: "app", image: "example.com/app:1", imagePullPolicy: "IfNotPresent" }] });
    await suite.node.runtime.instance(present, "app");
    const again = unique("again");
    await create(again, { containers: [{ name: "app", image: "example.com/app:1", imagePullPolicy: "IfNotPresent" }] });
    await suite.node.runtime.instance(again, "app");
    const events = await eventually("Pulled", async () => {
      const list = await podEvents(suite.api.admin, again);
      return list.some((e) => e.startsWith("Pulled")) ? list : undefined;
    });
    expect(events).toContain('Pulled: Container image "example.com/app:1" already present on machine');
    expect(events.some((e) => e.startsWith("Pulling"))).toBe(false);

    const never = unique("never");
    await create(never, { containers: [{ name: "app", image: "example.com/absent:1", imagePullPolicy: "Never" }] });
    const status = await eventually("ErrImageNeverPull", async () => {
      const s = containerStatusOf(await pod(never));
      return s?.state?.waiting?.reason === "ErrImageNeverPull" ? s : undefined;
    });
    expect(status.state?.waiting?.message).toBe('Container image "example.com/absent:1" is not present with pull policy of Never');
  });
});

describe("starting", () => {
  test("a start the runtime refuses counts as an exit (StartError), then the container is started again", async () => {
    await agent();
    const name = unique("refused");
    suite.node.runtime.failNextStart("app", "bind: address already in use");
    await create(name);
    const status = await eventually("StartError", async () => {
      const s = containerStatusOf(await pod(name));
      return s?.lastState?.terminated?.reason === "StartError" ? s : undefined;
    });
    expect(status.lastState?.terminated).toMatchObject({ exitCode: 128, message: "bind: address already in use" });
    suite.node.clock.advance(10_000);
    await suite.node.runtime.instance(name, "app");
    await eventually("restartCount 1", async () => containerStatusOf(await pod(name))?.restartCount === 1);
  });

  test("a missing ConfigMap key is CreateContainerConfigError until the ConfigMap has it; no restart counted", async () => {
    await agent();
    const name = unique("config");
    const settings = unique("settings");
    await create(name, {
      containers: [{ name: "app", image: "example.com/app:1", env: [{ name: "MODE", valueFrom: { configMapKeyRef: { name: settings, key: "mode" } } }] }],
    });
    const status = await eventually("CreateContainerConfigError", async () => {
      const s = containerStatusOf(await pod(name));
      return s?.state?.waiting?.reason === "CreateContainerConfigError" ? s : undefined;
    });
    expect(status.state?.waiting?.message).toBe(`configmap "${settings}" not found`);
    await suite.api.admin.create(configMaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: settings, namespace: "default" }, data: { mode: "fast" } });
    suite.node.clock.advance(10_000);
    const instance = await suite.node.runtime.instance(name, "app");
    expect(instance.config.env.MODE).toBe("fast");
    await eventually("running, no restarts", async () => {
      const s = containerStatusOf(await pod(name));
      return s?.state?.running !== undefined && s.restartCount === 0;
    });
  });

  test("the container gets its environment, expanded command, ports, limits and log file", async () => {
    await agent();
    const name = unique("config");
    await create(name, {
      containers: [
        {
          name: "app",
          image: "example.com/app:1",
          command: ["serve", "--name=$(POD_NAME)", "$$(LITERAL)"],
          args: ["--ip=$(POD_IP)"],
          env: [
            { name: "GREETING", value: "hello" },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            { name: "MESSAGE", value: "$(GREETING) from $(POD_NAME)" },
            { name: "MEMORY", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
          ],
          ports: [{ containerPort: 8080, name: "http" }],
          resources: { limits: { memory: "64Mi", cpu: "250m" } },
        },
      ],
    });
    const { config } = await suite.node.runtime.instance(name, "app");
    expect(config.env).toMatchObject({ GREETING: "hello", POD_NAME: name, POD_IP: config.podIP, MESSAGE: `hello from ${name}`, MEMORY: "64" });
    expect(config.command).toEqual(["serve", `--name=${name}`, "$(LITERAL)"]);
    expect(config.args).toEqual([`--ip=${config.podIP}`]);
    expect(config.ports).toEqual([{ containerPort: 8080, protocol: "TCP", name: "http" }]);
    expect(config.resources).toEqual({ memoryLimitBytes: 64 * 1024 * 1024, cpuLimitMillis: 250 });
    expect(config.logPath).toEndWith(`/default_${name}_${config.podUid}/app/0.log`);
  });
});

describe("admission", () => {
  test("pods beyond maxPods fail with OutOfpods, even when they arrive together", async () => {
    await agent({ maxPods: 2 });
    const names = [unique("a"), unique("b"), unique("c"), unique("d")];
    // Bound before the agent's first list, so all four arrive in one batch.
    await suite.node.stop();
    for (const name of names) await create(name);
    suite.node = await suite.node.restart();
    const phases = await eventually("all decided", async () => {
      const list = await Promise.all(names.map(async (name) => (await pod(name))?.status));
      return list.every((s) => s?.phase === "Running" || s?.phase === "Failed") ? list : undefined;
    });
    expect(phases.filter((s) => s?.phase === "Running")).toHaveLength(2);
    expect(phases.filter((s) => s?.phase === "Failed").map((s) => [s?.reason, s?.message])).toEqual([
      ["OutOfpods", "Node didn't have enough resource: pods"],
      ["OutOfpods", "Node didn't have enough resource: pods"],
    ]);
  });
});
