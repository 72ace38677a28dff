import { describe, expect, test } from "bun:test";
import { makePod } from "./builders.ts";
import { compileNodeSelectorTerm, preferredNodeAffinity, requiredNodeAffinity } from "./node-selector.ts";
import type { NodeSelectorTerm, PreferredSchedulingTerm } from "./spec-types.ts";

const labels = { zone: "eu-1", tier: "edge", cores: "8" };

describe("compileNodeSelectorTerm", () => {
  test.each<[string, NodeSelectorTerm, boolean]>([
    ["In", { matchExpressions: [{ key: "zone", operator: "In", values: ["eu-1", "eu-2"] }] }, true],
    ["In, other value", { matchExpressions: [{ key: "zone", operator: "In", values: ["us-1"] }] }, false],
    ["NotIn", { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["us-1"] }] }, true],
    ["NotIn on a missing label", { matchExpressions: [{ key: "rack", operator: "NotIn", values: ["a"] }] }, true],
    ["Exists", { matchExpressions: [{ key: "tier", operator: "Exists" }] }, true],
    ["DoesNotExist", { matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, false],
    ["Gt", { matchExpressions: [{ key: "cores", operator: "Gt", values: ["4"] }] }, true],
    ["Lt", { matchExpressions: [{ key: "cores", operator: "Lt", values: ["4"] }] }, false],
    ["Gt on a non-integer label", { matchExpressions: [{ key: "zone", operator: "Gt", values: ["4"] }] }, false],
    ["expressions are ANDed", { matchExpressions: [{ key: "zone", operator: "In", values: ["eu-1"] }, { key: "tier", operator: "In", values: ["core"] }] }, false],
    ["matchFields on the node name", { matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }, true],
    ["matchFields on another name", { matchFields: [{ key: "metadata.name", operator: "In", values: ["n2"] }] }, false],
    ["matchFields on an unknown field selects nothing", { matchFields: [{ key: "spec.x", operator: "In", values: ["n1"] }] }, false],
    ["an empty term selects nothing", {}, false],
    ["an unknown operator selects nothing", { matchExpressions: [{ key: "zone", operator: "Near" as "In", values: ["eu-1"] }] }, false],
  ])("%s", (_, term, expected) => {
    expect(compileNodeSelectorTerm(term)(labels, "n1")).toBe(expected);
  });
});

describe("requiredNodeAffinity", () => {
  test("no constraints compile to undefined", () => {
    expect(requiredNodeAffinity(makePod("p"))).toBeUndefined();
  });

  test.each<[string, Record<string, string> | undefined, NodeSelectorTerm[] | undefined, boolean]>([
    ["nodeSelector matches", { zone: "eu-1" }, undefined, true],
    ["nodeSelector misses", { zone: "eu-2" }, undefined, false],
    ["terms are ORed", undefined, [{ matchExpressions: [{ key: "zone", operator: "In", values: ["x"] }] }, { matchExpressions: [{ key: "tier", operator: "Exists" }] }], true],
    ["nodeSelector and affinity are ANDed", { zone: "eu-1" }, [{ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }], false],
    ["no terms select nothing", undefined, [], false],
  ])("%s", (_, nodeSelector, terms, expected) => {
    const pod = makePod("p", {
      spec: {
        ...(nodeSelector ? { nodeSelector } : {}),
        ...(terms ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } : {}),
      },
    });
    expect(requiredNodeAffinity(pod)?.(labels, "n1")).toBe(expected);
  });
});

describe("preferredNodeAffinity", () => {
  test.each<[string, PreferredSchedulingTerm[], number | undefined]>([
    ["weights of matching terms add up", [
      { weight: 10, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["eu-1"] }] } },
      { weight: 5, preference: { matchExpressions: [{ key: "tier", operator: "Exists" }] } },
      { weight: 50, preference: { matchExpressions: [{ key: "tier", operator: "In", values: ["core"] }] } },
    ], 15],
    ["weight-0 and empty terms count for nothing", [{ weight: 0, preference: { matchExpressions: [{ key: "zone", operator: "Exists" }] } }, { weight: 7, preference: {} }], undefined],
  ])("%s", (_, terms, expected) => {
    expect(preferredNodeAffinity(terms)?.(labels, "n1")).toBe(expected);
  });
});
