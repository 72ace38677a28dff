// PodTopologySpread: keeps the pods a constraint selects evenly spread over
// topology domains (nodes, zones, any node label). DoNotSchedule constraints
// filter: placing the pod must not make its domain exceed the emptiest
// eligible domain by more than maxSkew. ScheduleAnyway constraints score:
// emptier domains score higher.

import type { Pod } from "../../../../schemas/index.ts";
import type { LabelRequirement } from "../../api/selectors.ts";
import {
  type CycleState,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  SKIP,
  stateKey,
  SUCCESS,
  unresolvable,
  unschedulable,
} from "../framework.ts";
import { HOSTNAME_LABEL, type NodeInfo } from "../node-info.ts";
import { type NodeMatcher, requiredNodeAffinity } from "../node-selector.ts";
import { compilePodSelector, type PodSelector } from "../pod-selector.ts";
import type { Snapshot } from "../snapshot.ts";
import type { TopologySpreadConstraint } from "../spec-types.ts";
import { firstUntoleratedHardTaint } from "../taints.ts";

export const NAME = "PodTopologySpread";
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

// Shared: statuses are immutable and a rejection must not allocate per node.
const LABEL_MISSING = unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
const SKEW_TOO_LARGE = unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);

interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly minDomains: number;
  readonly selector: PodSelector;
  /** Whether the incoming pod counts towards its own constraint. */
  readonly selfMatch: boolean;
  readonly honorNodeAffinity: boolean;
  readonly honorTaints: boolean;
}

function compileConstraint(pod: Pod, c: TopologySpreadConstraint): Constraint {
  const labels = pod.metadata?.labels ?? {};
  // matchLabelKeys: "pods with my value of this label", typically pod-template-hash for per-revision spreading.
  const extra: LabelRequirement[] = [];
  for (const key of c.matchLabelKeys ?? []) {
    const v = labels[key];
    if (v !== undefined) extra.push({ key, operator: "in", values: [v] });
  }
  const selector = compilePodSelector(c.labelSelector, extra);
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    minDomains: c.minDomains ?? 1,
    selector,
    selfMatch: selector.matches(labels),
    honorNodeAffinity: c.nodeAffinityPolicy !== "Ignore",
    honorTaints: c.nodeTaintsPolicy === "Honor",
  };
}

const constraintsOf = (pod: Pod, when: TopologySpreadConstraint["whenUnsatisfiable"]): Constraint[] =>
  (pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === when).map((c) => compileConstraint(pod, c));

const hasAllKeys = (node: NodeInfo, constraints: readonly Constraint[]): boolean => {
  for (const c of constraints) if (node.topologyValue(c.topologyKey) === undefined) return false;
  return true;
};

/** matchNodeInclusionPolicies: which nodes' domains take part in the skew. */
function includes(c: Constraint, node: NodeInfo, pod: Pod, affinity: NodeMatcher | undefined): boolean {
  if (c.honorNodeAffinity && affinity !== undefined && !affinity(node.labels, node.name)) return false;
  if (c.honorTaints && firstUntoleratedHardTaint(node.taints, pod.spec?.tolerations) !== undefined) return false;
  return true;
}

/** Which nodes' pods and domains a constraint takes into account. */
type Eligible = (c: Constraint, node: NodeInfo) => boolean;

function eligibility(pod: Pod, constraints: readonly Constraint[]): { eligible: Eligible; everyNodeWithKeys: boolean } {
  const affinity = requiredNodeAffinity(pod);
  const everyNodeWithKeys = constraints.every((c) => !(c.honorNodeAffinity && affinity !== undefined) && !c.honorTaints);
  const eligible: Eligible = (c, node) => node.node !== undefined && hasAllKeys(node, constraints) && (everyNodeWithKeys || includes(c, node, pod, affinity));
  return { eligible, everyNodeWithKeys };
}

/**
 * Matching pods per domain of one constraint, over eligible nodes; domains
 * without matching pods are absent (they count as 0).
 */
function countMatching(pod: Pod, c: Constraint, eligible: Eligible, snapshot: Snapshot): Map<string, number> {
  const counts = new Map<string, number>();
  const namespace = new Set([pod.metadata?.namespace ?? "default"]);
  snapshot.forEachMatchingPod(c.selector, namespace, (p, node) => {
    // Terminating pods are on their way out; counting them would strand the replacements (kubernetes#87621).
    if (p.terminating || !eligible(c, node)) return;
    const value = node.topologyValue(c.topologyKey);
    if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  });
  return counts;
}

/** How many domains a constraint spreads over: those of the eligible nodes. */
function domainCount(c: Constraint, constraints: readonly Constraint[], snapshot: Snapshot, everyNodeWithKeys: boolean, eligible: Eligible): number {
  if (everyNodeWithKeys) return snapshot.topologyDomains(constraints.map((k) => k.topologyKey)).get(c.topologyKey)?.size ?? 0;
  const values = new Set<string>();
  for (const node of snapshot.nodeInfos()) {
    if (eligible(c, node)) values.add(node.topologyValue(c.topologyKey) ?? "");
  }
  return values.size;
}

interface FilterState {
  readonly constraints: readonly Constraint[];
  readonly counts: readonly Map<string, number>[];
  /** Per constraint: the count of the emptiest domain, or 0 when fewer than minDomains domains exist. */
  readonly minimums: readonly number[];
}

interface ScoreState {
  readonly constraints: readonly Constraint[];
  readonly counts: readonly Map<string, number>[];
  /** log(domains + 2): a spread over many small domains must not drown one over few large ones. */
  readonly weights: readonly number[];
  /** Candidate nodes without every key: scored 0, left out of normalisation. */
  readonly ignored: ReadonlySet<NodeInfo>;
}

const FILTER = stateKey<FilterState>("PreFilterPodTopologySpread");
const SCORE = stateKey<ScoreState>("PreScorePodTopologySpread");

export function create(): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    events: ["NodeAdd", "NodeUpdate", "NodeDelete", "AssignedPodAdd", "AssignedPodUpdate", "AssignedPodDelete"],

    preFilter(state: CycleState, pod: Pod, snapshot: Snapshot) {
      const constraints = constraintsOf(pod, "DoNotSchedule");
      if (constraints.length === 0) return SKIP;
      const { eligible, everyNodeWithKeys } = eligibility(pod, constraints);
      const counts = constraints.map((c) => countMatching(pod, c, eligible, snapshot));
      const minimums = constraints.map((c, i) => {
        const domains = domainCount(c, constraints, snapshot, everyNodeWithKeys, eligible);
        const matched = counts[i] ?? new Map<string, number>();
        // Too few domains, or one without matching pods: the emptiest holds none.
        if (domains < c.minDomains || matched.size < domains) return 0;
        let min = Number.POSITIVE_INFINITY;
        for (const n of matched.values()) if (n < min) min = n;
        return Number.isFinite(min) ? min : 0;
      });
      state.write(FILTER, { constraints, counts, minimums });
      return SUCCESS;
    },

    filter(state, _pod, nodeInfo) {
      const s = state.read(FILTER);
      if (s === undefined) return SUCCESS;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i] as Constraint;
        const value = nodeInfo.topologyValue(c.topologyKey);
        if (value === undefined) return LABEL_MISSING;
        const matching = s.counts[i]?.get(value) ?? 0;
        const skew = matching + (c.selfMatch ? 1 : 0) - (s.minimums[i] ?? 0);
        if (skew > c.maxSkew) return SKEW_TOO_LARGE;
      }
      return SUCCESS;
    },

    preScore(state, pod, nodes, snapshot) {
      const constraints = constraintsOf(pod, "ScheduleAnyway");
      if (constraints.length === 0 || nodes.length === 0) return SKIP;
      const ignored = new Set<NodeInfo>();
      const candidateDomains = constraints.map(() => new Set<string>());
      for (const node of nodes) {
        if (!hasAllKeys(node, constraints)) ignored.add(node);
        else constraints.forEach((c, i) => candidateDomains[i]?.add(node.topologyValue(c.topologyKey) ?? ""));
      }
      const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME_LABEL ? nodes.length - ignored.size : (candidateDomains[i]?.size ?? 0)) + 2));
      const { eligible } = eligibility(pod, constraints);
      const counts = constraints.map((c) => countMatching(pod, c, eligible, snapshot));
      state.write(SCORE, { constraints, counts, weights, ignored });
      return SUCCESS;
    },

    score(state, _pod, nodeInfo) {
      const s = state.read(SCORE);
      if (s === undefined || s.ignored.has(nodeInfo)) return 0;
      let score = 0;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i] as Constraint;
        const value = nodeInfo.topologyValue(c.topologyKey);
        if (value === undefined) continue;
        score += (s.counts[i]?.get(value) ?? 0) * (s.weights[i] ?? 0) + (c.maxSkew - 1);
      }
      return Math.round(score);
    },

    normalizeScore(state, _pod, scores, nodes) {
      const s = state.read(SCORE);
      if (s === undefined) return;
      let min = Number.POSITIVE_INFINITY;
      let max = 0;
      nodes.forEach((node, i) => {
        if (s.ignored.has(node)) return;
        const score = scores[i] ?? 0;
        if (score < min) min = score;
        if (score > max) max = score;
      });
      nodes.forEach((node, i) => {
        if (s.ignored.has(node)) scores[i] = 0;
        else if (max === 0) scores[i] = MAX_NODE_SCORE;
        // Fewer matching pods, higher score: the emptiest domain gets 100.
        else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - (scores[i] ?? 0))) / max);
      });
    },
  };
}
