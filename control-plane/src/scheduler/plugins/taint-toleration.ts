// TaintToleration: NoSchedule and NoExecute taints keep pods that do not
// tolerate them off a node; PreferNoSchedule taints only lower its score.

import type { Taint, Toleration } from "../../../../schemas/index.ts";
import { type FilterPlugin, type PreScorePlugin, type ScorePlugin, stateKey, SUCCESS, unresolvable } from "../framework.ts";
import { defaultNormalizeScore } from "../normalize-score.ts";
import { firstUntoleratedHardTaint, tolerationsTolerateTaint } from "../taints.ts";

export const NAME = "TaintToleration";

/** "node(s) had untolerated taint {key: value}", Kubernetes' reason, with the first such taint. */
export const untoleratedTaintReason = (taint: Taint): string => `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;

const PREFER_NO_SCHEDULE_TOLERATIONS = stateKey<readonly Toleration[]>("PreScoreTaintToleration");

export function create(): FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    events: ["NodeAdd", "NodeUpdate"],
    filter(_state, pod, nodeInfo) {
      if (nodeInfo.taints.length === 0) return SUCCESS;
      const taint = firstUntoleratedHardTaint(nodeInfo.taints, pod.spec?.tolerations);
      return taint === undefined ? SUCCESS : unresolvable(untoleratedTaintReason(taint));
    },
    preScore(state, pod) {
      // An empty effect tolerates every effect, PreferNoSchedule included.
      const tolerations = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === "PreferNoSchedule");
      state.write(PREFER_NO_SCHEDULE_TOLERATIONS, tolerations);
      return SUCCESS;
    },
    score(state, _pod, nodeInfo) {
      if (nodeInfo.taints.length === 0) return 0;
      const tolerations = state.read(PREFER_NO_SCHEDULE_TOLERATIONS);
      let intolerable = 0;
      for (const taint of nodeInfo.taints) {
        if (taint.effect === "PreferNoSchedule" && !tolerationsTolerateTaint(tolerations, taint)) intolerable++;
      }
      return intolerable;
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, true);
    },
  };
}
