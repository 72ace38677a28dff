import { describe, expect, test } from "bun:test";
import type { Node, Pod } from "../../../schemas/index.ts";
import { makeNode, makePod } from "./builders.ts";
import { errorStatus, type FilterPlugin, SUCCESS } from "./framework.ts";
import { buildFramework, DEFAULT_PROFILE, type Profile } from "./profile.ts";
import { DEFAULT_REGISTRY } from "./registry.ts";
import { numFeasibleNodesToFind, type ScheduleResult, Scheduler } from "./scheduler.ts";
import { Snapshot } from "./snapshot.ts";

const ZONE = "topology.kubernetes.io/zone";
const unreachable = { key: "node.kubernetes.io/unreachable", effect: "NoExecute" as const };

// A fixed sequence instead of Math.random, so ties resolve the same way every run.
const seeded = (seed = 42) => () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};

function schedulerFor(nodes: Node[], pods: Pod[] = [], profile: Profile = DEFAULT_PROFILE) {
  const snapshot = new Snapshot();
  for (const n of nodes) snapshot.setNode(n);
  for (const p of pods) snapshot.setPod(p);
  return new Scheduler(buildFramework(profile), snapshot, { random: seeded() });
}

const nodeOf = (r: ScheduleResult): string => (r.outcome === "scheduled" ? r.node : `(${r.outcome}: ${"message" in r ? r.message : ""})`);
const messageOf = (r: ScheduleResult): string => (r.outcome === "scheduled" ? `(scheduled on ${r.node})` : r.message);

describe("FailedScheduling messages", () => {
  test.each<[string, Node[], Pod[], Pod, string]>([
    [
      "the issue's example: counted per node, sorted as kube sorts",
      [
        makeNode("small-1", { cpu: "1" }),
        makeNode("small-2", { cpu: "1" }),
        makeNode("small-3", { cpu: "1" }),
        makeNode("gone-1", { taints: [unreachable] }),
        makeNode("gone-2", { taints: [unreachable] }),
      ],
      [],
      makePod("p", { cpu: "2" }),
      "0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu.",
    ],
    [
      "each node reports the first plugin that rejects it",
      [makeNode("cordoned", { unschedulable: true, cpu: "1" }), makeNode("tainted", { taints: [unreachable], cpu: "1" }), makeNode("full", { cpu: "1" })],
      [],
      makePod("p", { cpu: "2" }),
      "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) were unschedulable.",
    ],
    [
      "resources short on both counts",
      [makeNode("a", { cpu: "1", memory: "1Gi" }), makeNode("b", { cpu: "8", memory: "1Gi" })],
      [],
      makePod("p", { cpu: "2", memory: "2Gi" }),
      "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.",
    ],
    [
      "node affinity",
      [makeNode("a"), makeNode("b")],
      [],
      makePod("p", { spec: { nodeSelector: { disk: "ssd" } } }),
      "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
    ],
    [
      "a PreFilter rejection is the whole message",
      [makeNode("a"), makeNode("b")],
      [],
      makePod("p", {
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["a"] }, { key: "metadata.name", operator: "In", values: ["b"] }] }],
              },
            },
          },
        },
      }),
      "0/2 nodes are available: pod affinity terms conflict.",
    ],
    [
      "nodes a PreFilter ruled out",
      [makeNode("a", { cpu: "1" }), makeNode("b"), makeNode("c")],
      [],
      makePod("p", {
        cpu: "2",
        spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["a"] }] }] } } } },
      }),
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].",
    ],
    ["no nodes at all", [], [], makePod("p"), "no nodes available to schedule pods"],
  ])("%s", (_, nodes, pods, pod, expected) => {
    expect(messageOf(schedulerFor(nodes, pods).schedule(pod))).toBe(expected);
  });

  test("the result carries the histogram and the plugins to wake the pod for", () => {
    const r = schedulerFor([makeNode("a", { cpu: "1" }), makeNode("b", { taints: [unreachable] })]).schedule(makePod("p", { cpu: "2" }));
    if (r.outcome !== "unschedulable") throw new Error(r.outcome);
    expect(r.reasons).toEqual(new Map([["Insufficient cpu", 1], ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }", 1]]));
    expect([...r.unschedulablePlugins].sort()).toEqual(["NodeResourcesFit", "TaintToleration"]);
  });
});

describe("choosing a node", () => {
  test("the only feasible node", () => {
    const s = schedulerFor([makeNode("a", { cpu: "1" }), makeNode("b", { cpu: "4" })]);
    expect(nodeOf(s.schedule(makePod("p", { cpu: "2" })))).toBe("b");
  });

  test("the least allocated node", () => {
    const s = schedulerFor([makeNode("busy"), makeNode("idle")], [makePod("x", { nodeName: "busy", cpu: "3", memory: "12Gi" })]);
    expect(nodeOf(s.schedule(makePod("p", { cpu: "100m", memory: "100Mi" })))).toBe("idle");
  });

  test("an assumed pod's resources are seen by the next pod of the batch", () => {
    const s = schedulerFor([makeNode("a", { cpu: "2" }), makeNode("b", { cpu: "2" })]);
    const placed = ["p1", "p2", "p3", "p4"].map((n) => nodeOf(s.schedule(makePod(n, { cpu: "1" }))));
    expect(placed.filter((n) => n === "a")).toHaveLength(2);
    expect(placed.filter((n) => n === "b")).toHaveLength(2);
    expect(messageOf(s.schedule(makePod("p5", { cpu: "1" })))).toBe("0/2 nodes are available: 2 Insufficient cpu.");
  });

  test("forgetting a pod whose binding failed frees its room", () => {
    const s = schedulerFor([makeNode("a", { cpu: "1" })]);
    const first = makePod("p1", { cpu: "1" });
    expect(nodeOf(s.schedule(first))).toBe("a");
    s.snapshot.forget(first);
    expect(nodeOf(s.schedule(makePod("p2", { cpu: "1" })))).toBe("a");
  });

  test("pods spread over equal nodes", () => {
    const s = schedulerFor(Array.from({ length: 4 }, (_, i) => makeNode(`n${i}`)));
    const counts = new Map<string, number>();
    for (let i = 0; i < 8; i++) {
      const node = nodeOf(s.schedule(makePod(`p${i}`, { cpu: "1", memory: "1Gi" })));
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ n0: 2, n1: 2, n2: 2, n3: 2 });
  });

  test.each<[string, number, string]>([
    ["a tie keeps the first node when the draw says keep", 0.999, "n0"],
    ["a tie moves to each later node when the draw says switch", 0, "n2"],
  ])("%s", (_, draw, expected) => {
    const snapshot = new Snapshot();
    for (const n of ["n0", "n1", "n2"]) snapshot.setNode(makeNode(n));
    const s = new Scheduler(buildFramework(), snapshot, { random: () => draw });
    expect(nodeOf(s.schedule(makePod("p")))).toBe(expected);
  });

  test.each<[string, Pod, string]>([
    ["a pod being deleted", { ...makePod("p"), metadata: { name: "p", namespace: "default", deletionTimestamp: "2024-01-01T00:00:00Z" } }, "skip schedule deleting pod: default/p"],
    ["a pod already assumed", makePod("assumed"), "pod default/assumed is already assumed or bound"],
  ])("skips %s", (_, pod, message) => {
    const s = schedulerFor([makeNode("a")]);
    s.snapshot.assume(makePod("assumed"), "a");
    expect(s.schedule(pod)).toEqual({ outcome: "skipped", message });
  });

  test("a plugin error is an error outcome, not unschedulable", () => {
    const broken: FilterPlugin = { name: "Broken", filter: (_s, _p, n) => (n.name === "a" ? errorStatus("disk on fire") : SUCCESS) };
    const registry = new Map([...DEFAULT_REGISTRY, ["Broken", () => broken]]);
    const framework = buildFramework({ schedulerName: "x", plugins: [{ name: "Broken" }], percentageOfNodesToScore: 100 }, registry);
    const snapshot = new Snapshot();
    snapshot.setNode(makeNode("a"));
    snapshot.setNode(makeNode("b"));
    const r = new Scheduler(framework, snapshot).schedule(makePod("p"));
    expect(r).toEqual({ outcome: "error", message: "running Filter plugin Broken on node a: disk on fire" });
  });
});

describe("batches with spreading and anti-affinity", () => {
  const zones = () => ["a", "b", "c"].flatMap((z) => [1, 2].map((i) => makeNode(`${z}${i}`, { labels: { [ZONE]: z } })));

  test("a DoNotSchedule zone spread fills the zones evenly", () => {
    const s = schedulerFor(zones());
    const perZone = new Map<string, number>();
    for (let i = 0; i < 9; i++) {
      const pod = makePod(`w${i}`, {
        labels: { app: "web" },
        spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } } }] },
      });
      const zone = nodeOf(s.schedule(pod)).slice(0, 1);
      perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
    }
    expect(Object.fromEntries(perZone)).toEqual({ a: 3, b: 3, c: 3 });
  });

  test("one replica per host, and the message once the hosts run out", () => {
    const s = schedulerFor([makeNode("n1"), makeNode("n2"), makeNode("n3")]);
    const replica = (i: number) =>
      makePod(`db-${i}`, {
        labels: { app: "db" },
        spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "db" } }, topologyKey: "kubernetes.io/hostname" }] } } },
      });
    const hosts = [0, 1, 2].map((i) => nodeOf(s.schedule(replica(i))));
    expect(hosts.sort()).toEqual(["n1", "n2", "n3"]);
    expect(messageOf(s.schedule(replica(3)))).toBe("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
  });
});

describe("how many nodes a cycle looks at", () => {
  test.each([
    [undefined, 50, 50],
    [undefined, 100, 100],
    [undefined, 500, 230],
    [undefined, 1000, 420],
    [undefined, 5000, 500],
    [undefined, 6000, 300],
    [10, 500, 100],
    [100, 5000, 5000],
  ])("percentage %p of %p nodes → %p", (percentage, nodes, expected) => {
    expect(numFeasibleNodesToFind(percentage, nodes)).toBe(expected);
  });

  test("a large cluster is searched in turns, starting where the last search stopped", () => {
    const nodes = Array.from({ length: 500 }, (_, i) => makeNode(`n${String(i).padStart(3, "0")}`, { cpu: "64", memory: "256Gi" }));
    const s = schedulerFor(nodes);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const r = s.schedule(makePod(`p${i}`, { cpu: "1m" }));
      if (r.outcome !== "scheduled") throw new Error(r.outcome);
      expect(r.evaluatedNodes).toBe(230);
      seen.add(r.node);
    }
    // Ten searches of 230 nodes each cover the ring several times over; picks must not all come from one window.
    const indices = [...seen].map((n) => Number(n.slice(1)));
    expect(Math.max(...indices) - Math.min(...indices)).toBeGreaterThan(230);
  });

  test("a pod that fits nowhere is checked against every node", () => {
    const nodes = Array.from({ length: 500 }, (_, i) => makeNode(`n${i}`, { cpu: "1" }));
    const r = schedulerFor(nodes).schedule(makePod("p", { cpu: "2" }));
    expect(messageOf(r)).toBe("0/500 nodes are available: 500 Insufficient cpu.");
  });
});

describe("profile", () => {
  test("an unknown plugin is a configuration error", () => {
    expect(() => buildFramework({ schedulerName: "x", plugins: [{ name: "Nope" }] })).toThrow("profile x: unknown plugin Nope");
  });

  test.each<[string, string, string[], boolean]>([
    ["a node joining can help a pod short of cpu", "NodeAdd", ["NodeResourcesFit"], true],
    ["a pod being added cannot", "AssignedPodAdd", ["NodeResourcesFit"], false],
    ["a pod being added can help affinity", "AssignedPodAdd", ["NodeResourcesFit", "InterPodAffinity"], true],
    ["a node update cannot free ports", "NodeUpdate", ["NodePorts"], false],
  ])("%s", (_, event, plugins, expected) => {
    expect(buildFramework().interestedIn(event as "NodeAdd", new Set(plugins))).toBe(expected);
  });
});
