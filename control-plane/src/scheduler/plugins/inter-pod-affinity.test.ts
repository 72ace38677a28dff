import { describe, expect, test } from "bun:test";
import type { Pod } from "../../../../schemas/index.ts";
import { makeNode, makePod } from "../builders.ts";
import { filterReasons, scores, snapshotOf } from "../plugin-harness.ts";
import type { Affinity, PodAffinityTerm } from "../spec-types.ts";
import {
  create,
  ERR_REASON_AFFINITY_RULES_NOT_MATCH as AFFINITY,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH as ANTI,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH as EXISTING,
} from "./inter-pod-affinity.ts";

const ZONE = "topology.kubernetes.io/zone";
const HOSTNAME = "kubernetes.io/hostname";

const term = (app: string, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({
  labelSelector: { matchLabels: { app } },
  topologyKey,
  ...extra,
});

const pod = (name: string, app: string, affinity: Affinity | undefined, extra: { nodeName?: string; namespace?: string } = {}): Pod =>
  makePod(name, { labels: { app }, ...extra, spec: affinity ? { affinity } : {} });

// Zone a: n1, n2; zone b: n3.
const cluster = (...pods: Pod[]) =>
  snapshotOf([makeNode("n1", { labels: { [ZONE]: "a" } }), makeNode("n2", { labels: { [ZONE]: "a" } }), makeNode("n3", { labels: { [ZONE]: "b" } })], pods);

describe("required anti-affinity", () => {
  test.each<[string, Pod, Pod[], Record<string, string>]>([
    [
      "not on the same host as a db pod",
      pod("p", "web", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("db", HOSTNAME)] } }),
      [pod("db", "db", undefined, { nodeName: "n1" })],
      { n1: ANTI, n2: "", n3: "" },
    ],
    [
      "not in the same zone as a db pod",
      pod("p", "web", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("db", ZONE)] } }),
      [pod("db", "db", undefined, { nodeName: "n1" })],
      { n1: ANTI, n2: ANTI, n3: "" },
    ],
    [
      "one replica per host: the replicas avoid each other",
      pod("p", "web", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("web", HOSTNAME)] } }),
      [
        pod("w1", "web", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("web", HOSTNAME)] } }, { nodeName: "n1" }),
        pod("w2", "web", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("web", HOSTNAME)] } }, { nodeName: "n3" }),
      ],
      { n1: ANTI, n2: "", n3: ANTI },
    ],
    [
      "a placed pod's anti-affinity keeps the incoming pod away (symmetry)",
      pod("p", "web", undefined),
      [pod("loner", "loner", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("web", ZONE)] } }, { nodeName: "n3" })],
      { n1: "", n2: "", n3: EXISTING },
    ],
    [
      "pods in another namespace do not count",
      pod("p", "web", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("db", HOSTNAME)] } }),
      [pod("db", "db", undefined, { nodeName: "n1", namespace: "other" })],
      { n1: "", n2: "", n3: "" },
    ],
    [
      "unless the term names that namespace",
      pod("p", "web", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("db", HOSTNAME, { namespaces: ["other"] })] } }),
      [pod("db", "db", undefined, { nodeName: "n1", namespace: "other" })],
      { n1: ANTI, n2: "", n3: "" },
    ],
    [
      "or selects every namespace with an empty namespaceSelector",
      pod("p", "web", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("db", HOSTNAME, { namespaceSelector: {} })] } }),
      [pod("db", "db", undefined, { nodeName: "n1", namespace: "other" })],
      { n1: ANTI, n2: "", n3: "" },
    ],
  ])("%s", (_, incoming, placed, expected) => {
    expect(filterReasons(create(), incoming, cluster(...placed))).toEqual(expected);
  });
});

describe("required affinity", () => {
  const nearCache = pod("p", "web", { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("cache", ZONE)] } });

  test.each<[string, Pod, Pod[], Record<string, string>]>([
    ["only in the zone of a cache pod", nearCache, [pod("c", "cache", undefined, { nodeName: "n3" })], { n1: AFFINITY, n2: AFFINITY, n3: "" }],
    ["no cache pod anywhere: nowhere", nearCache, [], { n1: AFFINITY, n2: AFFINITY, n3: AFFINITY }],
    [
      "the first pod of a self-affine group may go anywhere",
      pod("p", "web", { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("web", ZONE)] } }),
      [],
      { n1: "", n2: "", n3: "" },
    ],
    [
      "the second joins the first",
      pod("p", "web", { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("web", ZONE)] } }),
      [pod("w1", "web", undefined, { nodeName: "n1" })],
      { n1: "", n2: "", n3: AFFINITY },
    ],
  ])("%s", (_, incoming, placed, expected) => {
    expect(filterReasons(create(), incoming, cluster(...placed))).toEqual(expected);
  });

  test("a node without the topology key never satisfies affinity", () => {
    const snapshot = cluster(pod("c", "cache", undefined, { nodeName: "n3" }));
    snapshot.setNode(makeNode("zoneless"));
    expect(filterReasons(create(), nearCache, snapshot, ["zoneless"])).toEqual({ zoneless: AFFINITY });
  });
});

describe("score", () => {
  test("preferred affinity pulls towards the cache's zone, preferred anti-affinity pushes from the db's host", () => {
    const incoming = pod("p", "web", {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term("cache", ZONE) }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term("db", HOSTNAME) }] },
    });
    const snapshot = cluster(pod("c", "cache", undefined, { nodeName: "n1" }), pod("db", "db", undefined, { nodeName: "n1" }));
    // n1: +50 −100, n2: +50, n3: 0 → min-max scaled.
    expect(scores(create(), incoming, snapshot)).toEqual({ n1: 0, n2: 100, n3: 50 });
  });

  test("a placed pod's preferences count too", () => {
    const friendly = pod("f", "friend", { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term("web", HOSTNAME) }] } }, { nodeName: "n2" });
    expect(scores(create(), pod("p", "web", undefined), cluster(friendly))).toEqual({ n1: 0, n2: 100, n3: 0 });
  });

  test("nothing to prefer: PreScore skips", () => {
    expect(scores(create(), pod("p", "web", undefined), cluster(pod("x", "x", undefined, { nodeName: "n1" })))).toBeUndefined();
  });
});
