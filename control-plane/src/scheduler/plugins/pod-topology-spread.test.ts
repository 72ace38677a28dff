import { describe, expect, test } from "bun:test";
import type { Node, Pod } from "../../../../schemas/index.ts";
import { makeNode, makePod } from "../builders.ts";
import { filterReasons, scores, snapshotOf } from "../plugin-harness.ts";
import type { TopologySpreadConstraint } from "../spec-types.ts";
import { create, ERR_REASON_CONSTRAINTS_NOT_MATCH as SKEW, ERR_REASON_NODE_LABEL_NOT_MATCH as NO_LABEL } from "./pod-topology-spread.ts";

const ZONE = "topology.kubernetes.io/zone";
const HOSTNAME = "kubernetes.io/hostname";

const zoneNode = (name: string, zone: string, extra: { labels?: Record<string, string> } = {}): Node =>
  makeNode(name, { labels: { [ZONE]: zone, ...extra.labels } });

const web = (name: string, nodeName: string, extra: { namespace?: string; terminating?: boolean; labels?: Record<string, string> } = {}): Pod => {
  const pod = makePod(name, { nodeName, labels: { app: "web", ...extra.labels }, ...(extra.namespace ? { namespace: extra.namespace } : {}) });
  if (extra.terminating && pod.metadata) pod.metadata.deletionTimestamp = "2024-01-01T00:00:00Z";
  return pod;
};

const spreadPod = (constraints: Partial<TopologySpreadConstraint>[], spec: Partial<Pod["spec"]> = {}, labels: Record<string, string> = { app: "web" }): Pod =>
  makePod("incoming", {
    labels,
    spec: {
      ...spec,
      topologySpreadConstraints: constraints.map((c) => ({
        maxSkew: 1,
        topologyKey: ZONE,
        whenUnsatisfiable: "DoNotSchedule" as const,
        labelSelector: { matchLabels: { app: "web" } },
        ...c,
      })),
    },
  });

// Zone a holds 2 web pods, zone b 1, zone c none.
const zones = (extraNodes: Node[] = [], extraPods: Pod[] = []) =>
  snapshotOf(
    [zoneNode("a1", "a"), zoneNode("a2", "a"), zoneNode("b1", "b"), zoneNode("c1", "c"), ...extraNodes],
    [web("w1", "a1"), web("w2", "a2"), web("w3", "b1"), ...extraPods],
  );

describe("DoNotSchedule", () => {
  test.each<[string, Pod, Record<string, string>, Node[]?, Pod[]?]>([
    ["only the emptiest zone keeps the skew within 1", spreadPod([{}]), { a1: SKEW, a2: SKEW, b1: SKEW, c1: "" }],
    ["maxSkew 2 admits zone b too", spreadPod([{ maxSkew: 2 }]), { a1: SKEW, a2: SKEW, b1: "", c1: "" }],
    ["a node without the key cannot take part", spreadPod([{}]), { a1: SKEW, a2: SKEW, b1: SKEW, c1: "", bare: NO_LABEL }, [makeNode("bare")]],
    ["minDomains above the domain count makes the minimum 0", spreadPod([{ minDomains: 4, maxSkew: 2 }]), { a1: SKEW, a2: SKEW, b1: "", c1: "" }],
    ["a pod outside its own selector does not count itself", spreadPod([{}], {}, { app: "other" }), { a1: SKEW, a2: SKEW, b1: "", c1: "" }],
    ["terminating pods do not count", spreadPod([{}]), { a1: "", a2: "", b1: "", c1: "" }, [], [web("w1", "a1", { terminating: true }), web("w2", "a2", { terminating: true }), web("w3", "b1", { terminating: true })]],
    ["pods in other namespaces do not count", spreadPod([{ maxSkew: 2 }]), { a1: SKEW, a2: SKEW, b1: "", c1: "" }, [], [web("x1", "b1", { namespace: "other" }), web("x2", "b1", { namespace: "other" })]],
  ])("%s", (_, pod, expected, extraNodes = [], extraPods = []) => {
    expect(filterReasons(create(), pod, zones(extraNodes, extraPods))).toEqual(expected);
  });

  // Zones a and b are edge, zone c is not: a pod selecting edge nodes spreads over a and b only.
  test.each<[string, Pod, Record<string, string>]>([
    ["nodeSelector removes zone c from the domains, so zone b is the minimum", spreadPod([{}], { nodeSelector: { tier: "edge" } }), { a1: SKEW, a2: SKEW, b1: "", c1: "" }],
    ["nodeAffinityPolicy Ignore keeps zone c in", spreadPod([{ nodeAffinityPolicy: "Ignore" }], { nodeSelector: { tier: "edge" } }), { a1: SKEW, a2: SKEW, b1: SKEW, c1: "" }],
  ])("%s", (_, pod, expected) => {
    const snapshot = zones();
    for (const n of ["a1", "a2", "b1"]) snapshot.setNode(zoneNode(n, n.slice(0, 1), { labels: { tier: "edge" } }));
    // c1 passes here: keeping the pod off it is NodeAffinity's job.
    expect(filterReasons(create(), pod, snapshot)).toEqual(expected);
  });

  test("hostname spreading works on nodes without a hostname label", () => {
    const bare = (name: string): Node => {
      const n = makeNode(name);
      if (n.metadata) n.metadata.labels = {};
      return n;
    };
    const snapshot = snapshotOf([bare("n1"), bare("n2")], [web("w1", "n1")]);
    expect(filterReasons(create(), spreadPod([{ topologyKey: HOSTNAME }]), snapshot)).toEqual({ n1: SKEW, n2: "" });
  });

  test("matchLabelKeys narrows the selector to pods sharing the incoming pod's value", () => {
    const snapshot = zones([], [web("v2a", "c1", { labels: { rev: "2" } })]);
    const rev1 = spreadPod([{ matchLabelKeys: ["rev"] }], {}, { app: "web", rev: "1" });
    // Only rev=1 pods count, and there are none: every zone is even.
    expect(filterReasons(create(), rev1, snapshot)).toEqual({ a1: "", a2: "", b1: "", c1: "" });
  });

  test("no DoNotSchedule constraints: the filter is skipped", () => {
    expect(filterReasons(create(), makePod("p"), zones())).toEqual({ a1: "", a2: "", b1: "", c1: "" });
  });
});

describe("ScheduleAnyway", () => {
  test("nodes with fewer matching pods score higher", () => {
    const snapshot = snapshotOf([makeNode("n1"), makeNode("n2"), makeNode("n3")], [web("w1", "n1"), web("w2", "n1"), web("w3", "n2")]);
    const pod = spreadPod([{ topologyKey: HOSTNAME, whenUnsatisfiable: "ScheduleAnyway" }]);
    // Raw: count × ln(3 + 2) rounded: 3, 2, 0; normalised as 100 × (max + min − s) / max.
    expect(scores(create(), pod, snapshot)).toEqual({ n1: 0, n2: 33, n3: 100 });
  });

  test("zones: the emptier zone scores higher; a node without the key scores 0", () => {
    const pod = spreadPod([{ whenUnsatisfiable: "ScheduleAnyway" }]);
    // Raw (2, 1, 0 pods × ln(3 zones + 2)) rounds to 3, 2, 0.
    expect(scores(create(), pod, zones([makeNode("bare")]))).toEqual({ a1: 0, a2: 0, b1: 33, c1: 100, bare: 0 });
  });

  test("no ScheduleAnyway constraints: PreScore skips", () => {
    expect(scores(create(), spreadPod([{}]), zones())).toBeUndefined();
  });
});
