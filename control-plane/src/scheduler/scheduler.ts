// One scheduling cycle (kube-scheduler's schedulePod): PreFilter, Filter over
// the nodes until enough fit, PreScore and Score over those, pick the best,
// and assume the pod there so the next cycle sees it. Pure and synchronous:
// binding, events and retries are the caller's, driven by the result.

import type { Pod } from "../../../schemas/index.ts";
import { type Diagnosis, emptyDiagnosis, fitErrorMessage, NO_NODES_AVAILABLE_MESSAGE, reasonCounts } from "./fit-error.ts";
import { CycleState, type FilterPlugin, isRejected, type PreFilterResult, type Status, statusMessage, unresolvable } from "./framework.ts";
import type { NodeInfo } from "./node-info.ts";
import { podKey } from "./pod-info.ts";
import type { Framework } from "./profile.ts";
import type { Snapshot } from "./snapshot.ts";

export type ScheduleResult =
  | {
      readonly outcome: "scheduled";
      /** The node to bind to; the pod is already assumed there. */
      readonly node: string;
      readonly evaluatedNodes: number;
      readonly feasibleNodes: number;
    }
  | {
      readonly outcome: "unschedulable";
      /** The FailedScheduling message, kube's wording. */
      readonly message: string;
      /** Reason → number of nodes, the message's histogram. */
      readonly reasons: ReadonlyMap<string, number>;
      /** For SchedulingQueue.requeueUnschedulable: the plugins whose events may help. */
      readonly unschedulablePlugins: ReadonlySet<string>;
    }
  | {
      /** A plugin failed; retry with backoff. */
      readonly outcome: "error";
      readonly message: string;
    }
  | {
      /** Nothing to do (being deleted, or already assumed or bound); not a failure. */
      readonly outcome: "skipped";
      readonly message: string;
    };

export interface SchedulerOptions {
  /** Breaks ties between equally scored nodes; injectable so tests are deterministic. */
  readonly random?: () => number;
}

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * numFeasibleNodesToFind: how many feasible nodes end the search. Scoring
 * every node of a large cluster buys little over scoring a fair sample, and
 * the search resumes where the last one stopped, so over many pods every
 * node gets its turn.
 */
export function numFeasibleNodesToFind(percentage: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let p = percentage ?? 0;
  if (p <= 0) p = Math.max(50 - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
  const n = Math.trunc((numAllNodes * Math.min(p, 100)) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

const asPreFilterResult = (r: Status | PreFilterResult): PreFilterResult => ("status" in r ? r : { status: r });

export class Scheduler {
  private nextStartNodeIndex = 0;
  private readonly random: () => number;

  constructor(
    readonly framework: Framework,
    readonly snapshot: Snapshot,
    options: SchedulerOptions = {},
  ) {
    this.random = options.random ?? Math.random;
  }

  /**
   * Finds a node for the pod and assumes it there. On "scheduled" the caller
   * binds (pods/binding) and, if binding fails, calls snapshot.forget(pod).
   */
  schedule(pod: Pod): ScheduleResult {
    if (pod.metadata?.deletionTimestamp !== undefined) {
      return { outcome: "skipped", message: `skip schedule deleting pod: ${podKey(pod)}` };
    }
    if (this.snapshot.isPlaced(pod)) return { outcome: "skipped", message: `pod ${podKey(pod)} is already assumed or bound` };
    const allNodes = this.snapshot.nodeInfos();
    if (allNodes.length === 0) {
      return { outcome: "unschedulable", message: NO_NODES_AVAILABLE_MESSAGE, reasons: new Map(), unschedulablePlugins: new Set() };
    }

    const state = new CycleState();
    const diagnosis = emptyDiagnosis();

    // PreFilter: plugins that Skip have nothing to filter; a narrowing result limits the nodes.
    const filters: FilterPlugin[] = [];
    const skipped = new Set<string>();
    let nodeNames: Set<string> | undefined;
    const narrowedBy: string[] = [];
    for (const plugin of this.framework.preFilter) {
      const { status, nodeNames: names } = asPreFilterResult(plugin.preFilter(state, pod, this.snapshot));
      if (status.code === "Skip") {
        skipped.add(plugin.name);
        continue;
      }
      if (status.code === "Error") return { outcome: "error", message: `running PreFilter plugin ${plugin.name}: ${statusMessage(status)}` };
      if (isRejected(status)) {
        diagnosis.preFilterMessage = statusMessage(status);
        diagnosis.absentStatus = status;
        diagnosis.unschedulablePlugins.add(plugin.name);
        return this.unschedulable(allNodes.length, diagnosis);
      }
      if (names !== undefined) {
        nodeNames = nodeNames === undefined ? new Set(names) : new Set([...nodeNames].filter((n) => names.has(n)));
        narrowedBy.push(plugin.name);
      }
    }
    for (const plugin of this.framework.filter) if (!skipped.has(plugin.name)) filters.push(plugin);

    let nodes: readonly NodeInfo[] = allNodes;
    if (nodeNames !== undefined) {
      nodes = [...nodeNames].flatMap((n) => this.snapshot.get(n) ?? []);
      diagnosis.absentStatus = unresolvable(`node(s) didn't satisfy plugin(s) [${narrowedBy.sort().join(" ")}]`);
      for (const name of narrowedBy) diagnosis.unschedulablePlugins.add(name);
    }

    const feasible = this.findFeasible(state, pod, filters, nodes, allNodes.length, diagnosis);
    if (typeof feasible === "string") return { outcome: "error", message: feasible };
    if (feasible.length === 0) return this.unschedulable(allNodes.length, diagnosis);

    const evaluatedNodes = feasible.length + diagnosis.rejections.length;
    const chosen = feasible.length === 1 ? feasible[0] : this.prioritize(state, pod, feasible);
    if (typeof chosen === "string") return { outcome: "error", message: chosen };
    if (chosen === undefined) return { outcome: "error", message: "no node chosen" };
    this.snapshot.assume(pod, chosen.name);
    return { outcome: "scheduled", node: chosen.name, evaluatedNodes, feasibleNodes: feasible.length };
  }

  private unschedulable(numAllNodes: number, diagnosis: Diagnosis): ScheduleResult {
    return {
      outcome: "unschedulable",
      message: fitErrorMessage(numAllNodes, diagnosis),
      reasons: reasonCounts(numAllNodes, diagnosis),
      unschedulablePlugins: diagnosis.unschedulablePlugins,
    };
  }

  /** The nodes that pass every filter, stopping once enough are found; or an error message. */
  private findFeasible(
    state: CycleState,
    pod: Pod,
    filters: readonly FilterPlugin[],
    nodes: readonly NodeInfo[],
    numAllNodes: number,
    diagnosis: Diagnosis,
  ): NodeInfo[] | string {
    const count = nodes.length;
    if (count === 0) return [];
    const wanted = this.framework.score.length === 0 ? 1 : numFeasibleNodesToFind(this.framework.profile.percentageOfNodesToScore, count);
    const start = this.nextStartNodeIndex % count;
    const feasible: NodeInfo[] = [];
    let processed = 0;
    nodeLoop: for (let i = 0; i < count && feasible.length < wanted; i++) {
      const node = nodes[(start + i) % count] as NodeInfo;
      processed++;
      for (const plugin of filters) {
        const status = plugin.filter(state, pod, node);
        if (status.code === "Success") continue;
        if (status.code === "Error") return `running Filter plugin ${plugin.name} on node ${node.name}: ${statusMessage(status)}`;
        diagnosis.rejections.push(status);
        diagnosis.unschedulablePlugins.add(plugin.name);
        continue nodeLoop;
      }
      feasible.push(node);
    }
    this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % numAllNodes;
    return feasible;
  }

  /** Runs the scorers and returns the best node (ties broken at random), or an error message. */
  private prioritize(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): NodeInfo | string | undefined {
    const skipped = new Set<string>();
    for (const plugin of this.framework.preScore) {
      const status = plugin.preScore(state, pod, nodes, this.snapshot);
      if (status.code === "Skip") skipped.add(plugin.name);
      else if (status.code !== "Success") return `running PreScore plugin ${plugin.name}: ${statusMessage(status)}`;
    }
    const totals = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length);
    for (const { plugin, weight } of this.framework.score) {
      if (skipped.has(plugin.name)) continue;
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i] as NodeInfo);
      plugin.normalizeScore?.(state, pod, scores, nodes);
      for (let i = 0; i < nodes.length; i++) totals[i] = (totals[i] ?? 0) + weight * (scores[i] ?? 0);
    }
    // selectHost: reservoir sampling over the top scores, so ties spread load instead of favouring list order.
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    let ties = 0;
    for (let i = 0; i < totals.length; i++) {
      const total = totals[i] ?? 0;
      if (total > bestScore) {
        bestScore = total;
        best = i;
        ties = 1;
      } else if (total === bestScore) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return nodes[best];
  }
}
