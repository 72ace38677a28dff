// One sync of one Deployment over its ReplicaSets: Kubernetes' sync.go,
// rolling.go, recreate.go and progress.go. All writes go through
// DeploymentActions, so a sync can run against fakes in tests.
//
// One deliberate difference: when deciding how far to scale, a ReplicaSet
// counts as max(spec.replicas, its active pods in the cache) pods and as
// min(spec.replicas, its available pods in the cache) available pods,
// rather than trusting ReplicaSet status. Kubernetes reads status, which
// trails the pods while a ReplicaSet controller catches up with a new size;
// counting the pods keeps a rollout inside maxSurge and maxUnavailable
// at every instant, not just eventually.
import { isStatus } from "../../../../client/errors.ts";
import { controllerRefTo } from "../replicaset/controller-ref.ts";
import { isNamespaceTerminating } from "../replicaset/pod-control.ts";
import { isPodActive, isPodAvailable } from "../replicaset/pod-status.ts";
import { controllerOf, parseTime, type Deployment, type Pod, type ReplicaSet } from "../replicaset/types.ts";
import type { EventType } from "../runtime/events.ts";
import {
  FAILED_RS_CREATE_REASON,
  FOUND_NEW_RS_REASON,
  getCondition,
  NEW_REPLICA_SET_REASON,
  newCondition,
  PAUSED_DEPLOY_REASON,
  PROGRESSING,
  RESUMED_DEPLOY_REASON,
  setCondition,
  statusOf,
  TIMED_OUT_REASON,
  type DeploymentStatus,
} from "./conditions.ts";
import { isRollingUpdate, maxSurge, maxUnavailable, newReplicaSetReplicas, proportion, replicasOf } from "./rollout-math.ts";
import { desiredReplicasAnnotation, maxReplicasAnnotation, maxRevision, replicasAnnotationsNeedUpdate, revisionOf, REVISION, setDeploymentRevision, setNewReplicaSetAnnotations, setReplicasAnnotations } from "./revisions.ts";
import {
  activeReplicaSets,
  actualReplicaCount,
  calculateStatus,
  deploymentComplete,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  rolloutStatus,
  sameStatus,
  specReplicaCount,
} from "./status.ts";
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH } from "./template-hash.ts";

export const SCALING_REPLICA_SET = "ScalingReplicaSet";

/** The writes (and clock) of a deployment sync. */
export interface DeploymentActions {
  createReplicaSet(rs: ReplicaSet): Promise<ReplicaSet>;
  /** A full update, conditional on the ReplicaSet's resourceVersion. */
  updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet>;
  deleteReplicaSet(rs: ReplicaSet): Promise<void>;
  /** The informer's copy, read after a create found the name taken. */
  cachedReplicaSet(namespace: string, name: string): ReplicaSet | undefined;
  /** Writes status (and, as Kubernetes allows there, annotations). */
  updateStatus(d: Deployment): Promise<Deployment>;
  event(d: Deployment, type: EventType, reason: string, message: string): void;
  /** Sync this deployment again after `ms`. */
  recheckAfter(ms: number): void;
  now(): number;
}

const specOf = (rs: ReplicaSet): number => rs.spec?.replicas ?? 1;

/** ReplicaSetsByCreationTimestamp: older first, then by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = parseTime(a.metadata.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : (a.metadata.name ?? "") > (b.metadata.name ?? "") ? 1 : 0;
}

/** ReplicaSetsByRevision: lower revision first; unparsable or equal ones by creation. */
function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a.metadata);
  const rb = revisionOf(b.metadata);
  if (ra === undefined || rb === undefined || ra === rb) return byCreation(a, b);
  return ra - rb;
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the deployment's. */
export function findNewReplicaSet(d: Deployment, replicaSets: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...replicaSets].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** IsSaturated: the ReplicaSet runs the deployment's full count, all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const replicas = replicasOf(d);
  return desiredReplicasAnnotation(rs) === replicas && specOf(rs) === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/** FindActiveOrLatest: the only ReplicaSet with pods, or the newest when none has any; none when several have. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

export class Rollout {
  private d: Deployment;
  private readonly replicaSets: ReplicaSet[];

  /**
   * @param replicaSets the ReplicaSets the deployment controls (claimed).
   * @param pods the pods of those ReplicaSets that the deployment's selector matches, by ReplicaSet uid.
   */
  constructor(
    d: Deployment,
    replicaSets: readonly ReplicaSet[],
    private readonly pods: ReadonlyMap<string, readonly Pod[]>,
    private readonly actions: DeploymentActions,
  ) {
    this.d = structuredClone(d);
    this.replicaSets = [...replicaSets];
  }

  get deployment(): Deployment {
    return this.d;
  }

  // --- Pod-backed counts (see the file comment) -------------------------------------------

  /** The pods a ReplicaSet has or is about to have. */
  private podsOf(rs: ReplicaSet): number {
    const active = (this.pods.get(rs.metadata.uid ?? "") ?? []).filter(isPodActive).length;
    return Math.max(specOf(rs), active);
  }

  private podCount(replicaSets: readonly (ReplicaSet | undefined)[]): number {
    return replicaSets.reduce((n, rs) => n + (rs ? this.podsOf(rs) : 0), 0);
  }

  /** The available pods a ReplicaSet keeps once it has its size. */
  private availableOf(rs: ReplicaSet): number {
    const now = this.actions.now();
    const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
    const available = (this.pods.get(rs.metadata.uid ?? "") ?? []).filter((p) => isPodActive(p) && isPodAvailable(p, minReadySeconds, now)).length;
    return Math.min(specOf(rs), available);
  }

  // --- Writes ----------------------------------------------------------------------------

  private async updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet> {
    const updated = await this.actions.updateReplicaSet(rs);
    const index = this.replicaSets.findIndex((r) => r.metadata.uid === updated.metadata.uid);
    if (index >= 0) this.replicaSets[index] = updated;
    return updated;
  }

  private async updateStatus(d: Deployment): Promise<void> {
    this.d = await this.actions.updateStatus(d);
  }

  private event(type: EventType, reason: string, message: string): void {
    this.actions.event(this.d, type, reason, message);
  }

  // --- sync.go ---------------------------------------------------------------------------

  /** syncStatusOnly: a deployment being deleted only reports. */
  async syncStatusOnly(): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  /** sync: scaling events and paused deployments; no rollout progress. */
  async sync(): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec?.paused) await this.cleanupDeployment(oldRSs);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  /** checkPausedConditions: Progressing=Unknown while paused, so a resumed deployment does not time out at once. */
  async checkPausedConditions(): Promise<void> {
    if (!hasProgressDeadline(this.d)) return;
    const condition = getCondition(statusOf(this.d), PROGRESSING);
    if (condition?.reason === TIMED_OUT_REASON) return;
    const pausedConditionExists = condition?.reason === PAUSED_DEPLOY_REASON;
    const paused = !!this.d.spec?.paused;
    if (paused === pausedConditionExists) return;
    const d = structuredClone(this.d);
    const status = ((d.status as DeploymentStatus | undefined) ??= {});
    const now = this.actions.now();
    if (paused) setCondition(status, newCondition(PROGRESSING, "Unknown", PAUSED_DEPLOY_REASON, "Deployment is paused", now));
    else setCondition(status, newCondition(PROGRESSING, "Unknown", RESUMED_DEPLOY_REASON, "Deployment is resumed", now));
    await this.updateStatus(d);
  }

  /** isScalingEvent: an active ReplicaSet was last scaled for another deployment size. */
  async isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(false);
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasAnnotation(rs);
      return desired !== undefined && desired !== replicasOf(this.d);
    });
  }

  /**
   * getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created if asked
   * and missing) with its revision brought past the old ones', and the
   * deployment's revision annotation following it.
   */
  async replicaSetsAndSyncRevision(createIfMissing: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const existing = findNewReplicaSet(this.d, this.replicaSets);
    const oldRSs = this.replicaSets.filter((rs) => rs.metadata.uid !== existing?.metadata.uid);
    const newRS = await this.newReplicaSet(existing, oldRSs, createIfMissing);
    return { newRS, oldRSs };
  }

  private async newReplicaSet(existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], createIfMissing: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const newRevision = maxRevision(oldRSs) + 1;
    const sizes = { desired: replicasOf(d), max: replicasOf(d) + maxSurge(d) };
    const now = this.actions.now();

    if (existing) {
      const copy = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true, sizes);
      const minReadySeconds = d.spec?.minReadySeconds;
      if (annotationsUpdated || (copy.spec?.minReadySeconds ?? 0) !== (minReadySeconds ?? 0)) {
        if (copy.spec) {
          if (minReadySeconds === undefined) delete copy.spec.minReadySeconds;
          else copy.spec.minReadySeconds = minReadySeconds;
        }
        return this.updateReplicaSet(copy);
      }
      const next = structuredClone(d);
      let needsUpdate = setDeploymentRevision(next, copy.metadata.annotations?.[REVISION]);
      const status = ((next.status as DeploymentStatus | undefined) ??= {});
      if (hasProgressDeadline(next) && !getCondition(status, PROGRESSING)) {
        setCondition(status, newCondition(PROGRESSING, "True", FOUND_NEW_RS_REASON, `Found new replica set "${copy.metadata.name}"`, now));
        needsUpdate = true;
      }
      if (needsUpdate) await this.updateStatus(next);
      return copy;
    }
    if (!createIfMissing) return undefined;

    const collisionCount = statusOf(d).collisionCount;
    const template = structuredClone(d.spec?.template ?? {});
    const hash = computeHash(template, collisionCount);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash };
    const name = `${d.metadata.name}-${hash}`;
    const rs: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name,
        namespace: d.metadata.namespace,
        ownerReferences: [controllerRefTo({ apiVersion: "apps/v1", kind: "Deployment", metadata: d.metadata })],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, selector, template },
    };
    if (d.spec?.minReadySeconds !== undefined) rs.spec!.minReadySeconds = d.spec.minReadySeconds;
    const replicas = newReplicaSetReplicas(d, this.podCount(oldRSs), 0);
    rs.spec!.replicas = replicas;
    setNewReplicaSetAnnotations(d, rs, newRevision, false, sizes);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.actions.createReplicaSet(rs);
    } catch (error) {
      if (isStatus(error, 409) && (error as { reason?: string }).reason === "AlreadyExists") {
        // A slow cache, or a hash collision with a ReplicaSet that is not ours (or not this template).
        const found = this.actions.cachedReplicaSet(d.metadata.namespace ?? "", name);
        if (!found) throw error;
        if (controllerOf(found.metadata)?.uid === d.metadata.uid && equalIgnoreHash(d.spec?.template, found.spec?.template)) {
          created = found;
          alreadyExists = true;
        } else {
          const next = structuredClone(d);
          const status = ((next.status as DeploymentStatus | undefined) ??= {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.updateStatus(next);
          throw error;
        }
      } else if (isNamespaceTerminating(error)) {
        throw error;
      } else {
        const message = `Failed to create new replica set "${name}": ${(error as Error).message}`;
        if (hasProgressDeadline(d)) {
          const next = structuredClone(d);
          setCondition(((next.status as DeploymentStatus | undefined) ??= {}), newCondition(PROGRESSING, "False", FAILED_RS_CREATE_REASON, message, now));
          // The creation failure is the error worth reporting, not this one.
          await this.updateStatus(next).catch(() => undefined);
        }
        this.event("Warning", FAILED_RS_CREATE_REASON, message);
        throw error;
      }
    }
    if (!alreadyExists) {
      this.replicaSets.push(created);
      if (replicas > 0) this.event("Normal", SCALING_REPLICA_SET, `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
    }
    const next = structuredClone(this.d);
    let needsUpdate = setDeploymentRevision(next, String(newRevision));
    if (!alreadyExists && hasProgressDeadline(next)) {
      setCondition(((next.status as DeploymentStatus | undefined) ??= {}), newCondition(PROGRESSING, "True", NEW_REPLICA_SET_REASON, `Created new replica set "${created.metadata.name}"`, now));
      needsUpdate = true;
    }
    if (needsUpdate) await this.updateStatus(next);
    return created;
  }

  /**
   * scale: a scaling event. One active ReplicaSet takes the new size; a
   * saturated new ReplicaSet empties the old ones; otherwise, mid-rollout,
   * the change is shared among the active ReplicaSets in proportion to their
   * sizes, so scaling neither speeds up nor slows down the rollout.
   */
  async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    const replicas = replicasOf(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (specOf(activeOrLatest) !== replicas) await this.scaleAndRecordEvent(activeOrLatest, replicas);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleAndRecordEvent(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = activeReplicaSets([...oldRSs, newRS]);
    const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
    const toAdd = allowed - specReplicaCount(all);
    let operation = "";
    if (toAdd > 0) {
      // Larger first; of equal sizes, newer first.
      all.sort((a, b) => (specOf(a) === specOf(b) ? byCreation(b, a) : specOf(b) - specOf(a)));
      operation = "up";
    } else if (toAdd < 0) {
      // Larger first; of equal sizes, older first.
      all.sort((a, b) => (specOf(a) === specOf(b) ? byCreation(a, b) : specOf(b) - specOf(a)));
      operation = "down";
    }
    let added = 0;
    const sizes = new Map<ReplicaSet, number>();
    for (const rs of all) {
      if (toAdd === 0) {
        sizes.set(rs, specOf(rs));
        continue;
      }
      const share = proportion(specOf(rs), maxReplicasAnnotation(rs), d, toAdd, added);
      sizes.set(rs, specOf(rs) + share);
      added += share;
    }
    for (const [i, rs] of all.entries()) {
      let size = sizes.get(rs)!;
      // Leftovers go to the largest.
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      await this.scaleReplicaSet(rs, size, operation);
    }
  }

  private async scaleAndRecordEvent(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (specOf(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, specOf(rs) < newScale ? "up" : "down");
  }

  private async scaleReplicaSet(rs: ReplicaSet, newScale: number, operation: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const d = this.d;
    const sizeNeedsUpdate = specOf(rs) !== newScale;
    const desired = replicasOf(d);
    const max = desired + maxSurge(d);
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const oldScale = specOf(rs);
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec!, replicas: newScale };
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.updateReplicaSet(copy);
    if (sizeNeedsUpdate) this.event("Normal", SCALING_REPLICA_SET, `Scaled ${operation} replica set ${updated.metadata.name} from ${oldScale} to ${newScale}`);
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /** cleanupDeployment: deletes the oldest empty ReplicaSets beyond revisionHistoryLimit. */
  async cleanupDeployment(oldRSs: readonly ReplicaSet[]): Promise<void> {
    const d = this.d;
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 0);
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (const rs of cleanable.slice(0, diff)) {
      // Never one that still has (or is about to have) pods, or whose controller has not caught up.
      if ((rs.status?.replicas ?? 0) !== 0 || specOf(rs) !== 0 || (rs.metadata.generation ?? 1) > (rs.status?.observedGeneration ?? 0)) continue;
      await this.actions.deleteReplicaSet(rs);
    }
  }

  /** syncDeploymentStatus: writes the counts and Available condition when they changed. */
  async syncDeploymentStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(allRSs, newRS, this.d, this.actions.now());
    if (sameStatus(statusOf(this.d), status)) return;
    await this.updateStatus({ ...this.d, status: status as Deployment["status"] });
  }

  /** syncRolloutStatus: also estimates progress, and looks again when the deadline could pass unnoticed. */
  async syncRolloutStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const { status, recheckAfterMs } = rolloutStatus(allRSs, newRS, this.d, this.actions.now());
    if (sameStatus(statusOf(this.d), status)) {
      if (recheckAfterMs !== undefined) this.actions.recheckAfter(recheckAfterMs);
      return;
    }
    await this.updateStatus({ ...this.d, status: status as Deployment["status"] });
  }

  // --- rolling.go ------------------------------------------------------------------------

  async rolloutRolling(): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(true);
    const all = [...oldRSs, newRS!];
    if (await this.reconcileNewReplicaSet(all, newRS!)) return this.syncRolloutStatus(all, newRS);
    if (await this.reconcileOldReplicaSets(all, activeReplicaSets(oldRSs), newRS!)) return this.syncRolloutStatus(all, newRS);
    if (deploymentComplete(this.d, statusOf(this.d))) await this.cleanupDeployment(oldRSs);
    return this.syncRolloutStatus(all, newRS);
  }

  /** Grows the new ReplicaSet as far as maxSurge allows (or shrinks it to the desired count). */
  async reconcileNewReplicaSet(all: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    const replicas = replicasOf(this.d);
    if (specOf(newRS) === replicas) return false;
    if (specOf(newRS) > replicas) return (await this.scaleAndRecordEvent(newRS, replicas)).scaled;
    const target = newReplicaSetReplicas(this.d, this.podCount(all), specOf(newRS));
    return (await this.scaleAndRecordEvent(newRS, target)).scaled;
  }

  /** Shrinks old ReplicaSets: their unhealthy pods first, then as far as maxUnavailable allows. */
  async reconcileOldReplicaSets(all: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    if (specReplicaCount(oldRSs) === 0) return false;
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const newRSUnavailable = specOf(newRS) - this.availableOf(newRS);
    // Unavailable new pods count against the budget, so a broken new template cannot eat the old pods.
    const maxScaledDown = specReplicaCount(all) - minAvailable - newRSUnavailable;
    if (maxScaledDown <= 0) return false;
    const cleaned = await this.cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
    const scaledDown = await this.scaleDownOldReplicaSetsForRollingUpdate([...cleaned.oldRSs, newRS], cleaned.oldRSs);
    return cleaned.count + scaledDown > 0;
  }

  async cleanupUnhealthyReplicas(oldRSs: ReplicaSet[], maxCleanupCount: number): Promise<{ oldRSs: ReplicaSet[]; count: number }> {
    const sorted = [...oldRSs].sort(byCreation);
    let total = 0;
    for (const [i, target] of sorted.entries()) {
      if (total >= maxCleanupCount) break;
      const replicas = specOf(target);
      const available = this.availableOf(target);
      if (replicas === 0 || replicas === available) continue;
      const count = Math.min(maxCleanupCount - total, replicas - available);
      sorted[i] = (await this.scaleAndRecordEvent(target, replicas - count)).rs;
      total += count;
    }
    return { oldRSs: sorted, count: total };
  }

  async scaleDownOldReplicaSetsForRollingUpdate(all: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const available = all.reduce((n, rs) => n + this.availableOf(rs), 0);
    if (available <= minAvailable) return 0;
    const totalScaleDown = available - minAvailable;
    let total = 0;
    for (const target of [...oldRSs].sort(byCreation)) {
      if (total >= totalScaleDown) break;
      if (specOf(target) === 0) continue;
      const count = Math.min(specOf(target), totalScaleDown - total);
      await this.scaleAndRecordEvent(target, specOf(target) - count);
      total += count;
    }
    return total;
  }

  // --- recreate.go -----------------------------------------------------------------------

  async rolloutRecreate(): Promise<void> {
    // No new ReplicaSet yet: it must not start before the old pods are gone.
    let { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(false);
    let all: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of activeReplicaSets(oldRSs)) if ((await this.scaleAndRecordEvent(rs, 0)).scaled) scaledDown = true;
    if (scaledDown) return this.syncRolloutStatus(all, newRS);
    if (this.oldPodsRunning(newRS, oldRSs)) return this.syncRolloutStatus(all, newRS);
    if (!newRS) {
      ({ newRS, oldRSs } = await this.replicaSetsAndSyncRevision(true));
      all = [...oldRSs, newRS];
    }
    await this.scaleAndRecordEvent(newRS!, replicasOf(this.d));
    if (deploymentComplete(this.d, statusOf(this.d))) await this.cleanupDeployment(oldRSs);
    return this.syncRolloutStatus(all, newRS);
  }

  /** oldPodsRunning: old ReplicaSets still report pods, or a pod of theirs has not finished (terminating counts). */
  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
    if (actualReplicaCount(oldRSs) > 0) return true;
    for (const [uid, pods] of this.pods) {
      if (uid === newRS?.metadata.uid) continue;
      if (pods.some((p) => p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded")) return true;
    }
    return false;
  }
}
