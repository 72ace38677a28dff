// A deployment's status from its ReplicaSets, and the Progressing and
// Available conditions (sync.go calculateStatus, progress.go).
import type { ReplicaSetCondition } from "../replicaset/replicaset-status.ts";
import { parseTime, type Deployment, type ReplicaSet } from "../replicaset/types.ts";
import {
  AVAILABLE,
  fromReplicaSetCondition,
  getCondition,
  MINIMUM_REPLICAS_AVAILABLE,
  MINIMUM_REPLICAS_UNAVAILABLE,
  NEW_RS_AVAILABLE_REASON,
  newCondition,
  PROGRESSING,
  REPLICA_FAILURE,
  removeCondition,
  RS_UPDATED_REASON,
  setCondition,
  statusOf,
  TIMED_OUT_REASON,
  type DeploymentCondition,
  type DeploymentStatus,
} from "./conditions.ts";
import { maxUnavailable, replicasOf } from "./rollout-math.ts";

const INT32_MAX = 2 ** 31 - 1;

const specReplicas = (rs: ReplicaSet): number => rs.spec?.replicas ?? 1;
const sum = (replicaSets: readonly (ReplicaSet | undefined)[], count: (rs: ReplicaSet) => number | undefined): number =>
  replicaSets.reduce((total, rs) => total + (rs ? (count(rs) ?? 0) : 0), 0);

/** GetReplicaCountForReplicaSets: the replicas the ReplicaSets are asked for. */
export const specReplicaCount = (replicaSets: readonly (ReplicaSet | undefined)[]): number => sum(replicaSets, specReplicas);
/** GetActualReplicaCountForReplicaSets: the pods they report. */
export const actualReplicaCount = (replicaSets: readonly (ReplicaSet | undefined)[]): number => sum(replicaSets, (rs) => rs.status?.replicas);
export const readyReplicaCount = (replicaSets: readonly (ReplicaSet | undefined)[]): number => sum(replicaSets, (rs) => rs.status?.readyReplicas);
export const availableReplicaCount = (replicaSets: readonly (ReplicaSet | undefined)[]): number => sum(replicaSets, (rs) => rs.status?.availableReplicas);

/** FilterActiveReplicaSets: the ones asked for pods. */
export const activeReplicaSets = (replicaSets: readonly (ReplicaSet | undefined)[]): ReplicaSet[] =>
  replicaSets.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);

export const hasProgressDeadline = (d: Deployment): boolean =>
  d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== INT32_MAX;

export const hasRevisionHistoryLimit = (d: Deployment): boolean =>
  d.spec?.revisionHistoryLimit !== undefined && d.spec.revisionHistoryLimit !== INT32_MAX;

/** Go's omitempty: zero counts are left out of the written status, as Kubernetes writes it. */
function compact(status: DeploymentStatus): DeploymentStatus {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(status)) {
    // collisionCount is a pointer in Go: a zero that was set stays.
    if (value === undefined || (value === 0 && key !== "collisionCount") || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  return out as DeploymentStatus;
}

/** Two statuses equal field by field, a missing count being zero. */
export const sameStatus = (a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean =>
  Bun.deepEquals(compact(a ?? {}), compact(b ?? {}));

/** calculateStatus: counts from the ReplicaSets and the Available condition. */
export function calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: number): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicaCount(allRSs) - available),
    collisionCount: statusOf(d).collisionCount,
    conditions: [...(statusOf(d).conditions ?? [])],
  };
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, "True", MINIMUM_REPLICAS_AVAILABLE, "Deployment has minimum availability.", now));
  } else {
    setCondition(status, newCondition(AVAILABLE, "False", MINIMUM_REPLICAS_UNAVAILABLE, "Deployment does not have minimum availability.", now));
  }
  return compact(status);
}

/** DeploymentComplete: every replica updated and available, and the latest spec observed. */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const replicas = replicasOf(d);
  return (
    (status.updatedReplicas ?? 0) === replicas &&
    (status.replicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 1)
  );
}

/** DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than the last status said. */
export function deploymentProgressing(d: Deployment, next: DeploymentStatus): boolean {
  const old = statusOf(d);
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** DeploymentTimedOut: no progress recorded for progressDeadlineSeconds. */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const condition = getCondition(status, PROGRESSING);
  if (!condition || condition.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (condition.reason === TIMED_OUT_REASON) return true;
  const from = parseTime(condition.lastUpdateTime);
  return from !== undefined && from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now;
}

/** getReplicaFailures: the new ReplicaSet's ReplicaFailure conditions, else the old ones'. */
function replicaFailures(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition[] {
  const failures = (rs: ReplicaSet | undefined) =>
    ((rs?.status?.conditions ?? []) as ReplicaSetCondition[]).filter((c) => c.type === REPLICA_FAILURE).map(fromReplicaSetCondition);
  const fromNew = failures(newRS);
  return fromNew.length ? fromNew : allRSs.flatMap(failures);
}

export interface RolloutStatus {
  status: DeploymentStatus;
  /** Sync again after this long to notice a missed progress deadline. */
  recheckAfterMs?: number;
}

/** syncRolloutStatus without the write: the status, with Progressing estimated, and when to look again. */
export function rolloutStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: number): RolloutStatus {
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);

  const current = getCondition(statusOf(d), PROGRESSING);
  const isComplete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === NEW_RS_AVAILABLE_REASON;
  if (hasProgressDeadline(d) && !isComplete) {
    if (deploymentComplete(d, status)) {
      const message = newRS ? `ReplicaSet "${newRS.metadata.name}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`;
      setCondition(status, newCondition(PROGRESSING, "True", NEW_RS_AVAILABLE_REASON, message, now));
    } else if (deploymentProgressing(d, status)) {
      const message = newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
      const condition = newCondition(PROGRESSING, "True", RS_UPDATED_REASON, message, now);
      // Progress moves lastUpdateTime even when the reason stays the same.
      if (current) {
        if (current.status === "True") condition.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, PROGRESSING);
      }
      setCondition(status, condition);
    } else if (deploymentTimedOut(d, status, now)) {
      const message = newRS ? `ReplicaSet "${newRS.metadata.name}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
      setCondition(status, newCondition(PROGRESSING, "False", TIMED_OUT_REASON, message, now));
    }
  }

  const failures = replicaFailures(allRSs, newRS);
  if (failures.length) setCondition(status, failures[0]!);
  else removeCondition(status, REPLICA_FAILURE);

  return { status, recheckAfterMs: sameStatus(statusOf(d), status) ? stuckRecheck(d, status, now) : undefined };
}

/**
 * requeueStuckDeployment: with no sign of progress, when the deadline will
 * have passed (lastUpdateTime + progressDeadlineSeconds), plus a second.
 */
function stuckRecheck(d: Deployment, next: DeploymentStatus, now: number): number | undefined {
  const current = getCondition(statusOf(d), PROGRESSING);
  if (!hasProgressDeadline(d) || !current) return undefined;
  if (deploymentComplete(d, next) || current.reason === TIMED_OUT_REASON) return undefined;
  const from = parseTime(current.lastUpdateTime);
  if (from === undefined) return undefined;
  const after = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now;
  return Math.max(after, 0) + 1000;
}
