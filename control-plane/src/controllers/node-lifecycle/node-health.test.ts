import { describe, expect, test } from "bun:test";
import type { Taint, Toleration } from "../../../../schemas/index.ts";
import { desiredTaints, evictionTime, type NodeObject, unknownConditions } from "./node-health.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

const node = (conditions: Record<string, string>, taints: Taint[] = [], unschedulable = false): NodeObject =>
  ({
    metadata: { name: "n", creationTimestamp: "2025-01-01T00:00:00Z" },
    spec: { taints, ...(unschedulable ? { unschedulable } : {}) },
    status: { conditions: Object.entries(conditions).map(([type, status]) => ({ type, status, lastHeartbeatTime: "2025-06-01T11:00:00Z", reason: "AgentReady" })) },
  }) as unknown as NodeObject;

describe("unknownConditions", () => {
  test("reported conditions become Unknown, keeping their heartbeat; missing ones are added as never posted", () => {
    const conditions = unknownConditions(node({ Ready: "True", MemoryPressure: "False", NetworkUnavailable: "False" }), NOW)!;
    expect(conditions.find((c) => c.type === "Ready")).toEqual({
      type: "Ready",
      status: "Unknown",
      reason: "NodeStatusUnknown",
      message: "Kubelet stopped posting node status.",
      lastHeartbeatTime: "2025-06-01T11:00:00Z",
      lastTransitionTime: iso(NOW),
    });
    expect(conditions.find((c) => c.type === "MemoryPressure")?.status).toBe("Unknown");
    expect(conditions.find((c) => c.type === "DiskPressure")).toMatchObject({ status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status." });
    expect(conditions.find((c) => c.type === "PIDPressure")?.status).toBe("Unknown");
    // NetworkUnavailable is the network's to report, not the agent's.
    expect(conditions.find((c) => c.type === "NetworkUnavailable")?.status).toBe("False");
  });

  test("already Unknown: nothing to write", () => {
    expect(unknownConditions(node({ Ready: "Unknown", MemoryPressure: "Unknown", DiskPressure: "Unknown", PIDPressure: "Unknown" }), NOW)).toBeUndefined();
  });
});

describe("desiredTaints", () => {
  const unreachableNoExecute: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: iso(NOW) };
  const unreachableNoSchedule: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" };
  const notReadyNoExecute: Taint = { key: "node.kubernetes.io/not-ready", effect: "NoExecute", timeAdded: iso(NOW) };
  const notReadyNoSchedule: Taint = { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" };
  const mine = { key: "team", value: "a", effect: "NoSchedule" } as Taint;

  test.each<[string, NodeObject, boolean, unknown[] | undefined]>([
    ["ready: nothing", node({ Ready: "True" }), false, undefined],
    ["unknown: unreachable NoSchedule and NoExecute", node({ Ready: "Unknown" }), false, [unreachableNoSchedule, unreachableNoExecute]],
    ["no Ready condition counts as unknown", node({}), false, [unreachableNoSchedule, unreachableNoExecute]],
    ["false: not-ready NoSchedule and NoExecute", node({ Ready: "False" }), false, [notReadyNoSchedule, notReadyNoExecute]],
    ["false → unknown swaps the taints, keeping others", node({ Ready: "Unknown" }, [mine, notReadyNoSchedule, notReadyNoExecute]), false, [mine, unreachableNoSchedule, unreachableNoExecute]],
    ["back to ready: controller taints removed, others kept", node({ Ready: "True" }, [mine, unreachableNoSchedule, unreachableNoExecute]), false, [mine]],
    ["every node down: no NoExecute taint, existing ones removed", node({ Ready: "Unknown" }, [unreachableNoExecute]), true, [unreachableNoSchedule]],
    ["pressure conditions", node({ Ready: "True", MemoryPressure: "True", DiskPressure: "True", PIDPressure: "True" }), false, [
      { key: "node.kubernetes.io/memory-pressure", effect: "NoSchedule" },
      { key: "node.kubernetes.io/disk-pressure", effect: "NoSchedule" },
      { key: "node.kubernetes.io/pid-pressure", effect: "NoSchedule" },
    ]],
    ["cordoned", node({ Ready: "True" }, [], true), false, [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }]],
  ])("%s", (_, n, halted, expected) => {
    expect(desiredTaints(n, NOW, halted)).toEqual(expected as Taint[] | undefined);
  });

  test("an existing NoExecute taint keeps its timeAdded", () => {
    const earlier: Taint = { ...unreachableNoExecute, timeAdded: iso(NOW - 60_000) };
    expect(desiredTaints(node({ Ready: "Unknown" }, [unreachableNoSchedule, earlier]), NOW, false)).toBeUndefined();
  });
});

describe("evictionTime", () => {
  const unreachable: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute" };
  const maintenance: Taint = { key: "maintenance", effect: "NoExecute" };
  const since = () => NOW;
  const tolerate = (key: string | undefined, seconds?: number): Toleration => ({ ...(key ? { key } : {}), operator: "Exists", effect: "NoExecute", ...(seconds === undefined ? {} : { tolerationSeconds: seconds }) });

  test.each<[string, Toleration[], Taint[], number | undefined]>([
    ["no toleration: now", [], [unreachable], -Infinity],
    ["tolerated for 300 s", [tolerate("node.kubernetes.io/unreachable", 300)], [unreachable], NOW + 300_000],
    ["tolerated forever (DaemonSet): never", [tolerate("node.kubernetes.io/unreachable")], [unreachable], undefined],
    ["one taint not tolerated: now", [tolerate("node.kubernetes.io/unreachable", 300)], [unreachable, maintenance], -Infinity],
    ["the smallest of the seconds used", [tolerate("node.kubernetes.io/unreachable", 300), tolerate("maintenance", 60)], [unreachable, maintenance], NOW + 60_000],
    ["forever for one taint, 60 s for the other", [tolerate("node.kubernetes.io/unreachable"), tolerate("maintenance", 60)], [unreachable, maintenance], NOW + 60_000],
    ["0 or negative seconds: now", [tolerate("node.kubernetes.io/unreachable", -5)], [unreachable], NOW],
    ["the first matching toleration is the one used", [tolerate(undefined, 10), tolerate("node.kubernetes.io/unreachable", 300)], [unreachable], NOW + 10_000],
  ])("%s", (_, tolerations, taints, expected) => {
    expect(evictionTime(tolerations, taints, since)).toBe(expected);
  });

  test("each taint counts from when it was added", () => {
    const sinceOf = (t: Taint) => (t.key === "maintenance" ? NOW - 50_000 : NOW);
    expect(evictionTime([tolerate("node.kubernetes.io/unreachable", 300), tolerate("maintenance", 60)], [unreachable, maintenance], sinceOf)).toBe(NOW + 10_000);
  });
});
