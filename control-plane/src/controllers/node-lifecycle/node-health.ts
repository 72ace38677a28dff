// What the node lifecycle controller decides about one node, as pure
// functions: the conditions of a node that stopped reporting, the taints its
// conditions call for, and when a pod on a NoExecute-tainted node must go.
import type { Taint, Toleration } from "../../../../schemas/index.ts";
import {
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
} from "../../../../schemas/well-known-taints.ts";
import { toleratesTaint } from "../../scheduler/taints.ts";
import type { NodeObject } from "../daemonset/daemon-pods.ts";

export type { NodeObject };
export type NodeCondition = NonNullable<NonNullable<NodeObject["status"]>["conditions"]>[number];

export const NODE_STATUS_UNKNOWN = "NodeStatusUnknown";
export const NODE_STATUS_UNKNOWN_MESSAGE = "Kubelet stopped posting node status.";
export const NODE_STATUS_NEVER_UPDATED = "NodeStatusNeverUpdated";
export const NODE_STATUS_NEVER_UPDATED_MESSAGE = "Kubelet never posted node status.";

/** The conditions an agent reports and the controller turns Unknown when it goes quiet (NetworkUnavailable is not the agent's). */
export const AGENT_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] as const;

export const readyCondition = (node: NodeObject): NodeCondition | undefined => node.status?.conditions?.find((c) => c.type === "Ready");

/** "True", "False" or "Unknown" (a node that never said counts as Unknown). */
export const readyStatus = (node: NodeObject): string => readyCondition(node)?.status ?? "Unknown";

const timestamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * tryUpdateNodeHealth past the grace period: every agent condition becomes
 * Unknown ("Kubelet stopped posting node status."), or is added as Unknown
 * ("never posted") if the agent never reported it. Undefined when nothing changes.
 */
export function unknownConditions(node: NodeObject, now: number): NodeCondition[] | undefined {
  const conditions = [...(node.status?.conditions ?? [])];
  let changed = false;
  for (const type of AGENT_CONDITIONS) {
    const at = conditions.findIndex((c) => c.type === type);
    const current = conditions[at];
    if (!current) {
      conditions.push({
        type,
        status: "Unknown",
        reason: NODE_STATUS_NEVER_UPDATED,
        message: NODE_STATUS_NEVER_UPDATED_MESSAGE,
        ...(node.metadata.creationTimestamp ? { lastHeartbeatTime: node.metadata.creationTimestamp } : {}),
        lastTransitionTime: timestamp(now),
      });
      changed = true;
    } else if (current.status !== "Unknown") {
      // lastHeartbeatTime stays: it is the last time the agent was heard from.
      conditions[at] = { ...current, status: "Unknown", reason: NODE_STATUS_UNKNOWN, message: NODE_STATUS_UNKNOWN_MESSAGE, lastTransitionTime: timestamp(now) };
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}

/** The taint keys this controller owns; other taints on a node are left as they are. */
const MANAGED: ReadonlySet<string> = new Set([
  TAINT_NODE_NOT_READY,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
]);

/** TaintNodesByCondition: condition type and status → the NoSchedule taint key. */
const NO_SCHEDULE_BY_CONDITION: readonly [string, string, string][] = [
  ["Ready", "False", TAINT_NODE_NOT_READY],
  ["Ready", "Unknown", TAINT_NODE_UNREACHABLE],
  ["MemoryPressure", "True", TAINT_NODE_MEMORY_PRESSURE],
  ["DiskPressure", "True", TAINT_NODE_DISK_PRESSURE],
  ["PIDPressure", "True", TAINT_NODE_PID_PRESSURE],
  ["NetworkUnavailable", "True", TAINT_NODE_NETWORK_UNAVAILABLE],
];

/**
 * The taints a node should carry: NoSchedule ones from its conditions and
 * spec.unschedulable, and the NoExecute not-ready (Ready=False) or
 * unreachable (Ready=Unknown) taint that starts evictions — unless
 * `evictionsHalted` (every node is down: the control plane's own link is the
 * likelier culprit, so nothing is evicted). Taints already present keep their
 * timeAdded; other keys are kept untouched. Undefined when nothing changes.
 */
export function desiredTaints(node: NodeObject, now: number, evictionsHalted: boolean): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const conditions = node.status?.conditions ?? [];
  const statusOf = (type: string) => conditions.find((c) => c.type === type)?.status ?? (type === "Ready" ? "Unknown" : undefined);
  const wanted: Taint[] = [];
  for (const [type, status, key] of NO_SCHEDULE_BY_CONDITION) if (statusOf(type) === status) wanted.push({ key, effect: "NoSchedule" });
  if (node.spec?.unschedulable) wanted.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: "NoSchedule" });
  const ready = statusOf("Ready");
  if (!evictionsHalted && ready === "False") wanted.push({ key: TAINT_NODE_NOT_READY, effect: "NoExecute" });
  if (!evictionsHalted && ready === "Unknown") wanted.push({ key: TAINT_NODE_UNREACHABLE, effect: "NoExecute" });

  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  const next: Taint[] = current.filter((t) => !MANAGED.has(t.key) || wanted.some((w) => same(w, t)));
  for (const taint of wanted) {
    if (next.some((t) => same(t, taint))) continue;
    next.push(taint.effect === "NoExecute" ? { ...taint, timeAdded: timestamp(now) } : taint);
  }
  return Bun.deepEquals(next, current) ? undefined : next;
}

/** The NoExecute taints of a node. */
export const noExecuteTaints = (node: NodeObject | undefined): Taint[] => (node?.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");

/**
 * When a pod on a node with these NoExecute taints must be evicted (the
 * taint manager's processPodOnNode): now if a taint is not tolerated; never
 * (undefined) if every tolerating toleration is forever; otherwise the
 * smallest tolerationSeconds of the tolerations used, counted from when the
 * taint was added (`since`).
 */
export function evictionTime(tolerations: readonly Toleration[] | undefined, taints: readonly Taint[], since: (taint: Taint) => number): number | undefined {
  let at: number | undefined;
  for (const taint of taints) {
    // GetMatchingTolerations: the first toleration that tolerates each taint.
    const used = (tolerations ?? []).find((t) => toleratesTaint(t, taint));
    if (!used) return -Infinity;
    if (used.tolerationSeconds === undefined || used.tolerationSeconds === null) continue;
    const deadline = since(taint) + Math.max(0, used.tolerationSeconds) * 1000;
    if (at === undefined || deadline < at) at = deadline;
  }
  return at;
}
