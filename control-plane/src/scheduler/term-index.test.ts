import { expect, test } from "bun:test";
import { compileAffinityTerm } from "./affinity-term.ts";
import { makePod } from "./builders.ts";
import { NodeInfo } from "./node-info.ts";
import type { PodAffinityTerm } from "./spec-types.ts";
import { type PlacedTerm, TermIndex } from "./term-index.ts";

const owner = makePod("owner");
const node = new NodeInfo("n");
const placed = (name: string, term: PodAffinityTerm): PlacedTerm & { name: string } => ({
  name,
  kind: "requiredAntiAffinity",
  term: compileAffinityTerm(owner, term),
  weight: 0,
  node,
});

const terms = [
  placed("web", { labelSelector: { matchLabels: { app: "web" } }, topologyKey: "h" }),
  placed("web-or-api", { labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }] }, topologyKey: "h" }),
  placed("has-tier", { labelSelector: { matchExpressions: [{ key: "tier", operator: "Exists" }] }, topologyKey: "h" }),
  placed("everything", { labelSelector: {}, topologyKey: "h" }),
  placed("nothing", { topologyKey: "h" }),
  placed("other-namespace", { labelSelector: { matchLabels: { app: "web" } }, topologyKey: "h", namespaces: ["other"] }),
];

test.each<[string, string, Record<string, string>, string[]]>([
  ["a web pod", "default", { app: "web" }, ["everything", "web", "web-or-api"]],
  ["an api pod with a tier", "default", { app: "api", tier: "front" }, ["everything", "has-tier", "web-or-api"]],
  ["a web pod elsewhere", "other", { app: "web" }, ["other-namespace"]],
  ["an unlabelled pod", "default", {}, ["everything"]],
])("terms selecting %s", (_, namespace, labels, expected) => {
  const index = new TermIndex();
  for (const t of terms) index.add(t);
  const found: string[] = [];
  index.forEachSelecting(namespace, labels, undefined, (t) => found.push((t as (typeof terms)[number]).name));
  expect(found.sort()).toEqual(expected);
});

test("removed terms are gone", () => {
  const index = new TermIndex();
  for (const t of terms) index.add(t);
  for (const t of terms) index.remove(t);
  const found: PlacedTerm[] = [];
  index.forEachSelecting("default", { app: "web", tier: "x" }, undefined, (t) => found.push(t));
  expect(found).toEqual([]);
  expect(index.size).toBe(0);
});
