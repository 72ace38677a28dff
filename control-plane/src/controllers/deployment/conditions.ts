// Deployment conditions and the reasons Kubernetes gives for them, which
// `kubectl rollout status` and `kubectl describe` read.
import type { ReplicaSetCondition } from "../replicaset/replicaset-status.ts";
import { timestamp, type Deployment } from "../replicaset/types.ts";

export const AVAILABLE = "Available";
export const PROGRESSING = "Progressing";
export const REPLICA_FAILURE = "ReplicaFailure";

export const FAILED_RS_CREATE_REASON = "ReplicaSetCreateError";
export const NEW_REPLICA_SET_REASON = "NewReplicaSetCreated";
export const FOUND_NEW_RS_REASON = "FoundNewReplicaSet";
export const NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable";
export const TIMED_OUT_REASON = "ProgressDeadlineExceeded";
export const PAUSED_DEPLOY_REASON = "DeploymentPaused";
export const RESUMED_DEPLOY_REASON = "DeploymentResumed";
export const RS_UPDATED_REASON = "ReplicaSetUpdated";
export const MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable";
export const MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable";

export interface DeploymentCondition {
  type: string;
  status: "True" | "False" | "Unknown" | string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export type DeploymentStatus = Omit<NonNullable<Deployment["status"]>, "conditions"> & { conditions?: DeploymentCondition[] };

export const statusOf = (d: Deployment): DeploymentStatus => (d.status ?? {}) as DeploymentStatus;

export function newCondition(type: string, status: string, reason: string, message: string, now: number): DeploymentCondition {
  const at = timestamp(now);
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

export const getCondition = (status: DeploymentStatus, type: string): DeploymentCondition | undefined =>
  status.conditions?.find((c) => c.type === type);

/**
 * SetDeploymentCondition: replaces the condition of its type, keeping the
 * transition time while the status stays the same, and changing nothing
 * when status and reason are both unchanged.
 */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** ReplicaSetToDeploymentCondition. */
export const fromReplicaSetCondition = (c: ReplicaSetCondition): DeploymentCondition => ({
  type: c.type,
  status: c.status,
  lastUpdateTime: c.lastTransitionTime,
  lastTransitionTime: c.lastTransitionTime,
  reason: c.reason,
  message: c.message,
});
