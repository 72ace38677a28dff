// The agent end to end against an in-process API: the node it registers and
// keeps current, a pod's way to Running with the status and events
// Kubernetes shows, volumes that follow their ConfigMaps, logs through the
// API server's pods/log, usage figures, deletion.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { resourceOf } from "../../client/kube-client.ts";
import { eventually } from "../../e2e/harness/in-process-api.ts";
import type { Summary } from "./stats/stats-collector.ts";
import { agentSuite } from "./testing/agent-suite.ts";
import { conditionOf, containerStatusOf, podEvents, podsResource, unique } from "./testing/pods.ts";
import { steadyReadings } from "./testing/test-agent.ts";

setDefaultTimeout(60_000);

const nodes = resourceOf("v1", "nodes");
const leases = resourceOf("coordination.k8s.io/v1", "leases");
const runtimeClasses = resourceOf("node.k8s.io/v1", "runtimeclasses");
const configMaps = resourceOf("v1", "configmaps");

const suite = agentSuite("edge");
const { agent, create, pod } = suite;
const running = (name: string) =>
  eventually(`${name} running and ready`, async () => {
    const p = await pod(name);
    return p?.status?.phase === "Running" && conditionOf(p, "Ready") === "True" ? p : undefined;
  });

describe("the node", () => {
  test("is registered with capacity, addresses, runtime labels and conditions; its lease renewed; the RuntimeClasses made", async () => {
    await agent();
    await suite.node.agent.node.registered;
    const registered = (await suite.api.admin.get(nodes, undefined, suite.nodeName)) as Record<string, any>;
    expect(registered.metadata.labels).toMatchObject({
      "kubernetes.io/hostname": suite.nodeName,
      "kubernetes.io/os": "linux",
      "ledge.dev/runtime-wasm": "true",
      "ledge.dev/runtime-oci": "true",
    });
    expect(registered.metadata.labels["kubernetes.io/arch"]).toBeString();
    expect(registered.status.capacity).toMatchObject({ cpu: "4", memory: `${8 * 1024 * 1024}Ki`, pods: "110" });
    expect(registered.status.allocatable).toEqual(registered.status.capacity);
    expect(registered.status.addresses).toContainEqual({ type: "InternalIP", address: "127.0.0.1" });
    expect(registered.status.daemonEndpoints.kubeletEndpoint.Port).toBe(suite.node.agent.port);
    expect(registered.status.nodeInfo).toMatchObject({ operatingSystem: "linux", containerRuntimeVersion: "fake://0.1.0" });
    const conditions = Object.fromEntries(registered.status.conditions.map((c: any) => [c.type, [c.status, c.reason]]));
    expect(conditions).toEqual({
      MemoryPressure: ["False", "KubeletHasSufficientMemory"],
      DiskPressure: ["False", "KubeletHasNoDiskPressure"],
      PIDPressure: ["False", "KubeletHasSufficientPID"],
      Ready: ["True", "KubeletReady"],
    });
    const lease = (await eventually("the lease", () => suite.api.admin.get(leases, "kube-node-lease", suite.nodeName).catch(() => undefined))) as Record<string, any>;
    expect(lease.spec).toMatchObject({ holderIdentity: suite.nodeName, leaseDurationSeconds: 40 });
    const renewed = lease.spec.renewTime;
    suite.node.clock.advance(10_000);
    await eventually("renewed", async () => ((await suite.api.admin.get(leases, "kube-node-lease", suite.nodeName)) as Record<string, any>).spec.renewTime !== renewed);
    const classes = (await suite.api.admin.list(runtimeClasses)).items.map((c) => [c.metadata.name, c.handler]);
    expect(classes).toEqual(expect.arrayContaining([["wasm", "wasm"], ["wasmtime", "wasmtime"], ["jco", "jco"], ["runc", "runc"]]));
  });

  test("posts status when a condition changes, and at least every minute", async () => {
    let available = 6 * 1024 ** 3;
    await agent({ readings: steadyReadings({ memoryAvailableBytes: () => available }) });
    await suite.node.agent.node.registered;
    const heartbeat = async () =>
      ((await suite.api.admin.get(nodes, undefined, suite.nodeName)) as Record<string, any>).status.conditions.find((c: any) => c.type === "Ready").lastHeartbeatTime;
    const first = await heartbeat();
    available = 50 * 1024 * 1024;
    suite.node.clock.advance(10_000);
    const pressure = await eventually("MemoryPressure", async () => {
      const n = (await suite.api.admin.get(nodes, undefined, suite.nodeName)) as Record<string, any>;
      return n.status.conditions.find((c: any) => c.type === "MemoryPressure" && c.status === "True");
    });
    expect(pressure.reason).toBe("KubeletHasInsufficientMemory");
    const afterChange = await heartbeat();
    expect(afterChange).not.toBe(first);
    // Nothing changes for 50 s: no posts; at a minute, a heartbeat.
    for (let i = 0; i < 5; i++) suite.node.clock.advance(10_000);
    await suite.node.agent.pods.statusSettled();
    suite.node.clock.advance(10_000);
    await eventually("a heartbeat a minute later", async () => (await heartbeat()) !== afterChange);
  });
});

describe("a pod", () => {
  test("runs: Running and Ready with its own loopback IP, Kubernetes' events and container status", async () => {
    await agent();
    const name = unique("web");
    await create(name);
    const p = await running(name);
    expect(p.status?.podIP).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(p.status?.podIPs).toEqual([{ ip: p.status!.podIP! }]);
    expect(p.status?.hostIP).toBe("127.0.0.1");
    expect(p.status?.startTime).toBeString();
    expect(p.status?.qosClass).toBe("BestEffort");
    const status = containerStatusOf(p)!;
    expect(status).toMatchObject({ name: "app", ready: true, started: true, restartCount: 0, image: "example.com/app:1", lastState: {} });
    expect(status.state?.running?.startedAt).toBeString();
    expect(status.containerID).toStartWith("fake://");
    expect(status.imageID).toStartWith("example.com/app@sha256:");
    expect(p.status?.conditions?.map((c) => [c.type, c.status])).toEqual([
      ["PodScheduled", "True"],
      ["Initialized", "True"],
      ["ContainersReady", "True"],
      ["Ready", "True"],
    ]);
    const [instance] = suite.node.runtime.instances(name, "app");
    expect(instance!.config.podIP).toBe(p.status!.podIP!);
    const events = await eventually("events", async () => {
      const list = await podEvents(suite.api.admin, name);
      return list.length >= 4 ? list : undefined;
    });
    expect(events).toEqual([
      'Pulling: Pulling image "example.com/app:1"',
      expect.stringMatching(/^Pulled: Successfully pulled image "example.com\/app:1" in [\d.]+s \([\d.]+s including waiting\)$/),
      "Created: Created container app",
      "Started: Started container app",
    ]);
  });

  test("each pod gets its own address, and keeps it", async () => {
    await agent();
    const names = [unique("a"), unique("b"), unique("c")];
    for (const name of names) await create(name);
    const ips = await Promise.all(names.map(async (name) => (await running(name)).status?.podIP));
    expect(new Set(ips).size).toBe(3);
  });

  test("is stopped gracefully when deleted (SIGTERM, then the kill when the grace period is up), then removed from the API", async () => {
    await agent();
    const name = unique("web");
    await create(name, { terminationGracePeriodSeconds: 20 });
    const instance = await suite.node.runtime.instance(name, "app");
    instance.ignoresTerm = true;
    await running(name);
    await suite.api.admin.delete(podsResource, "default", name);
    await eventually("stop asked", () => instance.stops.length > 0);
    expect(instance.stops).toEqual([20_000]);
    expect(instance.running).toBe(true);
    suite.node.clock.advance(20_000);
    await eventually("the pod object gone", async () => (await pod(name)) === undefined);
    expect(instance.running).toBe(false);
    expect(await podEvents(suite.api.admin, name)).toContain("Killing: Stopping container app");
    expect(suite.node.agent.pods.find("default", name)).toBeUndefined();
  });

  test("a shorter grace period on deletion wins over the pod's", async () => {
    await agent();
    const name = unique("web");
    await create(name, { terminationGracePeriodSeconds: 60 });
    const instance = await suite.node.runtime.instance(name, "app");
    await running(name);
    await suite.api.admin.delete(podsResource, "default", name, { gracePeriodSeconds: 5 });
    await eventually("stopped", () => instance.stops.length > 0);
    expect(instance.stops).toEqual([5_000]);
    await eventually("gone", async () => (await pod(name)) === undefined);
  });

  test("a force delete (grace 0) leaves the containers only the kubelet's 2 s", async () => {
    await agent();
    const name = unique("web");
    await create(name, { terminationGracePeriodSeconds: 60 });
    const instance = await suite.node.runtime.instance(name, "app");
    await running(name);
    await suite.api.admin.delete(podsResource, "default", name, { gracePeriodSeconds: 0 });
    await eventually("stopped", () => !instance.running);
    expect(instance.stops).toEqual([2_000]);
    await eventually("forgotten", () => suite.node.agent.pods.find("default", name) === undefined);
  });
});

describe("volumes", () => {
  test("a missing ConfigMap is FailedMount until it exists; then its files follow it", async () => {
    await agent({ timings: { volumeRefreshMs: 30_000 } });
    const name = unique("configured");
    const settings = unique("settings");
    await create(name, {
      volumes: [{ name: "config", configMap: { name: settings } }],
      containers: [{ name: "app", image: "example.com/app:1", volumeMounts: [{ name: "config", mountPath: "/etc/app" }] }],
    });
    const failed = await eventually("FailedMount", async () => (await podEvents(suite.api.admin, name)).find((e) => e.startsWith("FailedMount")));
    expect(failed).toBe(`FailedMount: MountVolume.SetUp failed for volume "config" : configmap "${settings}" not found`);
    const pending = await pod(name);
    expect(pending?.status?.phase).toBe("Pending");
    expect(containerStatusOf(pending)?.state?.waiting?.reason).toBe("ContainerCreating");

    await suite.api.admin.create(configMaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: settings, namespace: "default" }, data: { mode: "slow" } });
    suite.node.clock.advance(10_000);
    const instance = await suite.node.runtime.instance(name, "app");
    const [mount] = instance.config.mounts;
    expect(mount).toMatchObject({ containerPath: "/etc/app", readOnly: true });
    expect(await Bun.file(`${mount!.hostPath}/mode`).text()).toBe("slow");

    await suite.api.admin.patch(configMaps, "default", settings, "merge", { data: { mode: "fast" } });
    suite.node.clock.advance(30_000);
    await eventually("the file updated", async () => (await Bun.file(`${mount!.hostPath}/mode`).text()) === "fast");
    expect(instance.running).toBe(true);
  });
});

describe("logs", () => {
  const logs = async (name: string, query: Record<string, string | number | boolean | undefined> = {}) => {
    const response = await suite.api.admin.request("GET", `/api/v1/namespaces/default/pods/${name}/log`, { query });
    return response.text();
  };

  test("kubectl logs through the API server: whole, tailLines, timestamps, limitBytes, previous, -c", async () => {
    await agent();
    const name = unique("chatty");
    await create(name, { containers: [{ name: "app", image: "example.com/app:1" }, { name: "sidecar", image: "example.com/app:1" }] });
    const first = await suite.node.runtime.instance(name, "app");
    (await suite.node.runtime.instance(name, "sidecar")).log("from the sidecar");
    for (const line of ["one", "two", "three"]) first.log(line);
    first.log("oops", "stderr");
    await running(name);
    expect(await logs(name, { container: "app" })).toBe("one\ntwo\nthree\noops\n");
    expect(await logs(name, { container: "app", tailLines: 2 })).toBe("three\noops\n");
    expect(await logs(name, { container: "app", limitBytes: 6 })).toBe("one\ntw");
    expect(await logs(name, { container: "sidecar" })).toBe("from the sidecar\n");
    const stamped = (await logs(name, { container: "app", timestamps: true })).trim().split("\n");
    expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one$/);

    const error = await suite.api.admin.request("GET", `/api/v1/namespaces/default/pods/${name}/log`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 400, message: `a container name must be specified for pod ${name}, choose one of: [app sidecar]` });
    const noPrevious = await suite.api.admin.request("GET", `/api/v1/namespaces/default/pods/${name}/log`, { query: { container: "app", previous: true } }).catch((e: unknown) => e);
    expect(noPrevious).toMatchObject({ code: 400, message: `previous terminated container "app" in pod "${name}" not found` });

    first.exit(1);
    await eventually("backing off", () => suite.node.agent.pods.find("default", name)?.record.containers.find((c) => c.name === "app")?.state.name === "crash-loop-backoff");
    suite.node.clock.advance(10_000);
    (await suite.node.runtime.instance(name, "app", 2)).log("second life");
    await eventually("restarted", async () => containerStatusOf(await pod(name))?.restartCount === 1);
    expect(await logs(name, { container: "app" })).toBe("second life\n");
    expect(await logs(name, { container: "app", previous: true })).toBe("one\ntwo\nthree\noops\n");
  });

  test("follow streams new lines until the container exits", async () => {
    await agent();
    const name = unique("follow");
    await create(name, { restartPolicy: "Never" });
    const instance = await suite.node.runtime.instance(name, "app");
    instance.log("before");
    await running(name);
    const response = await suite.api.admin.request("GET", `/api/v1/namespaces/default/pods/${name}/log`, { query: { follow: true } });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    const readUntil = async (text: string) => {
      while (!seen.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before "${text}"; got ${JSON.stringify(seen)}`);
        seen += decoder.decode(value, { stream: true });
      }
    };
    await readUntil("before\n");
    instance.log("during");
    await readUntil("during\n");
    instance.log("last words");
    instance.exit(0);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
    }
    expect(seen).toBe("before\nduring\nlast words\n");
  });

  test("a container that never started has no logs, in the kubelet's words", async () => {
    await agent();
    const name = unique("stuck");
    suite.node.images.fail("example.com/stuck:1", "NotFound", "manifest unknown");
    await create(name, { containers: [{ name: "app", image: "example.com/stuck:1" }] });
    await eventually("ImagePullBackOff", async () => containerStatusOf(await pod(name))?.state?.waiting?.reason === "ImagePullBackOff");
    const error = await suite.api.admin.request("GET", `/api/v1/namespaces/default/pods/${name}/log`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 400, message: `container "app" in pod "${name}" is waiting to start: ImagePullBackOff` });
  });
});

describe("usage", () => {
  test("the node's and each container's usage, in the Summary API's shape", async () => {
    await agent();
    const name = unique("busy");
    await create(name);
    const instance = await suite.node.runtime.instance(name, "app");
    instance.usage = { memoryBytes: 42 * 1024 * 1024, cpuMillis: 1_000 };
    await running(name);
    await suite.node.agent.stats.sample();
    instance.usage = { memoryBytes: 42 * 1024 * 1024, cpuMillis: 6_000 };
    suite.node.clock.advance(10_000);
    const summary = await eventually("a second sample", async () => {
      const s = (await (await fetch(`${suite.node.agent.url}/stats/summary`)).json()) as Summary;
      return s.pods.find((p) => p.podRef.name === name)?.containers[0]?.cpu?.usageNanoCores ? s : undefined;
    });
    expect(summary.node.nodeName).toBe(suite.nodeName);
    expect(summary.node.memory.workingSetBytes).toBe(2 * 1024 ** 3);
    const stats = summary.pods.find((p) => p.podRef.name === name)!;
    // 5 s of CPU over 10 s: half a core.
    expect(stats.containers[0]!.cpu!.usageNanoCores).toBe(500_000_000);
    expect(stats.memory?.workingSetBytes).toBe(42 * 1024 * 1024);
  });
});
