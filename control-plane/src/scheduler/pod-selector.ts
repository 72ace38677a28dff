// A LabelSelector over pods, compiled once, never throwing: the API server has
// validated selectors already, and a bad one must cost only its own term
// (it selects nothing, as Kubernetes treats a selector it cannot parse).
// It also names an equality requirement, when it has one, so the snapshot can
// look candidates up in its label index instead of testing every pod.

import type { LabelSelector } from "../../../schemas/index.ts";
import {
  compileLabelMatcher,
  type LabelMatcher,
  type LabelRequirement,
  labelSelectorToRequirements,
  SelectorError,
} from "../api/selectors.ts";

export interface PodSelector {
  readonly matches: LabelMatcher;
  /** A key whose value must be one of `values` for any pod to match: the index lookup. */
  readonly indexKey: string | undefined;
  readonly indexValues: readonly string[];
  readonly matchesNothing: boolean;
}

export const NOTHING: PodSelector = { matches: () => false, indexKey: undefined, indexValues: [], matchesNothing: true };

function fromRequirements(requirements: readonly LabelRequirement[]): PodSelector {
  const matches = compileLabelMatcher(requirements);
  // Fewest values first: the smallest candidate set is the cheapest to test.
  let best: LabelRequirement | undefined;
  for (const r of requirements) {
    const isEquality = r.operator === "=" || r.operator === "==" || r.operator === "in";
    if (isEquality && (best === undefined || r.values.length < best.values.length)) best = r;
  }
  return { matches, indexKey: best?.key, indexValues: best?.values ?? [], matchesNothing: false };
}

const cache = new WeakMap<LabelSelector, PodSelector>();

/**
 * metav1.LabelSelectorAsSelector with extra requirements ANDed in (the
 * matchLabelKeys/mismatchLabelKeys expansions). A missing selector selects
 * nothing; an empty one selects every pod.
 */
export function compilePodSelector(selector: LabelSelector | undefined, extra: readonly LabelRequirement[] = []): PodSelector {
  if (selector === undefined) return NOTHING;
  const reusable = extra.length === 0;
  if (reusable) {
    const cached = cache.get(selector);
    if (cached !== undefined) return cached;
  }
  let compiled: PodSelector;
  try {
    compiled = fromRequirements([...labelSelectorToRequirements(selector), ...extra]);
  } catch (e) {
    if (!(e instanceof SelectorError)) throw e;
    compiled = NOTHING;
  }
  if (reusable) cache.set(selector, compiled);
  return compiled;
}
