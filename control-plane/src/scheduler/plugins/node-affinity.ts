// NodeAffinity: spec.nodeSelector and required node affinity as a filter,
// preferred node affinity as a score.

import type { Pod } from "../../../../schemas/index.ts";
import {
  type CycleState,
  type FilterPlugin,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  SKIP,
  stateKey,
  SUCCESS,
  unresolvable,
} from "../framework.ts";
import { type NodeMatcher, type NodeScorer, preferredNodeAffinity, requiredNodeAffinity } from "../node-selector.ts";
import { defaultNormalizeScore } from "../normalize-score.ts";
import type { NodeSelector } from "../spec-types.ts";

export const NAME = "NodeAffinity";
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_CONFLICT = "pod affinity terms conflict";

// Shared: statuses are immutable and a rejection must not allocate per node.
const NOT_MATCHED = unresolvable(ERR_REASON_POD);

const REQUIRED = stateKey<NodeMatcher>("PreFilterNodeAffinity");
const PREFERRED = stateKey<NodeScorer>("PreScoreNodeAffinity");

/**
 * The node names a required affinity pins the pod to (matchFields on
 * metadata.name with In, as DaemonSet pods carry), so the core filters those
 * nodes only; undefined when some term allows any node.
 */
function pinnedNodeNames(required: NodeSelector | undefined): Set<string> | undefined {
  if (required === undefined || required.nodeSelectorTerms.length === 0) return undefined;
  const names = new Set<string>();
  for (const term of required.nodeSelectorTerms) {
    let termNames: Set<string> | undefined;
    for (const f of term.matchFields ?? []) {
      if (f.key !== "metadata.name" || f.operator !== "In") continue;
      const values = new Set(f.values ?? []);
      termNames = termNames === undefined ? values : new Set([...termNames].filter((n) => values.has(n)));
    }
    if (termNames === undefined) return undefined;
    for (const n of termNames) names.add(n);
  }
  return names;
}

export function create(): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    events: ["NodeAdd", "NodeUpdate"],
    preFilter(state: CycleState, pod: Pod): PreFilterResult {
      const matcher = requiredNodeAffinity(pod);
      if (matcher === undefined) return { status: SKIP };
      state.write(REQUIRED, matcher);
      const nodeNames = pinnedNodeNames(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
      if (nodeNames?.size === 0) return { status: unresolvable(ERR_REASON_CONFLICT) };
      return nodeNames === undefined ? { status: SUCCESS } : { status: SUCCESS, nodeNames };
    },
    filter(state, _pod, nodeInfo) {
      const matcher = state.read(REQUIRED);
      if (matcher === undefined || matcher(nodeInfo.labels, nodeInfo.name)) return SUCCESS;
      return NOT_MATCHED;
    },
    preScore(state, pod) {
      const scorer = preferredNodeAffinity(pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
      if (scorer === undefined) return SKIP;
      state.write(PREFERRED, scorer);
      return SUCCESS;
    },
    score(state, _pod, nodeInfo) {
      return state.read(PREFERRED)?.(nodeInfo.labels, nodeInfo.name) ?? 0;
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, false);
    },
  };
}
