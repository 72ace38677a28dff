// The arithmetic of a rollout, as deployment_util.go and intstr compute it:
// maxSurge and maxUnavailable from ints or percents (surge rounds up,
// unavailability down), how far the new ReplicaSet may grow, and how a
// scaling event is shared among the ReplicaSets of a rollout in progress.
import type { Deployment } from "../replicaset/types.ts";

export type IntOrString = number | string;

/** intstr.GetScaledValueFromIntOrPercent. @throws Error on a string that is not "<int>%". */
export function scaledValue(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  if (!value.endsWith("%")) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const digits = value.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) throw new Error(`invalid value for IntOrString: invalid value "${value}"`);
  const scaled = (Number(digits) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * ResolveFenceposts: absolute maxSurge and maxUnavailable for `desired`
 * replicas. When both come to zero (rounding a small percent down),
 * maxUnavailable is 1, so a rollout can always make progress.
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export const replicasOf = (d: Deployment): number => d.spec?.replicas ?? 1;

export const isRollingUpdate = (d: Deployment): boolean => (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";

function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  const rolling = d.spec?.strategy?.rollingUpdate;
  try {
    return resolveFenceposts(rolling?.maxSurge, rolling?.maxUnavailable, replicasOf(d));
  } catch {
    // Validation rejects such values; Kubernetes reads them as zero here too.
    return { surge: 0, unavailable: 0 };
  }
}

/** MaxSurge: how many pods above the desired count a rolling update may run. */
export const maxSurge = (d: Deployment): number => (isRollingUpdate(d) ? fenceposts(d).surge : 0);

/** MaxUnavailable: how many of the desired pods may be unavailable, never more than the desired count. */
export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

/** MinAvailable: the pods that must stay available during a rolling update. */
export const minAvailable = (d: Deployment): number => replicasOf(d) - maxUnavailable(d);

/**
 * NewRSNewReplicas: the size the new ReplicaSet may grow to now, given the
 * pods all ReplicaSets of the deployment have (or are about to have).
 * Recreate goes straight to the desired count (its old pods are gone first).
 */
export function newReplicaSetReplicas(d: Deployment, currentPodCount: number, newReplicaSetReplicas: number): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, replicasOf(d), true);
  const maxTotalPods = replicasOf(d) + surge;
  if (currentPodCount >= maxTotalPods) return newReplicaSetReplicas;
  const scaleUp = Math.min(maxTotalPods - currentPodCount, replicasOf(d) - newReplicaSetReplicas);
  return newReplicaSetReplicas + scaleUp;
}

/** integer.RoundToInt32: Go's math.Round, halves away from zero. */
export const roundHalfAwayFromZero = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/**
 * getReplicaSetFraction: a ReplicaSet's share of a scaling event, in
 * proportion to its size before it (deployment's max replicas then, from
 * the max-replicas annotation, falling back to status.replicas).
 */
export function replicaSetFraction(rsReplicas: number, maxReplicasAnnotation: number | undefined, d: Deployment): number {
  if (replicasOf(d) === 0) return -rsReplicas;
  const deploymentMaxReplicas = replicasOf(d) + maxSurge(d);
  const before = maxReplicasAnnotation === undefined || maxReplicasAnnotation === 0 ? (d.status?.replicas ?? 0) : maxReplicasAnnotation;
  // A zero divisor gives Go's ±Inf, which RoundToInt32 turns into an extreme int32 that min/max below then bound.
  const scaled = (rsReplicas * deploymentMaxReplicas) / before;
  const rounded = Number.isFinite(scaled) ? roundHalfAwayFromZero(scaled) : scaled > 0 ? 2 ** 31 - 1 : -(2 ** 31);
  return rounded - rsReplicas;
}

/**
 * GetProportion: how many replicas to add to (or remove from) one
 * ReplicaSet, never more than what is left of `toAdd` after `added`.
 */
export function proportion(rsReplicas: number, maxReplicasAnnotation: number | undefined, d: Deployment, toAdd: number, added: number): number {
  if (rsReplicas === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rsReplicas, maxReplicasAnnotation, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
