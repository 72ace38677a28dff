// NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be
// used in equal proportion after placing the pod, so neither runs out while
// the other idles.

import { MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin, SKIP, stateKey, SUCCESS } from "../framework.ts";
import { podInfo } from "../pod-info.ts";
import type { PodRequests } from "../resources.ts";

export const NAME = "NodeResourcesBalancedAllocation";

const REQUESTS = stateKey<PodRequests>("PreScoreNodeResourcesBalancedAllocation");

/** 100 × (1 − standard deviation of the used fractions, each capped at 1); for two resources the deviation is half their gap. */
export function balancedScore(cpuFraction: number, memoryFraction: number): number {
  const std = Math.abs(Math.min(cpuFraction, 1) - Math.min(memoryFraction, 1)) / 2;
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export function create(): PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    preScore(state, pod) {
      const requests = podInfo(pod).requests;
      // A BestEffort pod changes no balance; kube skips it too.
      if (requests.milliCpu === 0 && requests.memory === 0) return SKIP;
      state.write(REQUESTS, requests);
      return SUCCESS;
    },
    score(state, pod, nodeInfo) {
      const requests = state.read(REQUESTS) ?? podInfo(pod).requests;
      const alloc = nodeInfo.allocatable;
      const used = nodeInfo.requested;
      // With one resource unknown there is nothing to balance against.
      if (alloc.milliCpu === 0 || alloc.memory === 0) return MAX_NODE_SCORE;
      // Actual requests, not the scoring defaults: balance is about what was asked for.
      return balancedScore((used.milliCpu + requests.milliCpu) / alloc.milliCpu, (used.memory + requests.memory) / alloc.memory);
    },
  };
}
