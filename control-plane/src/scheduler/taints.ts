// Toleration matching (v1helper.TolerationsTolerateTaint and friends), shared by
// TaintToleration, NodeUnschedulable and PodTopologySpread's nodeTaintsPolicy.

import type { Taint, Toleration } from "../../../schemas/index.ts";

/** Toleration.ToleratesTaint: an empty key or effect matches any; Exists ignores the value. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? "Equal") {
    case "Exists":
      return true;
    case "Equal":
      return (toleration.value ?? "") === (taint.value ?? "");
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (tolerations === undefined) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The taints that keep pods off a node (PreferNoSchedule only steers scoring). */
export const isHardTaint = (taint: Taint): boolean => taint.effect === "NoSchedule" || taint.effect === "NoExecute";

/** v1helper.FindMatchingUntoleratedTaint over the hard taints: the first the pod does not tolerate. */
export function firstUntoleratedHardTaint(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): Taint | undefined {
  for (const taint of taints) {
    if (isHardTaint(taint) && !tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}
