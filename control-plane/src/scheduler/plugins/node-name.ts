// NodeName: a pod that names its node fits only there.

import { type FilterPlugin, SUCCESS, unresolvable } from "../framework.ts";

export const NAME = "NodeName";
export const ERR_REASON = "node(s) didn't match the requested node name";

// Shared: statuses are immutable and a rejection must not allocate per node.
const NOT_MATCHED = unresolvable(ERR_REASON);

export function create(): FilterPlugin {
  return {
    name: NAME,
    events: ["NodeAdd"],
    filter(_state, pod, nodeInfo) {
      const wanted = pod.spec?.nodeName;
      return wanted === undefined || wanted === "" || wanted === nodeInfo.name ? SUCCESS : NOT_MATCHED;
    },
  };
}
