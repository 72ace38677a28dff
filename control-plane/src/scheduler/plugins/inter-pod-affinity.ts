// InterPodAffinity: "run near pods like X" (affinity) and "never in the same
// domain as pods like Y" (anti-affinity), domains being nodes, zones or any
// node label. The filter enforces required terms both ways: the incoming
// pod's own, and those of pods already placed that would reject it. The score
// adds preferred terms (both ways) and existing pods' required affinity.

import type { Pod } from "../../../../schemas/index.ts";
import type { Labels } from "../../api/selectors.ts";
import { type AffinityTerm, termMatches } from "../affinity-term.ts";
import {
  type CycleState,
  type FilterPlugin,
  MAX_NODE_SCORE,
  numberArg,
  type PluginArgs,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  SKIP,
  stateKey,
  SUCCESS,
  unresolvable,
  unschedulable,
} from "../framework.ts";
import type { NodeInfo } from "../node-info.ts";
import { type PodInfo, podInfo } from "../pod-info.ts";
import type { Snapshot } from "../snapshot.ts";

export const NAME = "InterPodAffinity";
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";

// Shared: statuses are immutable and a rejection must not allocate per node.
const AFFINITY_NOT_MATCHED = unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH);
const ANTI_AFFINITY_NOT_MATCHED = unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
const EXISTING_ANTI_AFFINITY_NOT_MATCHED = unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);

/** Topology key → domain value → count (or score). */
class TopologyCounts {
  private readonly byKey = new Map<string, Map<string, number>>();

  get empty(): boolean {
    return this.byKey.size === 0;
  }

  add(key: string, value: string | undefined, n: number): void {
    if (value === undefined || n === 0) return;
    let values = this.byKey.get(key);
    if (values === undefined) this.byKey.set(key, (values = new Map()));
    values.set(value, (values.get(value) ?? 0) + n);
  }

  get(key: string, value: string | undefined): number {
    return value === undefined ? 0 : (this.byKey.get(key)?.get(value) ?? 0);
  }

  /** Whether any counted domain contains the node. */
  touches(node: NodeInfo): boolean {
    for (const [key, values] of this.byKey) {
      const value = node.topologyValue(key);
      if (value !== undefined && (values.get(value) ?? 0) > 0) return true;
    }
    return false;
  }

  /** Sum over every counted domain containing the node. */
  sumFor(node: NodeInfo): number {
    let sum = 0;
    for (const [key, values] of this.byKey) {
      const value = node.topologyValue(key);
      if (value !== undefined) sum += values.get(value) ?? 0;
    }
    return sum;
  }
}

interface FilterState {
  readonly pod: PodInfo;
  readonly namespaceLabels: Labels;
  /** Domains where a placed pod's required anti-affinity rejects the incoming pod. */
  readonly existingAntiAffinity: TopologyCounts;
  /** Domains holding pods that match all the incoming pod's required affinity terms. */
  readonly affinity: TopologyCounts;
  /** Domains holding pods that match one of the incoming pod's anti-affinity terms. */
  readonly antiAffinity: TopologyCounts;
}

const FILTER = stateKey<FilterState>("PreFilterInterPodAffinity");
const SCORE = stateKey<TopologyCounts>("PreScoreInterPodAffinity");

/** The namespaces to look in for a term's pods; undefined (all) when a namespaceSelector may widen them. */
const lookIn = (term: AffinityTerm): ReadonlySet<string> | undefined => (term.namespaceSelector === undefined ? term.namespaces : undefined);

/** Visits every placed pod a term selects, with its node. */
function forEachSelected(snapshot: Snapshot, term: AffinityTerm, visit: (p: PodInfo, node: NodeInfo) => void): void {
  snapshot.forEachMatchingPod(term.selector, lookIn(term), (p, node) => {
    if (node.node !== undefined && termMatches(term, p.namespace, p.labels, snapshot.namespaceLabels(p.namespace))) visit(p, node);
  });
}

function existingAntiAffinityCounts(pod: PodInfo, namespaceLabels: Labels, snapshot: Snapshot): TopologyCounts {
  const counts = new TopologyCounts();
  snapshot.placedAntiAffinityTerms().forEachSelecting(pod.namespace, pod.labels, namespaceLabels, (t) => {
    if (t.node.node !== undefined) counts.add(t.term.topologyKey, t.node.topologyValue(t.term.topologyKey), 1);
  });
  return counts;
}

function incomingAffinityCounts(pod: PodInfo, snapshot: Snapshot): TopologyCounts {
  const counts = new TopologyCounts();
  const [first, ...rest] = pod.requiredAffinityTerms;
  if (first === undefined) return counts;
  // A pod counts only if it matches every term; walk the first term's candidates and check the others.
  forEachSelected(snapshot, first, (p, node) => {
    const nsLabels = snapshot.namespaceLabels(p.namespace);
    if (!rest.every((t) => termMatches(t, p.namespace, p.labels, nsLabels))) return;
    for (const t of pod.requiredAffinityTerms) counts.add(t.topologyKey, node.topologyValue(t.topologyKey), 1);
  });
  return counts;
}

function incomingAntiAffinityCounts(pod: PodInfo, snapshot: Snapshot): TopologyCounts {
  const counts = new TopologyCounts();
  for (const term of pod.requiredAntiAffinityTerms) {
    forEachSelected(snapshot, term, (_p, node) => counts.add(term.topologyKey, node.topologyValue(term.topologyKey), 1));
  }
  return counts;
}

function satisfiesPodAffinity(s: FilterState, node: NodeInfo): boolean {
  let podsExist = true;
  for (const term of s.pod.requiredAffinityTerms) {
    const value = node.topologyValue(term.topologyKey);
    if (value === undefined) return false;
    if (s.affinity.get(term.topologyKey, value) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself has nothing to join yet;
  // it may go anywhere the terms' keys exist, or the group could never start.
  return s.affinity.empty && s.pod.requiredAffinityTerms.every((t) => termMatches(t, s.pod.namespace, s.pod.labels, s.namespaceLabels));
}

function satisfiesPodAntiAffinity(s: FilterState, node: NodeInfo): boolean {
  if (s.antiAffinity.empty) return true;
  for (const term of s.pod.requiredAntiAffinityTerms) {
    if (s.antiAffinity.get(term.topologyKey, node.topologyValue(term.topologyKey)) > 0) return false;
  }
  return true;
}

/** Args: hardPodAffinityWeight (1): what an existing pod's required affinity adds to the score of domains it would accept. */
export function create(args: PluginArgs = {}): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const hardPodAffinityWeight = numberArg(args, "hardPodAffinityWeight", 1);
  return {
    name: NAME,
    events: ["NodeAdd", "NodeUpdate", "AssignedPodAdd", "AssignedPodUpdate", "AssignedPodDelete"],

    preFilter(state: CycleState, pod: Pod, snapshot: Snapshot) {
      const info = podInfo(pod);
      const namespaceLabels = snapshot.namespaceLabels(info.namespace);
      const existingAntiAffinity = existingAntiAffinityCounts(info, namespaceLabels, snapshot);
      if (existingAntiAffinity.empty && info.requiredAffinityTerms.length === 0 && info.requiredAntiAffinityTerms.length === 0) return SKIP;
      state.write(FILTER, {
        pod: info,
        namespaceLabels,
        existingAntiAffinity,
        affinity: incomingAffinityCounts(info, snapshot),
        antiAffinity: incomingAntiAffinityCounts(info, snapshot),
      });
      return SUCCESS;
    },

    filter(state, _pod, nodeInfo) {
      const s = state.read(FILTER);
      if (s === undefined) return SUCCESS;
      if (!satisfiesPodAffinity(s, nodeInfo)) return AFFINITY_NOT_MATCHED;
      if (!satisfiesPodAntiAffinity(s, nodeInfo)) return ANTI_AFFINITY_NOT_MATCHED;
      if (!s.existingAntiAffinity.empty && s.existingAntiAffinity.touches(nodeInfo)) {
        return EXISTING_ANTI_AFFINITY_NOT_MATCHED;
      }
      return SUCCESS;
    },

    preScore(state, pod, _nodes, snapshot) {
      const info = podInfo(pod);
      const placed = snapshot.placedScoringTerms();
      if (info.preferredAffinityTerms.length + info.preferredAntiAffinityTerms.length === 0 && placed.size === 0) return SKIP;
      const scores = new TopologyCounts();
      // The incoming pod's preferences, over the pods they select.
      for (const term of info.preferredAffinityTerms) forEachSelected(snapshot, term, (_p, node) => scores.add(term.topologyKey, node.topologyValue(term.topologyKey), term.weight));
      for (const term of info.preferredAntiAffinityTerms) forEachSelected(snapshot, term, (_p, node) => scores.add(term.topologyKey, node.topologyValue(term.topologyKey), -term.weight));
      // Placed pods' terms that select the incoming pod: their preferences, and their required affinity as a soft pull.
      placed.forEachSelecting(info.namespace, info.labels, snapshot.namespaceLabels(info.namespace), (t) => {
        if (t.node.node === undefined) return;
        const weight = t.kind === "requiredAffinity" ? hardPodAffinityWeight : t.kind === "preferredAntiAffinity" ? -t.weight : t.weight;
        scores.add(t.term.topologyKey, t.node.topologyValue(t.term.topologyKey), weight);
      });
      if (scores.empty) return SKIP;
      state.write(SCORE, scores);
      return SUCCESS;
    },

    score(state, _pod, nodeInfo) {
      return state.read(SCORE)?.sumFor(nodeInfo) ?? 0;
    },

    normalizeScore(_state, _pod, scores) {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const s of scores) {
        if (s < min) min = s;
        if (s > max) max = s;
      }
      const range = max - min;
      for (let i = 0; i < scores.length; i++) scores[i] = range > 0 ? Math.trunc((MAX_NODE_SCORE * ((scores[i] ?? 0) - min)) / range) : 0;
    },
  };
}
