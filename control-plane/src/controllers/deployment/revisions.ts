// Revision bookkeeping in annotations, as deployment_util.go keeps it: the
// revision of each ReplicaSet (what `kubectl rollout history` lists and
// `undo` goes back to), the revisions a ReplicaSet had before a rollback
// brought it back, the deployment's size when the ReplicaSet was last
// scaled (for proportional scaling), and the deployment's own annotations
// copied to its new ReplicaSet (change-cause and the like).
import type { Deployment, ObjectMeta, ReplicaSet } from "../replicaset/types.ts";

export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
export const LAST_APPLIED_CONFIGURATION = "kubectl.kubernetes.io/last-applied-configuration";
export const ROLLBACK_TO = "deprecated.deployment.rollback.to";
export const CHANGE_CAUSE = "kubernetes.io/change-cause";

/** The revision history is cut to this many characters (about 100 revisions). */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Annotations a deployment does not pass to its ReplicaSets (and kubectl does not restore on undo). */
export const ANNOTATIONS_TO_SKIP: ReadonlySet<string> = new Set([LAST_APPLIED_CONFIGURATION, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO]);

const INT_RE = /^[+-]?\d+$/;

/** deploymentutil.Revision: 0 when absent, undefined when not a number. */
export function revisionOf(meta: ObjectMeta): number | undefined {
  const value = meta.annotations?.[REVISION];
  if (value === undefined) return 0;
  return INT_RE.test(value) ? Number(value) : undefined;
}

/** MaxRevision: the highest revision among the ReplicaSets (unparsable ones skipped). */
export function maxRevision(replicaSets: readonly ReplicaSet[]): number {
  let max = 0;
  for (const rs of replicaSets) max = Math.max(max, revisionOf(rs.metadata) ?? 0);
  return max;
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const value = rs.metadata.annotations?.[key];
  return value !== undefined && INT_RE.test(value) ? Number(value) : undefined;
}

export const desiredReplicasAnnotation = (rs: ReplicaSet): number | undefined => intAnnotation(rs, DESIRED_REPLICAS);
export const maxReplicasAnnotation = (rs: ReplicaSet): number | undefined => intAnnotation(rs, MAX_REPLICAS);

/** copyDeploymentAnnotationsToReplicaSet; `rs` is a copy the caller owns. */
function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const annotations = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [key, value] of Object.entries(d.metadata.annotations ?? {})) {
    // The ReplicaSet's own revision is the reliable one: the deployment's may be stale.
    if (ANNOTATIONS_TO_SKIP.has(key) || annotations[key] === value) continue;
    annotations[key] = value;
    changed = true;
  }
  return changed;
}

/** SetReplicasAnnotations: the deployment's desired and max sizes this ReplicaSet was scaled for. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = (rs.metadata.annotations ??= {});
  let changed = false;
  if (annotations[DESIRED_REPLICAS] !== String(desired)) {
    annotations[DESIRED_REPLICAS] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS] !== String(max)) {
    annotations[MAX_REPLICAS] = String(max);
    changed = true;
  }
  return changed;
}

export const replicasAnnotationsNeedUpdate = (rs: ReplicaSet, desired: number, max: number): boolean =>
  rs.metadata.annotations?.[DESIRED_REPLICAS] !== String(desired) || rs.metadata.annotations?.[MAX_REPLICAS] !== String(max);

/**
 * SetNewReplicaSetAnnotations on a copy the caller owns: the deployment's
 * annotations, the new revision (keeping the ones it had in the history,
 * when a rollback brings an old ReplicaSet back), and for a ReplicaSet about
 * to be created the replicas annotations. Returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
  sizes: { desired: number; max: number },
  historyLimitChars = MAX_REVISION_HISTORY_CHARS,
): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const annotations = (rs.metadata.annotations ??= {});
  const oldRevision = annotations[REVISION];
  if (oldRevision !== undefined && !INT_RE.test(oldRevision)) return false;
  const oldRevisionNumber = oldRevision === undefined ? 0 : Number(oldRevision);
  if (oldRevisionNumber < newRevision) {
    annotations[REVISION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined) {
      const history = annotations[REVISION_HISTORY] ?? "";
      const revisions = history === "" ? [] : history.split(",");
      let length = history.length + oldRevision.length + 1;
      let start = 0;
      while (length > historyLimitChars && start < revisions.length) {
        length -= revisions[start]!.length + 1;
        start++;
      }
      if (revisions.length === 0) annotations[REVISION_HISTORY] = oldRevision;
      else if (length <= historyLimitChars) annotations[REVISION_HISTORY] = [...revisions.slice(start), oldRevision].join(",");
    }
  }
  if (!exists && setReplicasAnnotations(rs, sizes.desired, sizes.max)) changed = true;
  return changed;
}

/** SetDeploymentRevision on a copy the caller owns. */
export function setDeploymentRevision(d: Deployment, revision: string | undefined): boolean {
  if (revision === undefined) return false;
  const annotations = (d.metadata.annotations ??= {});
  if (annotations[REVISION] === revision) return false;
  annotations[REVISION] = revision;
  return true;
}
