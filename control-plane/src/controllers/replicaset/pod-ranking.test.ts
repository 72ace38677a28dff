import { describe, expect, test } from "bun:test";
import { POD_DELETION_COST, podsToDelete } from "./pod-ranking.ts";
import type { Pod } from "./types.ts";

const NOW = Date.parse("2024-01-01T12:00:00Z");
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

interface Shape {
  node?: string;
  phase?: "Pending" | "Running" | "Unknown";
  readySince?: number;
  created?: number;
  restarts?: number;
  cost?: number;
  uid?: string;
}

function pod(name: string, shape: Shape): Pod {
  const p: Pod = {
    metadata: { name, uid: shape.uid ?? name, creationTimestamp: ago(shape.created ?? 100_000) },
    spec: { containers: [{ name: "c" }], nodeName: shape.node },
    status: {
      phase: shape.phase ?? "Running",
      conditions: [{ type: "Ready", status: shape.readySince === undefined ? "False" : "True", lastTransitionTime: ago(shape.readySince ?? 100_000) }],
      containerStatuses: [{ name: "c", ready: shape.readySince !== undefined, restartCount: shape.restarts ?? 0, image: "", imageID: "" }],
    },
  };
  if (shape.cost !== undefined) p.metadata.annotations = { [POD_DELETION_COST]: String(shape.cost) };
  return p;
}

/** The first of the two goes first. */
const pairs: [string, Pod, Pod][] = [
  ["unassigned before assigned", pod("a", { phase: "Pending" }), pod("b", { node: "n1", phase: "Pending" })],
  ["pending before unknown", pod("a", { node: "n1", phase: "Pending" }), pod("b", { node: "n1", phase: "Unknown" })],
  ["unknown before running", pod("a", { node: "n1", phase: "Unknown" }), pod("b", { node: "n1", phase: "Running" })],
  ["not ready before ready", pod("a", { node: "n1" }), pod("b", { node: "n1", readySince: 10 })],
  ["lower deletion cost first", pod("a", { node: "n1", readySince: 10, cost: -5 }), pod("b", { node: "n2", readySince: 10, cost: 0 })],
  ["ready for less time first (different powers of two)", pod("a", { node: "n1", readySince: 10 }), pod("b", { node: "n2", readySince: 1000 })],
  ["more restarts first", pod("a", { node: "n1", readySince: 10, restarts: 3 }), pod("b", { node: "n2", readySince: 10 })],
  ["newer first", pod("a", { node: "n1", readySince: 10, created: 60 }), pod("b", { node: "n2", readySince: 10, created: 6000 })],
  ["similar ages tie, then by uid", pod("b", { node: "n1", readySince: 10, created: 100, uid: "1" }), pod("a", { node: "n2", readySince: 10, created: 110, uid: "2" })],
];

describe("podsToDelete (ActivePodsWithRanks)", () => {
  test.each(pairs)("%s", (_, first, second) => {
    expect(podsToDelete([second, first], [], 1, NOW).map((p) => p.metadata.name)).toEqual([first.metadata.name]);
    expect(podsToDelete([first, second], [], 1, NOW).map((p) => p.metadata.name)).toEqual([first.metadata.name]);
  });

  test("a pod doubled up on a node with related pods goes before a lone one", () => {
    const crowded = pod("crowded", { node: "n1", readySince: 10 });
    const alone = pod("alone", { node: "n2", readySince: 10 });
    const sibling = pod("sibling", { node: "n1", readySince: 10 });
    expect(podsToDelete([alone, crowded], [crowded, alone, sibling], 1, NOW).map((p) => p.metadata.name)).toEqual(["crowded"]);
  });

  test("all of them when all must go", () => {
    const pods = [pod("a", {}), pod("b", {})];
    expect(podsToDelete(pods, [], 5, NOW)).toHaveLength(2);
  });

  test("a mixed set in Kubernetes' order", () => {
    const pods = [
      pod("ready-old", { node: "n1", readySince: 100_000 }),
      pod("unscheduled", { phase: "Pending" }),
      pod("ready-new", { node: "n2", readySince: 5 }),
      pod("scheduled-pending", { node: "n3", phase: "Pending" }),
      pod("running-not-ready", { node: "n4" }),
    ];
    expect(podsToDelete(pods, [], 4, NOW).map((p) => p.metadata.name)).toEqual(["unscheduled", "scheduled-pending", "running-not-ready", "ready-new"]);
  });
});
