// Readiness and availability of a pod, as podutil and the controller helpers
// of Kubernetes define them.
import { parseTime, type Pod } from "./types.ts";

type PodCondition = NonNullable<NonNullable<Pod["status"]>["conditions"]>[number];

/** controller.IsPodActive: not finished and not being deleted. */
export const isPodActive = (pod: Pod): boolean =>
  pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed" && !pod.metadata.deletionTimestamp;

export const podReadyCondition = (pod: Pod): PodCondition | undefined => pod.status?.conditions?.find((c) => c.type === "Ready");

export const isPodReady = (pod: Pod): boolean => podReadyCondition(pod)?.status === "True";

/** When the pod last became ready (ms), if it is ready and says so. */
export function podReadyTime(pod: Pod): number | undefined {
  const condition = podReadyCondition(pod);
  return condition?.status === "True" ? parseTime(condition.lastTransitionTime) : undefined;
}

/**
 * The time (ms) from which a ready pod counts as available: ready for
 * minReadySeconds. Undefined for a pod that is not ready.
 */
export function podAvailableFrom(pod: Pod, minReadySeconds: number): number | undefined {
  if (!isPodReady(pod)) return undefined;
  if (minReadySeconds <= 0) return -Infinity;
  const since = podReadyTime(pod);
  // Ready with no transition time: Kubernetes never counts it available (except with minReadySeconds 0).
  return since === undefined ? Infinity : since + minReadySeconds * 1000;
}

/** podutil.IsPodAvailable: ready, and (with minReadySeconds) ready for strictly longer than that. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const from = podAvailableFrom(pod, minReadySeconds);
  return from !== undefined && (from === -Infinity || from < now);
}
