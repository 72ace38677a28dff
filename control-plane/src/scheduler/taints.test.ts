import { describe, expect, test } from "bun:test";
import type { Taint, Toleration } from "../../../schemas/index.ts";
import { firstUntoleratedHardTaint, toleratesTaint } from "./taints.ts";

const taint: Taint = { key: "dedicated", value: "edge", effect: "NoSchedule" };

describe("toleratesTaint", () => {
  test.each<[string, Toleration, boolean]>([
    ["same key, value and effect", { key: "dedicated", operator: "Equal", value: "edge", effect: "NoSchedule" }, true],
    ["operator defaults to Equal", { key: "dedicated", value: "edge" }, true],
    ["a different value", { key: "dedicated", value: "core" }, false],
    ["Exists ignores the value", { key: "dedicated", operator: "Exists" }, true],
    ["an empty key with Exists tolerates everything", { operator: "Exists" }, true],
    ["a different key", { key: "other", operator: "Exists" }, false],
    ["a different effect", { key: "dedicated", operator: "Exists", effect: "NoExecute" }, false],
    ["an empty effect matches any effect", { key: "dedicated", operator: "Exists", effect: "" }, true],
  ])("%s", (_, toleration, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });

  test("a taint without a value matches an Equal toleration without one", () => {
    expect(toleratesTaint({ key: "k", operator: "Equal" }, { key: "k", effect: "NoSchedule" })).toBe(true);
  });
});

describe("firstUntoleratedHardTaint", () => {
  const soft: Taint = { key: "soft", effect: "PreferNoSchedule" };
  const unreachable: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute" };

  test.each<[string, Taint[], Toleration[] | undefined, Taint | undefined]>([
    ["no taints", [], undefined, undefined],
    ["PreferNoSchedule never blocks", [soft], undefined, undefined],
    ["the first hard taint not tolerated", [soft, taint, unreachable], [{ key: "dedicated", operator: "Exists" }], unreachable],
    ["all tolerated", [taint, unreachable], [{ operator: "Exists" }], undefined],
  ])("%s", (_, taints, tolerations, expected) => {
    expect(firstUntoleratedHardTaint(taints, tolerations)).toEqual(expected);
  });
});
