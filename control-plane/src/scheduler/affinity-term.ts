// Inter-pod (anti-)affinity terms compiled for matching (framework.AffinityTerm):
// which namespaces the term looks at, which pods it selects there, and the
// topology key that defines "co-located".

import type { Pod } from "../../../schemas/index.ts";
import type { LabelRequirement, Labels } from "../api/selectors.ts";
import { compilePodSelector, type PodSelector } from "./pod-selector.ts";
import type { PodAffinityTerm, WeightedPodAffinityTerm } from "./spec-types.ts";

export interface AffinityTerm {
  readonly topologyKey: string;
  readonly selector: PodSelector;
  /** The namespaces named by the term, or the owner's own when it names none and has no namespaceSelector. */
  readonly namespaces: ReadonlySet<string>;
  /** Selects further namespaces by their labels; undefined when the term has none. */
  readonly namespaceSelector: PodSelector | undefined;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

/** AffinityTerm.Matches: the pod is in one of the term's namespaces and carries the selected labels. */
export function termMatches(term: AffinityTerm, namespace: string, labels: Labels, namespaceLabels: Labels): boolean {
  const inNamespace = term.namespaces.has(namespace) || (term.namespaceSelector?.matches(namespaceLabels) ?? false);
  return inNamespace && term.selector.matches(labels);
}

/**
 * matchLabelKeys/mismatchLabelKeys take their values from the owning pod's
 * labels: "pods with the same (or a different) value of this label as me".
 */
function labelKeyRequirements(owner: Pod, term: PodAffinityTerm): LabelRequirement[] {
  const labels = owner.metadata?.labels ?? {};
  const extra: LabelRequirement[] = [];
  for (const key of term.matchLabelKeys ?? []) {
    const v = labels[key];
    if (v !== undefined) extra.push({ key, operator: "in", values: [v] });
  }
  for (const key of term.mismatchLabelKeys ?? []) {
    const v = labels[key];
    if (v !== undefined) extra.push({ key, operator: "notin", values: [v] });
  }
  return extra;
}

export function compileAffinityTerm(owner: Pod, term: PodAffinityTerm): AffinityTerm {
  const named = term.namespaces ?? [];
  const namespaces = new Set(named.length === 0 && term.namespaceSelector === undefined ? [owner.metadata?.namespace ?? "default"] : named);
  return {
    topologyKey: term.topologyKey,
    selector: compilePodSelector(term.labelSelector, labelKeyRequirements(owner, term)),
    namespaces,
    namespaceSelector: term.namespaceSelector === undefined ? undefined : compilePodSelector(term.namespaceSelector),
  };
}

export const compileAffinityTerms = (owner: Pod, terms: readonly PodAffinityTerm[] | undefined): AffinityTerm[] =>
  (terms ?? []).map((t) => compileAffinityTerm(owner, t));

export const compileWeightedAffinityTerms = (owner: Pod, terms: readonly WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] =>
  (terms ?? []).filter((t) => t.weight !== 0).map((t) => ({ ...compileAffinityTerm(owner, t.podAffinityTerm), weight: t.weight }));
