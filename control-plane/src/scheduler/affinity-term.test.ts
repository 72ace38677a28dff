import { expect, test } from "bun:test";
import { compileAffinityTerm, termMatches } from "./affinity-term.ts";
import { makePod } from "./builders.ts";
import type { PodAffinityTerm } from "./spec-types.ts";

const owner = makePod("owner", { namespace: "shop", labels: { app: "web", "pod-template-hash": "abc" } });
const web = { matchLabels: { app: "web" } };

test.each<[string, Partial<PodAffinityTerm>, string, Record<string, string>, Record<string, string> | undefined, boolean]>([
  ["same namespace by default", { labelSelector: web }, "shop", { app: "web" }, undefined, true],
  ["not another namespace by default", { labelSelector: web }, "other", { app: "web" }, undefined, false],
  ["named namespaces replace the default", { labelSelector: web, namespaces: ["other"] }, "shop", { app: "web" }, undefined, false],
  ["a namespaceSelector matches by namespace labels", { labelSelector: web, namespaceSelector: { matchLabels: { team: "a" } } }, "other", { app: "web" }, { team: "a" }, true],
  ["an empty namespaceSelector matches every namespace", { labelSelector: web, namespaceSelector: {} }, "other", { app: "web" }, undefined, true],
  ["no labelSelector selects nothing", {}, "shop", { app: "web" }, undefined, false],
  ["matchLabelKeys requires the owner's value", { labelSelector: web, matchLabelKeys: ["pod-template-hash"] }, "shop", { app: "web", "pod-template-hash": "old" }, undefined, false],
  ["matchLabelKeys with the owner's value", { labelSelector: web, matchLabelKeys: ["pod-template-hash"] }, "shop", { app: "web", "pod-template-hash": "abc" }, undefined, true],
  ["mismatchLabelKeys excludes the owner's value", { labelSelector: web, mismatchLabelKeys: ["pod-template-hash"] }, "shop", { app: "web", "pod-template-hash": "abc" }, undefined, false],
])("%s", (_, term, namespace, labels, namespaceLabels, expected) => {
  const compiled = compileAffinityTerm(owner, { topologyKey: "kubernetes.io/hostname", ...term });
  expect(termMatches(compiled, namespace, labels, namespaceLabels)).toBe(expected);
});
