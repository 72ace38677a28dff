import { describe, expect, test } from "bun:test";
import type { PodSpec } from "../../../../schemas/index.ts";
import { makeNode, makePod } from "../builders.ts";
import { CycleState } from "../framework.ts";
import { filterReasons, scores, snapshotOf } from "../plugin-harness.ts";
import type { NodeSelectorTerm } from "../spec-types.ts";
import { create, ERR_REASON_CONFLICT, ERR_REASON_POD } from "./node-affinity.ts";

const snapshot = () =>
  snapshotOf([
    makeNode("eu-edge", { labels: { zone: "eu", tier: "edge" } }),
    makeNode("eu-core", { labels: { zone: "eu", tier: "core" } }),
    makeNode("us-edge", { labels: { zone: "us", tier: "edge" } }),
  ]);

const required = (...nodeSelectorTerms: NodeSelectorTerm[]): Partial<PodSpec> => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } },
});

describe("filter", () => {
  test.each<[string, Partial<PodSpec>, string[]]>([
    ["no constraints: every node", {}, ["eu-core", "eu-edge", "us-edge"]],
    ["nodeSelector", { nodeSelector: { zone: "eu" } }, ["eu-core", "eu-edge"]],
    ["nodeSelector with two labels", { nodeSelector: { zone: "eu", tier: "edge" } }, ["eu-edge"]],
    ["required terms are ORed", required({ matchExpressions: [{ key: "zone", operator: "In", values: ["us"] }] }, { matchExpressions: [{ key: "tier", operator: "In", values: ["core"] }] }), ["eu-core", "us-edge"]],
    ["nodeSelector AND affinity", { nodeSelector: { tier: "edge" }, ...required({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["us"] }] }) }, ["eu-edge"]],
    ["matchFields pins nodes by name", required({ matchFields: [{ key: "metadata.name", operator: "In", values: ["us-edge"] }] }), ["us-edge"]],
  ])("%s", (_, spec, fitting) => {
    const reasons = filterReasons(create(), makePod("p", { spec }), snapshot());
    expect(Object.keys(reasons).filter((n) => reasons[n] === "").sort()).toEqual(fitting);
    for (const reason of Object.values(reasons)) if (reason !== "") expect(reason).toBe(ERR_REASON_POD);
  });

  test("PreFilter narrows to the nodes matchFields names (a DaemonSet pod)", () => {
    const pod = makePod("p", { spec: required({ matchFields: [{ key: "metadata.name", operator: "In", values: ["a", "b"] }] }, { matchFields: [{ key: "metadata.name", operator: "In", values: ["c"] }] }) });
    const result = create().preFilter(new CycleState(), pod, snapshot());
    expect("nodeNames" in result ? [...(result.nodeNames ?? [])].sort() : undefined).toEqual(["a", "b", "c"]);
  });

  test("PreFilter rejects terms whose name sets cannot intersect", () => {
    const pod = makePod("p", {
      spec: required({ matchFields: [{ key: "metadata.name", operator: "In", values: ["a"] }, { key: "metadata.name", operator: "In", values: ["b"] }] }),
    });
    expect(filterReasons(create(), pod, snapshot())).toEqual({ "eu-edge": ERR_REASON_CONFLICT, "eu-core": ERR_REASON_CONFLICT, "us-edge": ERR_REASON_CONFLICT });
  });
});

describe("score", () => {
  test("preferred terms score by weight, scaled so the best gets 100", () => {
    const pod = makePod("p", {
      spec: {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 20, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["eu"] }] } },
              { weight: 60, preference: { matchExpressions: [{ key: "tier", operator: "In", values: ["edge"] }] } },
            ],
          },
        },
      },
    });
    expect(scores(create(), pod, snapshot())).toEqual({ "eu-edge": 100, "eu-core": 25, "us-edge": 75 });
  });

  test("no preferred terms: PreScore skips", () => {
    expect(scores(create(), makePod("p"), snapshot())).toBeUndefined();
  });
});
