// Why a pod fits nowhere, in kube-scheduler's words (framework.FitError): the
// message of the FailedScheduling event and of the PodScheduled=False
// condition, which `kubectl describe pod` shows and people paste into issues.

import type { Status } from "./framework.ts";

/** ErrNoNodesAvailable. */
export const NO_NODES_AVAILABLE_MESSAGE = "no nodes available to schedule pods";

export interface Diagnosis {
  /** One status per node a Filter plugin rejected (names are not needed without preemption). */
  readonly rejections: Status[];
  /** The status of every node not in rejections that was never filtered (a PreFilter ruled it out). */
  absentStatus: Status | undefined;
  /** Set when a PreFilter plugin rejected the pod outright. */
  preFilterMessage: string | undefined;
  /** The plugins that rejected the pod somewhere: only events they care about can help. */
  readonly unschedulablePlugins: Set<string>;
}

export const emptyDiagnosis = (): Diagnosis => ({
  rejections: [],
  absentStatus: undefined,
  preFilterMessage: undefined,
  unschedulablePlugins: new Set(),
});

/** How many nodes gave each reason; a node rejected for several resources counts under each. */
export function reasonCounts(numAllNodes: number, diagnosis: Diagnosis): Map<string, number> {
  const counts = new Map<string, number>();
  for (const status of diagnosis.rejections) {
    for (const reason of status.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const absent = numAllNodes - diagnosis.rejections.length;
  if (absent > 0 && diagnosis.absentStatus !== undefined) {
    for (const reason of diagnosis.absentStatus.reasons) counts.set(reason, (counts.get(reason) ?? 0) + absent);
  }
  return counts;
}

/**
 * "0/5 nodes are available: 2 node(s) had untolerated taint {k: v}, 3
 * Insufficient cpu." Kubernetes sorts the "<count> <reason>" strings as
 * strings, count first, so the order is by the count's digits before the
 * reason; kept as is because people and tools compare these messages with
 * kube-scheduler's. A PreFilter rejection replaces the per-node list.
 * `postFilterMessage` is where kube appends its preemption verdict; Ledge does
 * not preempt and passes none.
 */
export function fitErrorMessage(numAllNodes: number, diagnosis: Diagnosis, postFilterMessage?: string): string {
  let message = `0/${numAllNodes} nodes are available:`;
  if (diagnosis.preFilterMessage !== undefined) {
    message += ` ${diagnosis.preFilterMessage}.`;
  } else {
    const histogram = [...reasonCounts(numAllNodes, diagnosis)].map(([reason, n]) => `${n} ${reason}`).sort(byCodeUnits);
    if (histogram.length > 0) message += ` ${histogram.join(", ")}.`;
  }
  if (postFilterMessage !== undefined && postFilterMessage !== "") message += ` ${postFilterMessage}`;
  return message;
}

// Go's sort.Strings compares bytes; for these ASCII strings that is code-unit order, not localeCompare.
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
