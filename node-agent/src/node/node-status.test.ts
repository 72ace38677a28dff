// Node conditions from readings, with the kubelet's thresholds and reasons.
import { describe, expect, test } from "bun:test";
import { steadyReadings } from "../testing/test-agent.ts";
import type { MachineReadings } from "./machine.ts";
import { defaultNodeName, goArch } from "./machine.ts";
import { DEFAULT_THRESHOLDS, type NodeFacts, nodeConditions, nodeLabels, nodeStatus } from "./node-status.ts";

const facts: NodeFacts = {
  name: "edge-1",
  address: "10.0.0.5",
  hostname: "edge-1.local",
  port: 10250,
  maxPods: 50,
  dataDir: "/var/lib/ledge",
  system: { machineID: "m", systemUUID: "s", bootID: "b", kernelVersion: "6.1", osImage: "Debian", operatingSystem: "linux", architecture: "amd64" },
  runtimes: [{ name: "jco", wasm: true, oci: false }],
  agentVersion: "0.1.0",
};
const GiB = 1024 ** 3;

const pressure = (readings: MachineReadings, f = facts) => Object.fromEntries(nodeConditions(readings, f, DEFAULT_THRESHOLDS).map((c) => [c.type, c.status]));

describe("conditions", () => {
  test.each([
    ["healthy", {}, { MemoryPressure: "False", DiskPressure: "False", PIDPressure: "False", Ready: "True" }],
    ["under 100Mi available", { memoryAvailableBytes: () => 99 * 1024 * 1024 }, { MemoryPressure: "True" }],
    ["under 10% disk free", { disk: () => ({ totalBytes: 100 * GiB, availableBytes: 9 * GiB, totalInodes: 10, freeInodes: 10 }) }, { DiskPressure: "True" }],
    ["under 5% inodes free", { disk: () => ({ totalBytes: 100 * GiB, availableBytes: 90 * GiB, totalInodes: 100, freeInodes: 4 }) }, { DiskPressure: "True" }],
    ["under 5% pids free", { pids: () => ({ inUse: 31_500, max: 32_768 }) }, { PIDPressure: "True" }],
  ] as [string, Partial<MachineReadings>, Record<string, string>][])("%s", (_, readings, expected) => {
    expect(pressure(steadyReadings(readings))).toMatchObject(expected);
  });

  test("no runtime: not Ready", () => {
    expect(pressure(steadyReadings(), { ...facts, runtimes: [] }).Ready).toBe("False");
  });
});

test("status: capacity from the machine, the endpoint's port, transition times kept while a condition holds", () => {
  const first = nodeStatus(steadyReadings(), facts, DEFAULT_THRESHOLDS, undefined, "t1");
  expect(first.capacity).toEqual({ cpu: "4", memory: `${8 * 1024 * 1024}Ki`, pods: "50", "ephemeral-storage": `${100 * 1024 * 1024}Ki` });
  expect(first.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
  expect(first.addresses).toEqual([
    { type: "InternalIP", address: "10.0.0.5" },
    { type: "Hostname", address: "edge-1.local" },
  ]);
  const second = nodeStatus(steadyReadings({ memoryAvailableBytes: () => 1 }), facts, DEFAULT_THRESHOLDS, first, "t2");
  const times = Object.fromEntries(second.conditions!.map((c) => [c.type, [c.lastTransitionTime, c.lastHeartbeatTime]]));
  expect(times.Ready).toEqual(["t1", "t2"]);
  expect(times.MemoryPressure).toEqual(["t2", "t2"]);
});

test("labels: host, OS, architecture, and the runtimes offered", () => {
  expect(nodeLabels({ ...facts, instanceType: "rpi4" })).toEqual({
    "kubernetes.io/hostname": "edge-1",
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": goArch(),
    "beta.kubernetes.io/os": "linux",
    "beta.kubernetes.io/arch": goArch(),
    "node.kubernetes.io/instance-type": "rpi4",
    "ledge.dev/runtime-wasm": "true",
  });
});

test.each([
  ["x64", "amd64"],
  ["arm64", "arm64"],
  ["arm", "arm"],
] as const)("architecture %s is %s", (arch, go) => {
  expect(goArch(arch)).toBe(go);
});

test.each([
  ["Edge-Box_1", "edge-box-1"],
  ["edge.local.", "edge.local"],
  ["---", "ledge-node"],
])("host name %s makes node name %s", (host, name) => {
  expect(defaultNodeName(host)).toBe(name);
});
