// The Node object this agent registers and the status it posts: capacity
// from the machine, addresses, the runtimes it offers (labels the scheduler's
// RuntimeFit plugin reads), and conditions from real readings with the
// kubelet's reasons and thresholds.
import type { NodeStatus } from "../../../schemas/index.ts";
import { LABEL_RUNTIME_OCI, LABEL_RUNTIME_WASM } from "../../../schemas/well-known-taints.ts";
import { goArch, type MachineReadings, type SystemInfo } from "./machine.ts";


export const NodeConditionType = {
  Ready: "Ready",
  MemoryPressure: "MemoryPressure",
  DiskPressure: "DiskPressure",
  PIDPressure: "PIDPressure",
} as const;

export interface PressureThresholds {
  /** MemoryPressure below this much available memory (the kubelet's memory.available<100Mi). */
  memoryAvailableBytes: number;
  /** DiskPressure below this fraction of the data dir's file system free (nodefs.available<10%). */
  diskAvailableFraction: number;
  /** …or below this fraction of its inodes free (nodefs.inodesFree<5%). */
  inodesFreeFraction: number;
  /** PIDPressure below this fraction of pid_max free. */
  pidsAvailableFraction: number;
}

export const DEFAULT_THRESHOLDS: PressureThresholds = {
  memoryAvailableBytes: 100 * 1024 * 1024,
  diskAvailableFraction: 0.1,
  inodesFreeFraction: 0.05,
  pidsAvailableFraction: 0.05,
};

export interface NodeFacts {
  name: string;
  address: string;
  hostname: string;
  port: number;
  maxPods: number;
  dataDir: string;
  system: SystemInfo;
  runtimes: { name: string; wasm: boolean; oci: boolean }[];
  instanceType?: string;
  agentVersion: string;
}

export function nodeLabels(facts: NodeFacts): Record<string, string> {
  const labels: Record<string, string> = {
    "kubernetes.io/hostname": facts.name,
    "kubernetes.io/os": facts.system.operatingSystem,
    "kubernetes.io/arch": goArch(),
    "beta.kubernetes.io/os": facts.system.operatingSystem,
    "beta.kubernetes.io/arch": goArch(),
  };
  if (facts.instanceType) labels["node.kubernetes.io/instance-type"] = facts.instanceType;
  if (facts.runtimes.some((r) => r.wasm)) labels[LABEL_RUNTIME_WASM] = "true";
  if (facts.runtimes.some((r) => r.oci)) labels[LABEL_RUNTIME_OCI] = "true";
  return labels;
}

type Condition = NonNullable<NodeStatus["conditions"]>[number];

/** The conditions without their times: what is compared to decide whether status changed. */
export function nodeConditions(readings: MachineReadings, facts: NodeFacts, thresholds: PressureThresholds): Condition[] {
  const memoryLow = readings.memoryAvailableBytes() < thresholds.memoryAvailableBytes;
  const disk = readings.disk(facts.dataDir);
  const diskLow = disk.availableBytes < disk.totalBytes * thresholds.diskAvailableFraction || (disk.totalInodes > 0 && disk.freeInodes < disk.totalInodes * thresholds.inodesFreeFraction);
  const pids = readings.pids();
  const pidsLow = pids.max - pids.inUse < pids.max * thresholds.pidsAvailableFraction;
  const runtimesReady = facts.runtimes.length > 0;
  return [
    memoryLow
      ? { type: "MemoryPressure", status: "True", reason: "KubeletHasInsufficientMemory", message: "kubelet has insufficient memory available" }
      : { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
    diskLow
      ? { type: "DiskPressure", status: "True", reason: "KubeletHasDiskPressure", message: "kubelet has disk pressure" }
      : { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
    pidsLow
      ? { type: "PIDPressure", status: "True", reason: "KubeletHasInsufficientPID", message: "kubelet has insufficient PID available" }
      : { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
    runtimesReady
      ? { type: "Ready", status: "True", reason: "KubeletReady", message: "agent is posting ready status" }
      : { type: "Ready", status: "False", reason: "KubeletNotReady", message: "no container runtime is available on this node" },
  ];
}

/** Capacity as the kubelet reports it: whole CPUs, memory in Ki, the pods limit, the data dir's disk. */
export function nodeCapacity(readings: MachineReadings, facts: NodeFacts): Record<string, string> {
  return {
    cpu: String(readings.cpus()),
    memory: `${Math.floor(readings.memoryTotalBytes() / 1024)}Ki`,
    pods: String(facts.maxPods),
    "ephemeral-storage": `${Math.floor(readings.disk(facts.dataDir).totalBytes / 1024)}Ki`,
  };
}

/** The status to post, conditions carrying their transition times from `previous` and heartbeats at `now`. */
export function nodeStatus(readings: MachineReadings, facts: NodeFacts, thresholds: PressureThresholds, previous: NodeStatus | undefined, now: string): NodeStatus {
  const before = new Map((previous?.conditions ?? []).map((c) => [c.type, c]));
  const conditions = nodeConditions(readings, facts, thresholds).map((c) => {
    const old = before.get(c.type);
    return { ...c, lastHeartbeatTime: now, lastTransitionTime: old?.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now };
  });
  const capacity = nodeCapacity(readings, facts);
  return {
    capacity,
    allocatable: capacity,
    conditions,
    addresses: [
      { type: "InternalIP", address: facts.address },
      { type: "Hostname", address: facts.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: facts.port } },
    nodeInfo: {
      ...facts.system,
      containerRuntimeVersion: facts.runtimes.map((r) => `${r.name}://${facts.agentVersion}`).join(",") || "none",
      kubeletVersion: `v1.32.0-ledge-${facts.agentVersion}`,
      kubeProxyVersion: "",
    },
    runtimeHandlers: facts.runtimes.map((r) => ({ name: r.name, features: { recursiveReadOnlyMounts: false, userNamespaces: false } })),
  };
}
