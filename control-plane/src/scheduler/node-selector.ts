// Node selectors as the NodeAffinity plugin and PodTopologySpread read them
// (component-helpers' nodeaffinity package): the pod's nodeSelector map ANDed
// with required node affinity, whose terms are ORed and whose expressions are
// ANDed; preferred terms summed by weight. Compiled once per pod object and
// cached, since pods are never changed in place.

import type { Pod } from "../../../schemas/index.ts";
import { compileLabelMatcher, type LabelMatcher, type LabelOperator, type LabelRequirement, type Labels } from "../api/selectors.ts";
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PreferredSchedulingTerm } from "./spec-types.ts";

/** Whether a node, given its labels and name, satisfies a selector. */
export type NodeMatcher = (labels: Labels, name: string) => boolean;

const OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
  Gt: "gt",
  Lt: "lt",
};

const NEVER: NodeMatcher = () => false;

function requirement(r: NodeSelectorRequirement): LabelRequirement | undefined {
  const operator = Object.hasOwn(OPERATORS, r.operator) ? OPERATORS[r.operator] : undefined;
  return operator === undefined ? undefined : { key: r.key, operator, values: r.values ?? [] };
}

/**
 * One term: its label expressions and its field expressions (only
 * metadata.name exists) all hold. A term with neither selects nothing, and a
 * term Kubernetes could not parse selects nothing without spoiling its
 * siblings, as the scheduler's lazy-error selector does.
 */
export function compileNodeSelectorTerm(term: NodeSelectorTerm): NodeMatcher {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return NEVER;
  const labelRequirements: LabelRequirement[] = [];
  for (const e of expressions) {
    const r = requirement(e);
    if (r === undefined) return NEVER;
    labelRequirements.push(r);
  }
  const fieldRequirements: LabelRequirement[] = [];
  for (const f of fields) {
    const r = requirement(f);
    if (r === undefined || f.key !== "metadata.name") return NEVER;
    fieldRequirements.push({ ...r, key: "name" });
  }
  const labels = compileLabelMatcher(labelRequirements);
  if (fieldRequirements.length === 0) return labels;
  const byName = compileLabelMatcher(fieldRequirements);
  return (nodeLabels, name) => labels(nodeLabels) && byName({ name });
}

/** Terms are ORed; no terms select nothing. */
export function compileNodeSelector(selector: NodeSelector): NodeMatcher {
  const terms = selector.nodeSelectorTerms.map(compileNodeSelectorTerm);
  if (terms.length === 1) return terms[0] ?? NEVER;
  return (labels, name) => {
    for (const t of terms) if (t(labels, name)) return true;
    return false;
  };
}

function matchLabels(selector: Readonly<Record<string, string>>): LabelMatcher {
  const entries = Object.entries(selector);
  return (labels) => {
    for (const [k, v] of entries) if (labels?.[k] !== v) return false;
    return true;
  };
}

const requiredCache = new WeakMap<Pod, NodeMatcher | null>();

/**
 * nodeaffinity.GetRequiredNodeAffinity: spec.nodeSelector AND required node
 * affinity. Undefined when the pod constrains nothing, so callers can skip.
 */
export function requiredNodeAffinity(pod: Pod): NodeMatcher | undefined {
  const cached = requiredCache.get(pod);
  if (cached !== undefined) return cached ?? undefined;
  const nodeSelector = pod.spec?.nodeSelector;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  let matcher: NodeMatcher | undefined;
  if (nodeSelector !== undefined && required !== undefined) {
    const bySelector = matchLabels(nodeSelector);
    const byAffinity = compileNodeSelector(required);
    matcher = (labels, name) => bySelector(labels) && byAffinity(labels, name);
  } else if (nodeSelector !== undefined) {
    const bySelector = matchLabels(nodeSelector);
    matcher = (labels) => bySelector(labels);
  } else if (required !== undefined) {
    matcher = compileNodeSelector(required);
  }
  requiredCache.set(pod, matcher ?? null);
  return matcher;
}

/** Sum of the weights of the preferred terms a node matches. */
export type NodeScorer = (labels: Labels, name: string) => number;

/** nodeaffinity.NewPreferredSchedulingTerms: weight-0 and empty terms count for nothing. */
export function preferredNodeAffinity(terms: readonly PreferredSchedulingTerm[] | undefined): NodeScorer | undefined {
  const weighted = (terms ?? [])
    .filter((t) => t.weight !== 0 && ((t.preference.matchExpressions?.length ?? 0) > 0 || (t.preference.matchFields?.length ?? 0) > 0))
    .map((t) => ({ weight: t.weight, match: compileNodeSelectorTerm(t.preference) }));
  if (weighted.length === 0) return undefined;
  return (labels, name) => {
    let sum = 0;
    for (const t of weighted) if (t.match(labels, name)) sum += t.weight;
    return sum;
  };
}
