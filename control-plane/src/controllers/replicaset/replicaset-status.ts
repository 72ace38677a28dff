// A ReplicaSet's status from the pods it owns (replica_set_utils.go).
import { isPodAvailable, isPodReady, podAvailableFrom } from "./pod-status.ts";
import { timestamp, type Pod, type ReplicaSet } from "./types.ts";

/** apps/v1 ReplicaSetCondition (the schema's type merges it with Deployment's, which has lastUpdateTime). */
export interface ReplicaSetCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}
export type ReplicaSetStatus = Omit<NonNullable<ReplicaSet["status"]>, "conditions"> & { conditions?: ReplicaSetCondition[] };

export const REPLICA_FAILURE = "ReplicaFailure";
export const FAILED_CREATE = "FailedCreate";
export const FAILED_DELETE = "FailedDelete";

export const replicasOf = (rs: ReplicaSet): number => rs.spec?.replicas ?? 1;
export const minReadySecondsOf = (rs: ReplicaSet): number => rs.spec?.minReadySeconds ?? 0;

const labelsMatch = (want: Readonly<Record<string, string>> | undefined, have: Readonly<Record<string, string>> | undefined) =>
  Object.entries(want ?? {}).every(([k, v]) => have?.[k] === v);

/** What a manageReplicas failure was, for the ReplicaFailure condition. */
export interface ManageFailure {
  message: string;
}

/**
 * calculateStatus: counts of the active pods, and a ReplicaFailure
 * condition set when creating or deleting failed and cleared once a sync
 * succeeds. observedGeneration is the caller's (set only when it writes).
 */
export function calculateStatus(rs: ReplicaSet, activePods: readonly Pod[], failure: ManageFailure | undefined, now: number): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels;
  const minReadySeconds = minReadySecondsOf(rs);
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    if (labelsMatch(templateLabels, pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }
  let conditions: ReplicaSetCondition[] = [...((rs.status?.conditions ?? []) as ReplicaSetCondition[])];
  const failureCondition = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (failure && !failureCondition) {
    const diff = activePods.length - replicasOf(rs);
    const reason = diff < 0 ? FAILED_CREATE : diff > 0 ? FAILED_DELETE : "";
    conditions.push({ type: REPLICA_FAILURE, status: "True", lastTransitionTime: timestamp(now), reason, message: failure.message });
  } else if (!failure && failureCondition) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  const status: ReplicaSetStatus = {
    ...rs.status,
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
  };
  if (conditions.length) status.conditions = conditions;
  else delete status.conditions;
  return status;
}

/** updateReplicaSetStatus's steady state: nothing to write. */
export function statusUnchanged(rs: ReplicaSet, next: ReplicaSetStatus): boolean {
  const current = rs.status;
  return (
    (current?.replicas ?? 0) === next.replicas &&
    (current?.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (current?.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (current?.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (rs.metadata.generation ?? 0) === (current?.observedGeneration ?? 0) &&
    Bun.deepEquals(current?.conditions ?? [], next.conditions ?? [])
  );
}

/**
 * The earliest time (ms) one of the ready-but-not-yet-available pods
 * becomes available, so the ReplicaSet can be synced then: with
 * minReadySeconds no event marks that moment.
 */
export function nextAvailabilityChange(rs: ReplicaSet, activePods: readonly Pod[], now: number): number | undefined {
  const minReadySeconds = minReadySecondsOf(rs);
  if (minReadySeconds <= 0) return undefined;
  let next: number | undefined;
  for (const pod of activePods) {
    const from = podAvailableFrom(pod, minReadySeconds);
    if (from === undefined || !Number.isFinite(from) || from < now) continue;
    next = next === undefined ? from : Math.min(next, from);
  }
  return next;
}
