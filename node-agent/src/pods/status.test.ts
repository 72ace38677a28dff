// Status computed from a pod's record alone, table by table.
import { describe, expect, test } from "bun:test";
import type { Pod, PodStatus } from "../../../schemas/index.ts";
import type { ContainerState } from "./containers/container-states.ts";
import { type ContainerRecord, newPodRecord, type PodRecord } from "./pod-record.ts";
import type { PodState } from "./pod-states.ts";
import { computePodStatus, imageIdOf, qosClassOf, statusToWrite } from "./status.ts";

const pod = (spec: Partial<NonNullable<Pod["spec"]>> = {}): Pod =>
  ({ metadata: { name: "web", namespace: "default", uid: "u1" }, spec: { containers: [{ name: "app", image: "app:1" }], ...spec } }) as Pod;

function record(state: PodState, containers: Partial<ContainerRecord>[], base: Pod = pod()): PodRecord {
  const r = newPodRecord(base, "10.0.0.1", "2030-01-01T00:00:00Z");
  r.state = state;
  r.podIPs = ["127.1.0.2"];
  r.containers = r.containers.map((c, i) => ({ ...c, ...containers[i] }));
  r.initialized = true;
  r.ranContainers = containers.some((c) => c.instances);
  return r;
}

const exited = (exitCode: number): ContainerState => ({ name: "exited", termination: { exitCode, reason: exitCode ? "Error" : "Completed", finishedAt: "t" } });
const runningState: ContainerState = { name: "running", containerID: "fake://1", startedAt: "t" };

describe("phase", () => {
  test.each([
    ["registered", { name: "registered" }, [{}], "Pending"],
    ["pulling", { name: "running" }, [{ state: { name: "image-pull" } }], "Pending"],
    ["running", { name: "running" }, [{ state: runningState, instances: 1 }], "Running"],
    ["restarting after a run", { name: "running" }, [{ state: { name: "crash-loop-backoff", until: 0, reason: "CrashLoopBackOff", message: "" }, instances: 1 }], "Running"],
    ["succeeded", { name: "completed", phase: "Succeeded" }, [{ state: exited(0), instances: 1 }], "Succeeded"],
    ["failed", { name: "completed", phase: "Failed" }, [{ state: exited(1), instances: 1 }], "Failed"],
    ["stopping", { name: "terminating", gracePeriodMs: 0, since: 0 }, [{ state: runningState, instances: 1 }], "Running"],
    ["stopped cleanly", { name: "terminated" }, [{ state: exited(0), instances: 1 }], "Succeeded"],
    ["stopped by a kill", { name: "terminated" }, [{ state: exited(137), instances: 1 }], "Failed"],
  ] as [string, PodState, Partial<ContainerRecord>[], string][])("%s: %s", (_, state, containers, phase) => {
    expect(computePodStatus(record(state, containers), pod()).phase).toBe(phase as PodStatus["phase"]);
  });
});

describe("container state", () => {
  test.each([
    [{ name: "waiting" }, { waiting: { reason: "ContainerCreating" } }],
    [{ name: "image-pull" }, { waiting: { reason: "ContainerCreating" } }],
    [{ name: "image-pull", lastError: "no such host" }, { waiting: { reason: "ErrImagePull", message: "no such host" } }],
    [{ name: "image-pull-backoff", until: 0, reason: "ImagePullBackOff", message: "m" }, { waiting: { reason: "ImagePullBackOff", message: "m" } }],
    [{ name: "crash-loop-backoff", until: 0, reason: "CreateContainerConfigError", message: "m" }, { waiting: { reason: "CreateContainerConfigError", message: "m" } }],
    [runningState, { running: { startedAt: "t" } }],
    [exited(2), { terminated: { exitCode: 2, reason: "Error", finishedAt: "t" } }],
  ] as [ContainerState, unknown][])("%p", (state, expected) => {
    const status = computePodStatus(record({ name: "running" }, [{ state }]), pod());
    expect(status.containerStatuses?.[0]?.state).toEqual(expected as never);
  });

  test("app containers wait PodInitializing while init containers run", () => {
    const base = pod({ initContainers: [{ name: "setup", image: "init:1" }] });
    const r = record({ name: "initializing" }, [{ state: runningState }, {}], base);
    r.initialized = false;
    const status = computePodStatus(r, base);
    expect(status.containerStatuses?.[0]?.state?.waiting?.reason).toBe("PodInitializing");
    expect(status.initContainerStatuses?.[0]?.state?.running).toBeDefined();
    expect(status.conditions?.find((c) => c.type === "Initialized")).toEqual({
      type: "Initialized",
      status: "False",
      reason: "ContainersNotInitialized",
      message: "containers with incomplete status: [setup]",
    });
  });

  test("ready and started only while running", () => {
    const status = computePodStatus(record({ name: "running" }, [{ state: exited(0), ready: true, started: true }]), pod());
    expect(status.containerStatuses?.[0]).toMatchObject({ ready: false, started: false });
  });
});

describe("conditions", () => {
  test("Ready waits for readiness gates", () => {
    const gated = pod({ readinessGates: [{ conditionType: "example.com/ready" }] });
    const r = record({ name: "running" }, [{ state: runningState, ready: true, instances: 1 }], gated);
    expect(computePodStatus(r, gated).conditions?.find((c) => c.type === "Ready")?.reason).toBe("ReadinessGatesNotReady");
    const open = { ...gated, status: { conditions: [{ type: "example.com/ready", status: "True" }] } } as Pod;
    expect(computePodStatus(r, open).conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  test("written: others' conditions and unchanged transition times kept, changed ones stamped now", () => {
    const desired = computePodStatus(record({ name: "running" }, [{ state: runningState, ready: true, instances: 1 }]), pod());
    const current: PodStatus = {
      phase: "Pending",
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: "t0" },
        { type: "Initialized", status: "True", lastTransitionTime: "t1" },
        { type: "Ready", status: "False", lastTransitionTime: "t1" },
        { type: "DisruptionTarget", status: "False", lastTransitionTime: "t1" },
      ],
      nominatedNodeName: "other",
    };
    const written = statusToWrite(desired, current, "now");
    expect(written.conditions?.map((c) => [c.type, c.status, c.lastTransitionTime])).toEqual([
      ["PodScheduled", "True", "t0"],
      ["Initialized", "True", "t1"],
      ["ContainersReady", "True", "now"],
      ["Ready", "True", "now"],
      ["DisruptionTarget", "False", "t1"],
    ]);
    expect(written.nominatedNodeName).toBe("other");
  });
});

test.each([
  [[{}], "BestEffort"],
  [[{ requests: { cpu: "100m" } }], "Burstable"],
  [[{ limits: { cpu: "1", memory: "1Gi" } }], "Guaranteed"],
  [[{ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1000m", memory: "1024Mi" } }], "Guaranteed"],
  [[{ limits: { cpu: "1", memory: "1Gi" } }, {}], "Burstable"],
])("QoS of %p is %s", (resources, qos) => {
  const containers = resources.map((r, i) => ({ name: `c${i}`, image: "x", resources: r }));
  expect(qosClassOf(pod({ containers }))).toBe(qos as "BestEffort");
});

test.each([
  ["nginx:1.27", "nginx@sha256:abc"],
  ["registry:5000/team/app:v1", "registry:5000/team/app@sha256:abc"],
  ["registry:5000/app", "registry:5000/app@sha256:abc"],
  ["app@sha256:old", "app@sha256:abc"],
])("imageID of %s", (reference, id) => {
  expect(imageIdOf(reference, "sha256:abc")).toBe(id);
});
