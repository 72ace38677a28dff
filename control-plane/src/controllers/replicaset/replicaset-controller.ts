// The ReplicaSet controller: keeps spec.replicas active pods that match the
// selector and are controlled by the ReplicaSet, and reports what it sees in
// status. Event handlers only enqueue keys and count what expectations wait
// for; sync(key) reads the caches, claims pods, creates or deletes the
// difference (creations in slow-start batches), then writes status.
import { isConflict, isNotFound } from "../../../../client/errors.ts";
import type { Informer } from "../../../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import type { Controller, ControllerContext } from "../runtime/controller.ts";
import { eventRecorder } from "../runtime/events.ts";
import { claimObjects, controllerRefTo } from "./controller-ref.ts";
import { Expectations } from "./expectations.ts";
import { byControllerUid, byNamespace, ObjectIndex } from "./object-index.ts";
import { apiPodControl, isNamespaceTerminating, type PodControl } from "./pod-control.ts";
import { podsToDelete } from "./pod-ranking.ts";
import { isPodActive } from "./pod-status.ts";
import { calculateStatus, nextAvailabilityChange, replicasOf, statusUnchanged, type ManageFailure, type ReplicaSetStatus } from "./replicaset-status.ts";
import { Requeue } from "./requeue.ts";
import { selectorMatcher, selects } from "./selector.ts";
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from "./slow-start.ts";
import { asObject, asPod, asReplicaSet, controllerOf, keyOf, type Pod, type ReplicaSet, splitKey } from "./types.ts";

const replicasets = resourceOf("apps/v1", "replicasets");
const pods = resourceOf("v1", "pods");

/** Kubernetes' BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetControllerOptions {
  /** Replaces the API-backed pod writes (tests). */
  podControl?: PodControl;
  now?: () => number;
}

export class ReplicaSetController implements Controller {
  readonly name = "replicaset";
  readonly workers = 5;
  queue?: Controller["queue"];
  private client!: KubeClient;
  private log: (message: string) => void = () => {};
  private replicaSets!: Informer;
  private podControl!: PodControl;
  private podsByNamespace!: ObjectIndex;
  private podsByController!: ObjectIndex;
  private replicaSetsByNamespace!: ObjectIndex;
  private readonly now: () => number;
  readonly expectations: Expectations;
  private readonly requeue: Requeue;

  constructor(private readonly options: ReplicaSetControllerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.expectations = new Expectations(this.now);
    this.requeue = new Requeue(() => this.queue, this.now);
  }

  setup(context: ControllerContext): void {
    this.client = context.client;
    this.log = context.log;
    this.podControl = this.options.podControl ?? apiPodControl(context.client, eventRecorder(context.client, "replicaset-controller", context.log));
    this.replicaSets = context.informers.informer(replicasets);
    const podInformer = context.informers.informer(pods);
    this.replicaSetsByNamespace = new ObjectIndex(this.replicaSets, byNamespace);
    this.podsByNamespace = new ObjectIndex(podInformer, byNamespace);
    this.podsByController = new ObjectIndex(podInformer, byControllerUid);
    this.replicaSets.on({
      add: (rs) => this.enqueue(rs),
      update: (old, rs) => old.metadata.resourceVersion !== rs.metadata.resourceVersion && this.enqueue(rs),
      delete: (rs) => {
        this.expectations.forget(keyOf(rs.metadata));
        this.enqueue(rs);
      },
    });
    podInformer.on({
      add: (pod) => this.podAdded(asPod(pod)),
      update: (old, pod) => this.podUpdated(asPod(old), asPod(pod)),
      delete: (pod) => this.podDeleted(asPod(pod)),
    });
  }

  private enqueue(rs: KubeObject): void {
    this.queue?.add(keyOf(rs.metadata));
  }

  /** The ReplicaSet a controller reference points to, if it is the one in the cache. */
  private resolve(namespace: string | undefined, ref: ReturnType<typeof controllerOf>): ReplicaSet | undefined {
    if (!ref || ref.kind !== "ReplicaSet" || !ref.apiVersion.startsWith("apps/")) return undefined;
    const rs = this.replicaSets.get(`${namespace ?? ""}/${ref.name}`);
    return rs && rs.metadata.uid === ref.uid ? asReplicaSet(rs) : undefined;
  }

  /** An orphan may be adopted by any ReplicaSet that selects it. */
  private enqueueSelecting(pod: Pod): void {
    for (const rs of this.replicaSetsByNamespace.list(pod.metadata.namespace ?? "")) {
      if (selects(asReplicaSet(rs).spec?.selector, pod.metadata.labels)) this.enqueue(rs);
    }
  }

  private podAdded(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      // A pod created already marked for deletion (a restart of the informer) must not count as a creation.
      this.podDeleted(pod);
      return;
    }
    const ref = controllerOf(pod.metadata);
    if (ref) {
      const rs = this.resolve(pod.metadata.namespace, ref);
      if (!rs) return;
      this.expectations.creationObserved(keyOf(rs.metadata));
      this.enqueue(asObject(rs));
      return;
    }
    this.enqueueSelecting(pod);
  }

  private podUpdated(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    const labelsChanged = !Bun.deepEquals(old.metadata.labels ?? {}, pod.metadata.labels ?? {});
    if (pod.metadata.deletionTimestamp) {
      // Seen as marked: its deletion is observed now, not when it finally goes.
      this.podDeleted(pod);
      if (labelsChanged) this.podDeleted(old);
      return;
    }
    const ref = controllerOf(pod.metadata);
    const oldRef = controllerOf(old.metadata);
    const refChanged = ref?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const previous = this.resolve(old.metadata.namespace, oldRef);
      if (previous) this.enqueue(asObject(previous));
    }
    if (ref) {
      const rs = this.resolve(pod.metadata.namespace, ref);
      if (rs) this.enqueue(asObject(rs));
      return;
    }
    if (labelsChanged || refChanged) this.enqueueSelecting(pod);
  }

  private podDeleted(pod: Pod): void {
    const rs = this.resolve(pod.metadata.namespace, controllerOf(pod.metadata));
    if (!rs) return;
    const key = keyOf(rs.metadata);
    this.expectations.deletionObserved(key, keyOf(pod.metadata));
    this.queue?.add(key);
  }

  async sync(key: string): Promise<void> {
    const cached = this.replicaSets.get(key);
    if (!cached) {
      this.expectations.forget(key);
      return;
    }
    const rs = asReplicaSet(cached);
    const needsSync = this.expectations.satisfied(key);
    let matches: (pod: Pod) => boolean;
    try {
      const matcher = selectorMatcher(rs.spec?.selector);
      matches = (pod) => matcher(pod.metadata.labels);
    } catch (error) {
      // Validation keeps invalid selectors out; one that slips in is not retried.
      this.log(`replicaset: ${key} has an invalid selector: ${(error as Error).message}`);
      return;
    }
    // Every pod of the namespace, not just the matching ones: a pod we own that stopped matching is released.
    const active = this.podsByNamespace.list(splitKey(key)[0]).map(asPod).filter(isPodActive);
    const owned = await claimObjects(active, {
      client: this.client,
      resource: pods,
      owner: { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: rs.metadata },
      ownerResource: replicasets,
      match: matches,
    });

    let failure: (ManageFailure & { error: unknown }) | undefined;
    if (needsSync && !rs.metadata.deletionTimestamp) failure = await this.manageReplicas(key, rs, owned);
    const now = this.now();
    const updated = await this.writeStatus(rs, calculateStatus(rs, owned, failure, now));

    const availableAt = nextAvailabilityChange(updated, owned, now);
    if (availableAt !== undefined) this.requeue.at(key, availableAt + 10);
    const expiry = this.expectations.expiresAt(key);
    if (expiry !== undefined) this.requeue.at(key, expiry + 10);
    if (failure) throw failure.error;
  }

  /** Creates or deletes the difference; a failure is returned for the status, and rethrown by sync. */
  private async manageReplicas(key: string, rs: ReplicaSet, active: Pod[]): Promise<(ManageFailure & { error: unknown }) | undefined> {
    const diff = active.length - replicasOf(rs);
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, count);
      const ref = controllerRefTo({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: rs.metadata });
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, async () => {
        try {
          await this.podControl.createPod(rs, ref);
        } catch (e) {
          // Every creation would fail the same way; the namespace's deletion removes the ReplicaSet too.
          if (!isNamespaceTerminating(e)) throw e;
        }
      });
      // Creations never attempted (or failed) will never be observed.
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
      return error === undefined ? undefined : { message: (error as Error).message ?? String(error), error };
    }
    if (diff > 0) {
      const count = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(active, this.relatedPods(rs), count, this.now());
      this.expectations.expectDeletions(key, victims.map((p) => keyOf(p.metadata)));
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          try {
            await this.podControl.deletePod(rs, pod);
          } catch (e) {
            // Its deletion will never be observed.
            this.expectations.deletionObserved(key, keyOf(pod.metadata));
            if (!isNotFound(e)) throw e;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) return { message: (failed.reason as Error).message ?? String(failed.reason), error: failed.reason };
    }
    return undefined;
  }

  /**
   * getIndirectlyRelatedPods: the active pods of every ReplicaSet under the
   * same controller as `rs` (none for a ReplicaSet of its own, as in Kubernetes).
   */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const owner = controllerOf(rs.metadata);
    if (!owner) return [];
    const siblings = this.replicaSetsByNamespace.list(rs.metadata.namespace ?? "").filter((o) => controllerOf(asReplicaSet(o).metadata)?.uid === owner.uid);
    return siblings.flatMap((o) => this.podsByController.list(o.metadata.uid ?? "")).map(asPod).filter(isPodActive);
  }

  /** updateReplicaSetStatus: skips a write that changes nothing; on a conflict, writes onto the latest version once. */
  private async writeStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet> {
    if (statusUnchanged(rs, status)) return rs;
    status.observedGeneration = rs.metadata.generation ?? 1;
    let target = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        const next = { ...target, status };
        return asReplicaSet(await this.client.update(replicasets, asObject(next), { subresource: "status" }));
      } catch (error) {
        if (isNotFound(error)) return rs;
        if (!isConflict(error) || attempt >= 1) throw error;
        target = asReplicaSet(await this.client.get(replicasets, rs.metadata.namespace, rs.metadata.name ?? ""));
      }
    }
  }
}
