// NodePorts: a pod's host ports must be free on the node.

import { type CycleState, type FilterPlugin, type PreFilterPlugin, SKIP, stateKey, SUCCESS, unschedulable } from "../framework.ts";
import type { HostPort } from "../host-ports.ts";
import { podInfo } from "../pod-info.ts";

export const NAME = "NodePorts";
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

// Shared: statuses are immutable and a rejection must not allocate per node.
const PORTS_TAKEN = unschedulable(ERR_REASON);

const WANTED = stateKey<readonly HostPort[]>("PreFilterNodePorts");

export function create(): PreFilterPlugin & FilterPlugin {
  return {
    name: NAME,
    events: ["NodeAdd", "AssignedPodDelete"],
    preFilter(state: CycleState, pod) {
      const ports = podInfo(pod).hostPorts;
      if (ports.length === 0) return SKIP;
      state.write(WANTED, ports);
      return SUCCESS;
    },
    filter(state, _pod, nodeInfo) {
      if (nodeInfo.usedPorts.size === 0) return SUCCESS;
      for (const p of state.read(WANTED) ?? []) {
        if (nodeInfo.usedPorts.conflicts(p)) return PORTS_TAKEN;
      }
      return SUCCESS;
    },
  };
}
