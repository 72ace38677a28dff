// Table tests from Kubernetes' deployment_util_test.go (TestResolveFenceposts,
// TestMaxUnavailable, TestNewRSNewReplicas) and the documented rounding.
import { describe, expect, test } from "bun:test";
import type { Deployment } from "../replicaset/types.ts";
import { type IntOrString, maxSurge, maxUnavailable, newReplicaSetReplicas, proportion, resolveFenceposts, roundHalfAwayFromZero, scaledValue } from "./rollout-math.ts";

function deployment(replicas: number, strategy: "RollingUpdate" | "Recreate", surge?: IntOrString, unavailable?: IntOrString): Deployment {
  return {
    metadata: { name: "foo" },
    spec: {
      replicas,
      selector: { matchLabels: { foo: "bar" } },
      template: {},
      strategy: strategy === "Recreate" ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
    },
  };
}

describe("scaledValue (intstr.GetScaledValueFromIntOrPercent)", () => {
  test.each([
    [5, 10, true, 5],
    ["25%", 10, true, 3],
    ["25%", 10, false, 2],
    ["25%", 4, true, 1],
    ["25%", 4, false, 1],
    ["25%", 3, false, 0],
    ["25%", 3, true, 1],
    ["100%", 7, false, 7],
    ["0%", 7, true, 0],
    ["39%", 10, true, 4],
    ["39%", 10, false, 3],
  ] as [IntOrString, number, boolean, number][])("%p of %p (round up %p) is %p", (value, total, roundUp, expected) => {
    expect(scaledValue(value, total, roundUp)).toBe(expected);
  });

  test.each(["5", "oops", "%", "x%", "1.5%"])("%p is not an int or a percent", (value) => {
    expect(() => scaledValue(value, 10, true)).toThrow("invalid value for IntOrString");
  });
});

describe("resolveFenceposts", () => {
  test.each([
    { surge: "0%", unavailable: "0%", desired: 0, expectSurge: 0, expectUnavailable: 1, error: false },
    { surge: "39%", unavailable: "39%", desired: 10, expectSurge: 4, expectUnavailable: 3, error: false },
    { surge: "oops", unavailable: "39%", desired: 10, expectSurge: 0, expectUnavailable: 0, error: true },
    { surge: "55%", unavailable: "urg", desired: 10, expectSurge: 0, expectUnavailable: 0, error: true },
    { surge: "5", unavailable: "1", desired: 7, expectSurge: 0, expectUnavailable: 0, error: true },
    { surge: undefined, unavailable: "39%", desired: 10, expectSurge: 0, expectUnavailable: 3, error: false },
    { surge: "39%", unavailable: undefined, desired: 10, expectSurge: 4, expectUnavailable: 0, error: false },
    { surge: undefined, unavailable: undefined, desired: 10, expectSurge: 0, expectUnavailable: 1, error: false },
    { surge: 1, unavailable: 1, desired: 2, expectSurge: 1, expectUnavailable: 1, error: false },
    { surge: "25%", unavailable: "25%", desired: 8, expectSurge: 2, expectUnavailable: 2, error: false },
    { surge: 0, unavailable: 0, desired: 5, expectSurge: 0, expectUnavailable: 1, error: false },
    { surge: "25%", unavailable: "25%", desired: 1, expectSurge: 1, expectUnavailable: 0, error: false },
  ])("maxSurge=$surge maxUnavailable=$unavailable desired=$desired", ({ surge, unavailable, desired, expectSurge, expectUnavailable, error }) => {
    if (error) {
      expect(() => resolveFenceposts(surge, unavailable, desired)).toThrow();
      return;
    }
    expect(resolveFenceposts(surge, unavailable, desired)).toEqual({ surge: expectSurge, unavailable: expectUnavailable });
  });
});

describe("maxUnavailable", () => {
  test.each([
    ["less than replicas", deployment(10, "RollingUpdate", 1, 5), 5],
    ["equal replicas", deployment(10, "RollingUpdate", 1, 10), 10],
    ["greater than replicas", deployment(5, "RollingUpdate", 1, 10), 5],
    ["replicas is 0", deployment(0, "RollingUpdate", 1, 10), 0],
    ["Recreate strategy", deployment(10, "Recreate"), 0],
    ["less than replicas with percents", deployment(10, "RollingUpdate", 1, "50%"), 5],
    ["equal replicas with percents", deployment(10, "RollingUpdate", 1, "100%"), 10],
    ["greater than replicas with percents", deployment(5, "RollingUpdate", 1, "100%"), 5],
    ["both fenceposts zero", deployment(3, "RollingUpdate", "10%", "10%"), 0],
  ] as [string, Deployment, number][])("%s", (_, d, expected) => {
    // "both fenceposts zero": 10% of 3 rounds up to 1 surge, so unavailability stays 0.
    expect(maxUnavailable(d)).toBe(expected);
  });

  test("Recreate never surges", () => {
    expect(maxSurge(deployment(10, "Recreate"))).toBe(0);
    expect(maxSurge(deployment(10, "RollingUpdate", "25%", "25%"))).toBe(3);
  });
});

describe("newReplicaSetReplicas (NewRSNewReplicas)", () => {
  // Kubernetes' table: one other ReplicaSet with 5 replicas; maxUnavailable 1.
  test.each([
    ["can not scale up - to newRSReplicas", "RollingUpdate", 1, 5, 1, 5],
    ["scale up - to depReplicas", "RollingUpdate", 6, 2, 10, 6],
    ["recreate - to depReplicas", "Recreate", 3, 1, 1, 3],
  ] as [string, "RollingUpdate" | "Recreate", number, number, number, number][])("%s", (_, strategy, depReplicas, newRSReplicas, surge, expected) => {
    const d = deployment(depReplicas, "RollingUpdate", surge, 1);
    if (strategy === "Recreate") d.spec!.strategy = { type: "Recreate" };
    expect(newReplicaSetReplicas(d, 5, newRSReplicas)).toBe(expected);
  });

  test("the first step of a 10-replica rollout with 25% surge adds 3 pods", () => {
    expect(newReplicaSetReplicas(deployment(10, "RollingUpdate", "25%", "25%"), 10, 0)).toBe(3);
  });
});

describe("proportion (GetProportion)", () => {
  test("rounds halves away from zero, as Go's math.Round", () => {
    expect([2.5, -2.5, 1.4, -1.6, 0.5].map(roundHalfAwayFromZero)).toEqual([3, -3, 1, -2, 1]);
  });

  test("a ReplicaSet's share follows its size before the scaling event", () => {
    // 5 -> 10 with no surge: a 3-replica ReplicaSet (of 5) gets 3 more.
    expect(proportion(3, 5, deployment(10, "RollingUpdate", 0, 0), 5, 0)).toBe(3);
    // Never more than what is left to add.
    expect(proportion(3, 5, deployment(10, "RollingUpdate", 0, 0), 5, 4)).toBe(1);
    // Scaling down to zero empties it.
    expect(proportion(3, 6, deployment(0, "RollingUpdate", 0, 0), -6, 0)).toBe(-3);
    // An empty ReplicaSet is never scaled proportionally.
    expect(proportion(0, 5, deployment(10, "RollingUpdate", 0, 0), 5, 0)).toBe(0);
  });
});
