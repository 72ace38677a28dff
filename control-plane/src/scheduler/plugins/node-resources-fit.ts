// NodeResourcesFit: the pod's requests must fit in what the node has left
// (filter); nodes with more left score higher (LeastAllocated, kube's default)
// or, with scoringStrategy "MostAllocated", nodes already fuller score higher,
// for packing small edge fleets.

import {
  type CycleState,
  type FilterPlugin,
  MAX_NODE_SCORE,
  numberArg,
  type PluginArgs,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  stateKey,
  stringListArg,
  SUCCESS,
  unresolvable,
  unschedulable,
} from "../framework.ts";
import type { NodeInfo } from "../node-info.ts";
import { podInfo } from "../pod-info.ts";
import type { PodRequests } from "../resources.ts";

export const NAME = "NodeResourcesFit";
export const ERR_REASON_TOO_MANY_PODS = "Too many pods";
/** "Insufficient cpu", "Insufficient memory", "Insufficient example.com/gpu", … */
export const insufficientReason = (resource: string): string => `Insufficient ${resource}`;
export const ERR_REASON_INSUFFICIENT_CPU = insufficientReason("cpu");
export const ERR_REASON_INSUFFICIENT_MEMORY = insufficientReason("memory");

const REQUESTS = stateKey<PodRequests>("PreFilterNodeResourcesFit");

interface Shortfall {
  readonly reason: string;
  /** The node could not hold the pod even empty: no preemption helps. */
  readonly unresolvable: boolean;
}

/** noderesources.fitsRequest: every resource the node is short of, not just the first. */
export function insufficientResources(requests: PodRequests, nodeInfo: NodeInfo, ignored: ReadonlySet<string> = new Set()): Shortfall[] {
  const out: Shortfall[] = [];
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (nodeInfo.pods.size + 1 > alloc.pods) out.push({ reason: ERR_REASON_TOO_MANY_PODS, unresolvable: false });
  if (requests.milliCpu > 0 && requests.milliCpu > alloc.milliCpu - used.milliCpu) {
    out.push({ reason: ERR_REASON_INSUFFICIENT_CPU, unresolvable: requests.milliCpu > alloc.milliCpu });
  }
  if (requests.memory > 0 && requests.memory > alloc.memory - used.memory) {
    out.push({ reason: ERR_REASON_INSUFFICIENT_MEMORY, unresolvable: requests.memory > alloc.memory });
  }
  if (requests.ephemeralStorage > 0 && requests.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({ reason: insufficientReason("ephemeral-storage"), unresolvable: requests.ephemeralStorage > alloc.ephemeralStorage });
  }
  if (requests.scalar !== undefined) {
    for (const [name, wanted] of requests.scalar) {
      if (wanted === 0 || ignored.has(name) || ignored.has(name.split("/")[0] ?? "")) continue;
      const capacity = alloc.scalar?.get(name) ?? 0;
      if (wanted > capacity - (used.scalar?.get(name) ?? 0)) out.push({ reason: insufficientReason(name), unresolvable: wanted > capacity });
    }
  }
  return out;
}

// The answer for almost every node: no allocation, no reasons.
function fitsCommonCase(requests: PodRequests, nodeInfo: NodeInfo): boolean {
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  return (
    requests.scalar === undefined &&
    nodeInfo.pods.size < alloc.pods &&
    requests.milliCpu <= alloc.milliCpu - used.milliCpu &&
    requests.memory <= alloc.memory - used.memory &&
    requests.ephemeralStorage <= alloc.ephemeralStorage - used.ephemeralStorage
  );
}

/** (capacity - requested) scaled to 0..100; nothing left (or overcommitted) scores 0. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** requested scaled to 0..100, capped at full. */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.trunc((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);
}

/**
 * Args: ignoredResources (names, or domain prefixes, of extended resources to
 * leave to others), scoringStrategy ("LeastAllocated" | "MostAllocated"),
 * cpuWeight and memoryWeight (1 each).
 */
export function create(args: PluginArgs = {}): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const ignored = new Set(stringListArg(args, "ignoredResources", []));
  const scorer = args.scoringStrategy === "MostAllocated" ? mostRequestedScore : leastRequestedScore;
  const cpuWeight = numberArg(args, "cpuWeight", 1);
  const memoryWeight = numberArg(args, "memoryWeight", 1);
  return {
    name: NAME,
    events: ["NodeAdd", "NodeUpdate", "AssignedPodDelete", "AssignedPodUpdate"],
    preFilter(state: CycleState, pod) {
      state.write(REQUESTS, podInfo(pod).requests);
      return SUCCESS;
    },
    filter(state, pod, nodeInfo): Status {
      const requests = state.read(REQUESTS) ?? podInfo(pod).requests;
      if (fitsCommonCase(requests, nodeInfo)) return SUCCESS;
      const shortfalls = insufficientResources(requests, nodeInfo, ignored);
      if (shortfalls.length === 0) return SUCCESS;
      const reasons = shortfalls.map((s) => s.reason);
      return shortfalls.some((s) => s.unresolvable) ? unresolvable(...reasons) : unschedulable(...reasons);
    },
    preScore(state, pod) {
      state.write(REQUESTS, podInfo(pod).requests);
      return SUCCESS;
    },
    score(state, pod, nodeInfo) {
      // Scoring counts BestEffort containers at the default requests, so such pods still spread.
      const requests = state.read(REQUESTS) ?? podInfo(pod).requests;
      const alloc = nodeInfo.allocatable;
      const used = nodeInfo.requested;
      let sum = 0;
      let weights = 0;
      if (alloc.milliCpu > 0) {
        sum += cpuWeight * scorer(used.nonZeroMilliCpu + requests.nonZeroMilliCpu, alloc.milliCpu);
        weights += cpuWeight;
      }
      if (alloc.memory > 0) {
        sum += memoryWeight * scorer(used.nonZeroMemory + requests.nonZeroMemory, alloc.memory);
        weights += memoryWeight;
      }
      return weights === 0 ? 0 : Math.trunc(sum / weights);
    },
  };
}
