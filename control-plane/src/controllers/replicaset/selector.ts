// Compiled label selectors of cached objects. Cached objects are never
// changed in place, so a selector object compiles once.
import { labelSelectorObjectMatcher, type LabelMatcher, type LabelSelector } from "../../api/selectors.ts";

const compiled = new WeakMap<object, LabelMatcher>();
const NOTHING: LabelMatcher = () => false;

/** The matcher of a selector; a missing one matches nothing. @throws SelectorError when it is invalid. */
export function selectorMatcher(selector: LabelSelector | undefined): LabelMatcher {
  if (!selector) return NOTHING;
  let matcher = compiled.get(selector);
  if (!matcher) compiled.set(selector, (matcher = labelSelectorObjectMatcher(selector)));
  return matcher;
}

/** An empty selector selects everything, which controllers refuse (a missing one selects nothing). */
export const isEmptySelector = (selector: LabelSelector | undefined): boolean =>
  !!selector && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;

/** A ReplicaSet or Deployment selects a pod when its non-empty selector matches the pod's labels. */
export function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!selector || isEmptySelector(selector)) return false;
  try {
    return selectorMatcher(selector)(labels);
  } catch {
    // An invalid selector selects nothing; the owner's own sync reports it.
    return false;
  }
}
