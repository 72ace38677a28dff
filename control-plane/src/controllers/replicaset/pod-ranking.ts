// Which pods a ReplicaSet deletes first when it has too many: the ones whose
// loss hurts least, in the order of Kubernetes' ActivePodsWithRanks
// (LogarithmicScaleDown and PodDeletionCost on, as they are by default).
import { isPodActive, isPodReady, podReadyTime } from "./pod-status.ts";
import { parseTime, type Pod } from "./types.ts";

export const POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

const phaseOrdinal = (pod: Pod): number => PHASE_ORDINAL[pod.status?.phase ?? ""] ?? 0;

/** An invalid or missing cost is 0, as in Kubernetes. */
function deletionCost(pod: Pod): number {
  const value = pod.metadata.annotations?.[POD_DELETION_COST];
  if (value === undefined || !/^[+-]?\d+$/.test(value.trim())) return 0;
  const cost = Number(value.trim());
  return cost >= -(2 ** 31) && cost < 2 ** 31 ? cost : 0;
}

function maxRestarts(pod: Pod): [regular: number, sidecar: number] {
  let regular = 0;
  for (const s of pod.status?.containerStatuses ?? []) regular = Math.max(regular, s.restartCount ?? 0);
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").map((c) => c.name));
  let sidecar = 0;
  for (const s of pod.status?.initContainerStatuses ?? []) if (sidecars.has(s.name)) sidecar = Math.max(sidecar, s.restartCount ?? 0);
  return [regular, sidecar];
}

/** afterOrZero: a missing time sorts first, then the later one. */
const afterOrZero = (a: number | undefined, b: number | undefined): boolean =>
  a === undefined || b === undefined ? a === undefined : a > b;

/** Pods of similar age (within a power of two of each other, measured from now) rank the same. */
function logarithmicRankDiff(a: number, b: number, now: number): number {
  const rank = (t: number) => {
    const ns = (now - t) * 1e6;
    return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
  };
  return rank(a) - rank(b);
}

/** True when `a` should be deleted before `b`. `rankA`/`rankB`: active related pods on the same node. */
export function deleteBefore(a: Pod, rankA: number, b: Pod, rankB: number, now: number): boolean {
  // 1. Unassigned < assigned.
  const nodeA = a.spec?.nodeName ?? "";
  const nodeB = b.spec?.nodeName ?? "";
  if (nodeA !== nodeB && (nodeA === "" || nodeB === "")) return nodeA === "";
  // 2. Pending < Unknown < Running.
  if (phaseOrdinal(a) !== phaseOrdinal(b)) return phaseOrdinal(a) < phaseOrdinal(b);
  // 3. Not ready < ready.
  if (isPodReady(a) !== isPodReady(b)) return !isPodReady(a);
  // 4. Lower deletion cost first.
  if (deletionCost(a) !== deletionCost(b)) return deletionCost(a) < deletionCost(b);
  // 5. Doubled up (more related pods on its node) first.
  if (rankA !== rankB) return rankA > rankB;
  // 6. Ready for less time first.
  if (isPodReady(a) && isPodReady(b)) {
    const readyA = podReadyTime(a);
    const readyB = podReadyTime(b);
    if (readyA !== readyB) {
      if (readyA === undefined || readyB === undefined) return afterOrZero(readyA, readyB);
      const diff = logarithmicRankDiff(readyA, readyB, now);
      if (diff === 0) return (a.metadata.uid ?? "") < (b.metadata.uid ?? "");
      return diff < 0;
    }
  }
  // 7. More container restarts first.
  const [regularA, sidecarA] = maxRestarts(a);
  const [regularB, sidecarB] = maxRestarts(b);
  if (regularA !== regularB) return regularA > regularB;
  if (sidecarA !== sidecarB) return sidecarA > sidecarB;
  // 8. Newer first.
  const createdA = parseTime(a.metadata.creationTimestamp);
  const createdB = parseTime(b.metadata.creationTimestamp);
  if (createdA !== createdB) {
    if (createdA === undefined || createdB === undefined) return afterOrZero(createdA, createdB);
    const diff = logarithmicRankDiff(createdA, createdB, now);
    if (diff === 0) return (a.metadata.uid ?? "") < (b.metadata.uid ?? "");
    return diff < 0;
  }
  return false;
}

/**
 * getPodsToDelete: the `count` pods of `pods` to delete. `related` are the
 * active pods of every ReplicaSet under the same controller (a Deployment's
 * old and new ones), used to spread the survivors over nodes.
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number, now: number): Pod[] {
  if (count >= pods.length) return pods.slice(0, count);
  const onNode = new Map<string, number>();
  for (const pod of related) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec?.nodeName ?? "";
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? "") ?? 0 }));
  ranked.sort((x, y) => (deleteBefore(x.pod, x.rank, y.pod, y.rank, now) ? -1 : deleteBefore(y.pod, y.rank, x.pod, x.rank, now) ? 1 : 0));
  return ranked.slice(0, count).map((r) => r.pod);
}
