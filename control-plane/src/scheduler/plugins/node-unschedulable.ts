// NodeUnschedulable: keeps pods off cordoned nodes (spec.unschedulable), unless
// they tolerate the taint a cordon stands for.

import type { Pod, Taint } from "../../../../schemas/index.ts";
import { type FilterPlugin, SUCCESS, type Status, unresolvable } from "../framework.ts";
import type { NodeInfo } from "../node-info.ts";
import { tolerationsTolerateTaint } from "../taints.ts";

export const NAME = "NodeUnschedulable";
export const ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable";

// Shared: statuses are immutable and a rejection must not allocate per node.
const CORDONED = unresolvable(ERR_REASON_UNSCHEDULABLE);

const UNSCHEDULABLE_TAINT: Taint = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

export function create(): FilterPlugin {
  return {
    name: NAME,
    events: ["NodeAdd", "NodeUpdate"],
    filter(_state, pod: Pod, nodeInfo: NodeInfo): Status {
      if (!nodeInfo.unschedulable || tolerationsTolerateTaint(pod.spec?.tolerations, UNSCHEDULABLE_TAINT)) return SUCCESS;
      return CORDONED;
    },
  };
}
