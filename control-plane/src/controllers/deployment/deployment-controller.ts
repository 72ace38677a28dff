// The Deployment controller: turns a Deployment into ReplicaSets (a new one
// per pod template, named <deployment>-<pod-template-hash>) and moves pods
// from the old ones to the new one by the deployment's strategy. Handlers
// enqueue the deployment concerned; sync(key) claims its ReplicaSets and
// runs one Rollout step, which writes ReplicaSet sizes and the status.
import { isConflict, isNotFound } from "../../../../client/errors.ts";
import type { Informer } from "../../../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { claimObjects } from "../replicaset/controller-ref.ts";
import { byNamespace, ObjectIndex } from "../replicaset/object-index.ts";
import { Requeue } from "../replicaset/requeue.ts";
import { isEmptySelector, selectorMatcher, selects } from "../replicaset/selector.ts";
import { asDeployment, asObject, asPod, asReplicaSet, controllerOf, keyOf, type Deployment, type Pod, type ReplicaSet } from "../replicaset/types.ts";
import type { Controller, ControllerContext } from "../runtime/controller.ts";
import { eventRecorder, type EventRecorder } from "../runtime/events.ts";
import { statusOf } from "./conditions.ts";
import { Rollout, type DeploymentActions } from "./rollout.ts";

const deployments = resourceOf("apps/v1", "deployments");
const replicasets = resourceOf("apps/v1", "replicasets");
const pods = resourceOf("v1", "pods");

export const SELECTING_ALL = "SelectingAll";

/** Ledge's resourceVersions are its store's revisions: numbers that grow. */
const revision = (o: { metadata: { resourceVersion?: string } }): number => Number(o.metadata.resourceVersion ?? "0") || 0;

/** The cached object, or our own write of it when that is newer (forgotten once the cache has caught up). */
function newer<T extends { metadata: { uid?: string; resourceVersion?: string } }>(written: Map<string, T>, cached: T): T {
  const uid = cached.metadata.uid ?? "";
  const mine = written.get(uid);
  if (!mine) return cached;
  if (revision(mine) > revision(cached)) return mine;
  written.delete(uid);
  return cached;
}

export interface DeploymentControllerOptions {
  now?: () => number;
}

export class DeploymentController implements Controller {
  readonly name = "deployment";
  readonly workers = 5;
  queue?: Controller["queue"];
  private client!: KubeClient;
  private recorder!: EventRecorder;
  private deployments!: Informer;
  private replicaSets!: Informer;
  private deploymentsByNamespace!: ObjectIndex;
  private replicaSetsByNamespace!: ObjectIndex;
  private podsByNamespace!: ObjectIndex;
  private readonly now: () => number;
  private readonly requeue: Requeue;
  /**
   * ReplicaSets as this controller last wrote them, until the cache catches
   * up: a sync that runs before its own earlier write is in the cache must
   * not act on the version before it.
   */
  private readonly written = new Map<string, ReplicaSet>();
  /** The same for deployments (their status and revision annotation). */
  private readonly writtenDeployments = new Map<string, Deployment>();
  /** Consecutive conflicts per key, for the retry delay. */
  private readonly conflicts = new Map<string, number>();

  constructor(options: DeploymentControllerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.requeue = new Requeue(() => this.queue, this.now);
  }

  setup(context: ControllerContext): void {
    this.client = context.client;
    this.recorder = eventRecorder(context.client, "deployment-controller", context.log);
    this.deployments = context.informers.informer(deployments);
    this.replicaSets = context.informers.informer(replicasets);
    const podInformer = context.informers.informer(pods);
    this.deploymentsByNamespace = new ObjectIndex(this.deployments, byNamespace);
    this.replicaSetsByNamespace = new ObjectIndex(this.replicaSets, byNamespace);
    this.podsByNamespace = new ObjectIndex(podInformer, byNamespace);
    this.deployments.on({
      add: (d) => this.enqueue(d),
      update: (_, d) => this.enqueue(d),
      delete: (d) => {
        this.writtenDeployments.delete(d.metadata.uid ?? "");
        this.enqueue(d);
      },
    });
    this.replicaSets.on({
      add: (rs) => this.replicaSetAdded(rs),
      update: (old, rs) => this.replicaSetUpdated(old, rs),
      delete: (rs) => {
        this.written.delete(rs.metadata.uid ?? "");
        this.enqueueOwner(rs);
      },
    });
    // A pod gone frees room for the new ReplicaSet (surge, Recreate).
    podInformer.on({ delete: (pod) => this.podDeleted(asPod(pod)) });
  }

  private enqueue(d: KubeObject): void {
    this.queue?.add(keyOf(d.metadata));
  }

  /** The deployment a ReplicaSet's controller reference points to, if it is the one in the cache. */
  private owner(rs: KubeObject): KubeObject | undefined {
    const ref = controllerOf(asReplicaSet(rs).metadata);
    if (!ref || ref.kind !== "Deployment" || !ref.apiVersion.startsWith("apps/")) return undefined;
    const d = this.deployments.get(`${rs.metadata.namespace ?? ""}/${ref.name}`);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  private enqueueOwner(rs: KubeObject): void {
    const d = this.owner(rs);
    if (d) this.enqueue(d);
  }

  /** An orphan may be adopted by any deployment that selects it. */
  private enqueueSelecting(rs: KubeObject): void {
    for (const d of this.deploymentsByNamespace.list(rs.metadata.namespace ?? "")) {
      if (selects(asDeployment(d).spec?.selector, rs.metadata.labels)) this.enqueue(d);
    }
  }

  private replicaSetAdded(rs: KubeObject): void {
    if (!rs.metadata.deletionTimestamp && !controllerOf(asReplicaSet(rs).metadata)) this.enqueueSelecting(rs);
    else this.enqueueOwner(rs);
  }

  private replicaSetUpdated(old: KubeObject, rs: KubeObject): void {
    if (old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
    const ref = controllerOf(asReplicaSet(rs).metadata);
    const oldRef = controllerOf(asReplicaSet(old).metadata);
    const refChanged = ref?.uid !== oldRef?.uid;
    if (refChanged && oldRef) this.enqueueOwner(old);
    if (ref) {
      this.enqueueOwner(rs);
      return;
    }
    if (refChanged || !Bun.deepEquals(old.metadata.labels ?? {}, rs.metadata.labels ?? {})) this.enqueueSelecting(rs);
  }

  private podDeleted(pod: Pod): void {
    const ref = controllerOf(pod.metadata);
    if (!ref || ref.kind !== "ReplicaSet") return;
    const rs = this.replicaSets.get(`${pod.metadata.namespace ?? ""}/${ref.name}`);
    if (rs && rs.metadata.uid === ref.uid) this.enqueueOwner(rs);
  }

  /** The cached ReplicaSet, or this controller's own newer write of it. */
  private freshest(cached: KubeObject): ReplicaSet {
    return newer(this.written, asReplicaSet(cached));
  }

  async sync(key: string): Promise<void> {
    try {
      await this.syncDeployment(key);
      this.conflicts.delete(key);
    } catch (error) {
      if (!isConflict(error)) throw error;
      // Someone wrote first (often a cache a step behind our own write): look again soon, quietly.
      const count = (this.conflicts.get(key) ?? 0) + 1;
      this.conflicts.set(key, count);
      this.requeue.after(key, Math.min(5 * 2 ** count, 2000));
    }
  }

  private async syncDeployment(key: string): Promise<void> {
    const cached = this.deployments.get(key);
    if (!cached) return;
    const d = newer(this.writtenDeployments, asDeployment(cached));

    if (isEmptySelector(d.spec?.selector)) {
      this.recorder.event(this.withKind(d), "Warning", SELECTING_ALL, "This deployment is selecting all pods. A non-empty selector is required.");
      if ((statusOf(d).observedGeneration ?? 0) < (d.metadata.generation ?? 1)) {
        await this.actions(key).updateStatus({ ...d, status: { ...d.status, observedGeneration: d.metadata.generation ?? 1 } as Deployment["status"] });
      }
      return;
    }
    let matches: (labels: Record<string, string> | undefined) => boolean;
    try {
      matches = selectorMatcher(d.spec?.selector);
    } catch {
      // Validation keeps invalid selectors out; one that slips in selects nothing.
      return;
    }

    const namespace = d.metadata.namespace ?? "";
    const candidates = this.replicaSetsByNamespace.list(namespace).map((rs) => this.freshest(rs));
    const owned = await claimObjects(candidates, {
      client: this.client,
      resource: replicasets,
      owner: { apiVersion: "apps/v1", kind: "Deployment", metadata: d.metadata },
      ownerResource: deployments,
      match: (rs) => matches(rs.metadata.labels),
    });
    const rollout = new Rollout(d, owned, this.podMap(owned, matches), this.actions(key));

    if (d.metadata.deletionTimestamp) return rollout.syncStatusOnly();
    await rollout.checkPausedConditions();
    if (rollout.deployment.spec?.paused) return rollout.sync();
    if (await rollout.isScalingEvent()) return rollout.sync();
    if (d.spec?.strategy?.type === "Recreate") return rollout.rolloutRecreate();
    return rollout.rolloutRolling();
  }

  /** getPodMapForDeployment: the pods the selector matches, by the ReplicaSet controlling them. */
  private podMap(owned: readonly ReplicaSet[], matches: (labels: Record<string, string> | undefined) => boolean): Map<string, Pod[]> {
    const map = new Map<string, Pod[]>(owned.map((rs) => [rs.metadata.uid ?? "", []]));
    if (owned.length === 0) return map;
    for (const object of this.podsByNamespace.list(owned[0]!.metadata.namespace ?? "")) {
      const pod = asPod(object);
      if (!matches(pod.metadata.labels)) continue;
      map.get(controllerOf(pod.metadata)?.uid ?? "")?.push(pod);
    }
    return map;
  }

  private withKind(d: Deployment): KubeObject {
    return { ...asObject(d), apiVersion: "apps/v1", kind: "Deployment" };
  }

  private actions(key: string): DeploymentActions {
    return {
      createReplicaSet: async (rs) => this.remember(asReplicaSet(await this.client.create(replicasets, asObject(rs)))),
      updateReplicaSet: async (rs) => this.remember(asReplicaSet(await this.client.update(replicasets, asObject(rs)))),
      deleteReplicaSet: async (rs) => {
        await this.client
          .delete(replicasets, rs.metadata.namespace, rs.metadata.name ?? "", { preconditions: { uid: rs.metadata.uid } })
          .catch((error: unknown) => {
            if (!isNotFound(error) && !isConflict(error)) throw error;
          });
      },
      cachedReplicaSet: (namespace, name) => {
        const rs = this.replicaSets.get(`${namespace}/${name}`);
        return rs ? this.freshest(rs) : undefined;
      },
      updateStatus: async (d) => {
        const updated = asDeployment(await this.client.update(deployments, asObject(d), { subresource: "status" }));
        this.writtenDeployments.set(updated.metadata.uid ?? "", updated);
        return updated;
      },
      event: (d, type, reason, message) => this.recorder.event(this.withKind(d), type, reason, message),
      recheckAfter: (ms) => this.requeue.after(key, ms),
      now: this.now,
    };
  }

  private remember(rs: ReplicaSet): ReplicaSet {
    this.written.set(rs.metadata.uid ?? "", rs);
    return rs;
  }
}
