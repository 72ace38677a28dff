import { describe, expect, test } from "bun:test";
import { calculateStatus, nextAvailabilityChange, REPLICA_FAILURE, statusUnchanged } from "./replicaset-status.ts";
import type { Pod, ReplicaSet } from "./types.ts";

const NOW = Date.parse("2024-01-01T12:00:00Z");
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

const rs = (replicas: number, minReadySeconds = 0, conditions?: unknown[]): ReplicaSet => ({
  metadata: { name: "web", generation: 2 },
  spec: { replicas, minReadySeconds, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web", tier: "front" } } } },
  status: { replicas: 0, observedGeneration: 2, conditions } as ReplicaSet["status"],
});

const pod = (labels: Record<string, string>, readySecondsAgo?: number): Pod => ({
  metadata: { name: "p", labels },
  status: readySecondsAgo === undefined ? { phase: "Pending" } : { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: ago(readySecondsAgo) }] },
});

describe("ReplicaSet status", () => {
  test("counts replicas, fully labelled, ready and available pods", () => {
    const pods = [pod({ app: "web", tier: "front" }, 100), pod({ app: "web" }, 100), pod({ app: "web", tier: "front" })];
    expect(calculateStatus(rs(3), pods, undefined, NOW)).toMatchObject({ replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
  });

  test("minReadySeconds: ready for longer than that, by the Ready condition's lastTransitionTime", () => {
    // Ready exactly minReadySeconds ago is not yet "longer than".
    const pods = [pod({ app: "web" }, 100), pod({ app: "web" }, 5), pod({ app: "web" }, 20), pod({ app: "web" }, 10)];
    expect(calculateStatus(rs(4, 10), pods, undefined, NOW)).toMatchObject({ readyReplicas: 4, availableReplicas: 2 });
    expect(calculateStatus(rs(4, 10), pods, undefined, NOW + 1)).toMatchObject({ readyReplicas: 4, availableReplicas: 3 });
    // The one ready 5 s ago becomes available 10 s after it became ready.
    expect(nextAvailabilityChange(rs(4, 10), pods.slice(0, 3), NOW)).toBe(NOW + 5000);
    expect(nextAvailabilityChange(rs(3, 0), pods, NOW)).toBeUndefined();
  });

  test("a failure to create sets ReplicaFailure (FailedCreate); a good sync clears it", () => {
    const failed = calculateStatus(rs(3), [], { message: "pods is forbidden" }, NOW);
    expect(failed.conditions).toEqual([{ type: REPLICA_FAILURE, status: "True", reason: "FailedCreate", message: "pods is forbidden", lastTransitionTime: ago(0) }]);
    expect(calculateStatus(rs(3, 0, failed.conditions), [], undefined, NOW).conditions).toBeUndefined();
    // An existing failure condition is not rewritten while failures go on.
    expect(calculateStatus(rs(3, 0, failed.conditions), [], { message: "other" }, NOW + 60_000).conditions).toEqual(failed.conditions);
  });

  test("a failure to delete is FailedDelete", () => {
    const pods = [pod({ app: "web" }), pod({ app: "web" })];
    expect(calculateStatus(rs(1), pods, { message: "unable to delete pods" }, NOW).conditions?.[0]?.reason).toBe("FailedDelete");
  });

  test("nothing to write when counts, generation and conditions are the same", () => {
    const r = rs(0);
    expect(statusUnchanged(r, calculateStatus(r, [], undefined, NOW))).toBe(true);
    expect(statusUnchanged({ ...r, metadata: { ...r.metadata, generation: 3 } }, calculateStatus(r, [], undefined, NOW))).toBe(false);
  });
});
