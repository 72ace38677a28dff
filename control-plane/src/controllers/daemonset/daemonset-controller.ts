// The DaemonSet controller: one pod per eligible node — the natural workload
// of an edge fleet — created pinned to its node by node affinity
// (matchFields metadata.name, as Kubernetes ≥ 1.12 does) so the scheduler
// binds it and accounts its resources like any other pod. Template changes
// roll out with RollingUpdate (maxUnavailable / maxSurge) or wait for the
// user to delete pods (OnDelete).
//
// Revisions: Kubernetes records each template in a ControllerRevision;
// Ledge does not serve ControllerRevisions, so the template's hash lives
// only in each pod's controller-revision-hash label (computed from the
// current template on every sync). `kubectl rollout status ds` works;
// `rollout history` and `rollout undo` for DaemonSets do not.
import { isConflict, isNotFound } from "../../../../client/errors.ts";
import type { Informer } from "../../../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { computeHash } from "../deployment/template-hash.ts";
import { claimObjects } from "../replicaset/controller-ref.ts";
import { Expectations } from "../replicaset/expectations.ts";
import { byNamespace, ObjectIndex } from "../replicaset/object-index.ts";
import { isNamespaceTerminating } from "../replicaset/pod-control.ts";
import { podAvailableFrom } from "../replicaset/pod-status.ts";
import { Requeue } from "../replicaset/requeue.ts";
import { isEmptySelector, selectorMatcher, selects } from "../replicaset/selector.ts";
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from "../replicaset/slow-start.ts";
import { asPod, controllerOf, keyOf, type Pod, splitKey } from "../replicaset/types.ts";
import type { Controller, ControllerContext } from "../runtime/controller.ts";
import { type EventRecorder, eventRecorder } from "../runtime/events.ts";
import { type DaemonSet, newDaemonPod, type NodeObject, targetNodeName } from "./daemon-pods.ts";
import { computeStatus, type DaemonSetStatus, planManage, planRollingUpdate, type SyncPlan } from "./plan.ts";

const daemonsets = resourceOf("apps/v1", "daemonsets");
const pods = resourceOf("v1", "pods");
const nodesResource = resourceOf("v1", "nodes");

export const SUCCESSFUL_CREATE = "SuccessfulCreate";
export const FAILED_CREATE = "FailedCreate";
export const SUCCESSFUL_DELETE = "SuccessfulDelete";
export const FAILED_DELETE = "FailedDelete";
export const FAILED_DAEMON_POD = "FailedDaemonPod";
export const SELECTING_ALL = "SelectingAll";

/** Kubernetes' BurstReplicas for DaemonSets: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 250;
/** Back-off before replacing a failed daemon pod on the same node again: 1 s doubling to 15 min. */
const FAILED_POD_BACKOFF_MS = { initial: 1_000, max: 15 * 60_000 };

export interface DaemonSetControllerOptions {
  now?: () => number;
}

const asDaemonSet = (o: KubeObject) => o as unknown as DaemonSet;
const asObject = (ds: DaemonSet) => ({ ...(ds as unknown as KubeObject), apiVersion: "apps/v1", kind: "DaemonSet" });

export class DaemonSetController implements Controller {
  readonly name = "daemonset";
  readonly workers = 2;
  queue?: Controller["queue"];
  private client!: KubeClient;
  private recorder!: EventRecorder;
  private daemonSets!: Informer;
  private nodes!: Informer;
  private daemonSetsByNamespace!: ObjectIndex;
  private podsByNamespace!: ObjectIndex;
  private readonly now: () => number;
  /** Creations and deletions in flight, in two books: one sync may do both. */
  readonly creations: Expectations;
  readonly deletions: Expectations;
  private readonly requeue: Requeue;
  private readonly failedPodBackoff = new Map<string, { delayMs: number; until: number }>();

  constructor(options: DaemonSetControllerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.creations = new Expectations(this.now);
    this.deletions = new Expectations(this.now);
    this.requeue = new Requeue(() => this.queue, this.now);
  }

  setup(context: ControllerContext): void {
    this.client = context.client;
    this.recorder = eventRecorder(context.client, "daemonset-controller", context.log);
    this.daemonSets = context.informers.informer(daemonsets);
    this.nodes = context.informers.informer(nodesResource);
    const podInformer = context.informers.informer(pods);
    this.daemonSetsByNamespace = new ObjectIndex(this.daemonSets, byNamespace);
    this.podsByNamespace = new ObjectIndex(podInformer, byNamespace);
    this.daemonSets.on({
      add: (ds) => this.enqueue(ds),
      update: (old, ds) => old.metadata.resourceVersion !== ds.metadata.resourceVersion && this.enqueue(ds),
      delete: (ds) => {
        this.forget(keyOf(ds.metadata));
        this.enqueue(ds);
      },
    });
    podInformer.on({
      add: (pod) => this.podAdded(asPod(pod)),
      update: (old, pod) => this.podUpdated(asPod(old), asPod(pod)),
      delete: (pod) => this.podDeleted(asPod(pod)),
    });
    this.nodes.on({
      add: () => this.enqueueAll(),
      update: (old, node) => nodeChangedForDaemons(old, node) && this.enqueueAll(),
      delete: () => this.enqueueAll(),
    });
  }

  private forget(key: string): void {
    this.creations.forget(key);
    this.deletions.forget(key);
    for (const backoff of this.failedPodBackoff.keys()) if (backoff.startsWith(`${key}/`)) this.failedPodBackoff.delete(backoff);
  }

  private enqueue(ds: KubeObject): void {
    this.queue?.add(keyOf(ds.metadata));
  }

  private enqueueAll(): void {
    for (const ds of this.daemonSets.list()) this.enqueue(ds);
  }

  private owner(pod: Pod): DaemonSet | undefined {
    const ref = controllerOf(pod.metadata);
    if (!ref || ref.kind !== "DaemonSet") return undefined;
    const ds = this.daemonSets.get(`${pod.metadata.namespace ?? ""}/${ref.name}`);
    return ds && ds.metadata.uid === ref.uid ? asDaemonSet(ds) : undefined;
  }

  private enqueueSelecting(pod: Pod): void {
    for (const ds of this.daemonSetsByNamespace.list(pod.metadata.namespace ?? "")) {
      if (selects(asDaemonSet(ds).spec?.selector, pod.metadata.labels)) this.enqueue(ds);
    }
  }

  private podAdded(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    const ds = this.owner(pod);
    if (ds) {
      this.creations.creationObserved(keyOf(ds.metadata));
      this.queue?.add(keyOf(ds.metadata));
    } else if (!controllerOf(pod.metadata)) {
      this.enqueueSelecting(pod);
    }
  }

  private podUpdated(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    if (pod.metadata.deletionTimestamp) this.podDeleted(pod);
    const ds = this.owner(pod);
    const previous = this.owner(old);
    if (previous && previous !== ds) this.queue?.add(keyOf(previous.metadata));
    if (ds) this.queue?.add(keyOf(ds.metadata));
    else if (!controllerOf(pod.metadata) && !Bun.deepEquals(old.metadata.labels ?? {}, pod.metadata.labels ?? {})) this.enqueueSelecting(pod);
  }

  private podDeleted(pod: Pod): void {
    const ds = this.owner(pod);
    if (!ds) return;
    const key = keyOf(ds.metadata);
    this.deletions.deletionObserved(key, keyOf(pod.metadata));
    this.queue?.add(key);
  }

  async sync(key: string): Promise<void> {
    const cached = this.daemonSets.get(key);
    if (!cached) {
      this.forget(key);
      return;
    }
    const ds = asDaemonSet(cached);
    if (!ds.spec?.selector || isEmptySelector(ds.spec.selector)) {
      this.recorder.event(asObject(ds), "Warning", SELECTING_ALL, "This daemon set is selecting all pods. A non-empty selector is required.");
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    const matcher = selectorMatcher(ds.spec.selector);
    const namespace = splitKey(key)[0];
    const owned = await claimObjects(this.podsByNamespace.list(namespace).map(asPod), {
      client: this.client,
      resource: pods,
      owner: { apiVersion: "apps/v1", kind: "DaemonSet", metadata: ds.metadata },
      ownerResource: daemonsets,
      match: (pod) => matcher(pod.metadata.labels),
    });
    const podsByNode = new Map<string, Pod[]>();
    for (const pod of owned) {
      const phase = pod.status?.phase;
      // A finished pod on its way out no longer counts for its node.
      if (pod.metadata.deletionTimestamp && (phase === "Succeeded" || phase === "Failed")) continue;
      const node = targetNodeName(pod);
      if (node === undefined) continue;
      const list = podsByNode.get(node) ?? [];
      list.push(pod);
      podsByNode.set(node, list);
    }
    const nodes = this.nodes.list() as unknown as NodeObject[];
    const hash = computeHash(ds.spec.template, ds.status?.collisionCount);
    const now = this.now();

    let error: unknown;
    let observed: number | undefined;
    if (this.creations.satisfied(key) && this.deletions.satisfied(key)) {
      observed = ds.metadata.generation ?? 1;
      let plan = planManage(ds, nodes, podsByNode, hash, (node) => this.inBackoff(key, node, now));
      if (plan.create.length === 0 && plan.delete.length === 0 && (ds.spec.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") {
        plan = planRollingUpdate(ds, nodes, podsByNode, hash, now);
      }
      error = await this.syncNodes(key, ds, plan, hash, now);
    }
    await this.writeStatus(ds, computeStatus(ds, nodes, podsByNode, hash, now, observed));
    this.requeueForAvailability(key, ds, owned, now);
    for (const book of [this.creations, this.deletions]) {
      const expiry = book.expiresAt(key);
      if (expiry !== undefined) this.requeue.at(key, expiry + 10);
    }
    if (error) throw error;
  }

  private inBackoff(key: string, node: string, now: number): boolean {
    const backoff = this.failedPodBackoff.get(`${key}/${node}`);
    if (backoff && now < backoff.until) {
      this.requeue.at(key, backoff.until + 10);
      return true;
    }
    return false;
  }

  private noteFailedPod(key: string, node: string, now: number): void {
    const previous = this.failedPodBackoff.get(`${key}/${node}`);
    const delayMs = previous ? Math.min(previous.delayMs * 2, FAILED_POD_BACKOFF_MS.max) : FAILED_POD_BACKOFF_MS.initial;
    this.failedPodBackoff.set(`${key}/${node}`, { delayMs, until: now + delayMs });
  }

  /** syncNodes: creates (in slow-start batches) and deletes, counting each in the expectations. */
  private async syncNodes(key: string, ds: DaemonSet, plan: SyncPlan, hash: string, now: number): Promise<unknown> {
    const create = plan.create.slice(0, BURST_REPLICAS);
    const remove = plan.delete.slice(0, BURST_REPLICAS);
    this.creations.expectCreations(key, create.length);
    this.deletions.expectDeletions(key, remove.map(({ pod }) => keyOf(pod.metadata)));
    let next = 0;
    const { successes, error } = await slowStartBatch(create.length, SLOW_START_INITIAL_BATCH_SIZE, async () => {
      const node = create[next++]!;
      try {
        const created = await this.client.create(pods, newDaemonPod(ds, node, hash) as unknown as KubeObject);
        this.recorder.event(asObject(ds), "Normal", SUCCESSFUL_CREATE, `Created pod: ${created.metadata.name}`);
      } catch (e) {
        if (isNamespaceTerminating(e)) return;
        this.recorder.event(asObject(ds), "Warning", FAILED_CREATE, `Error creating: ${(e as Error).message}`);
        throw e;
      }
    });
    // Creations that failed or never ran will never be observed.
    for (let i = successes; i < create.length; i++) this.creations.creationObserved(key);
    const results = await Promise.allSettled(
      remove.map(async ({ pod, failed }) => {
        const name = pod.metadata.name ?? "";
        const node = targetNodeName(pod) ?? "";
        if (failed) {
          this.recorder.event(asObject(ds), "Warning", FAILED_DAEMON_POD, `Found failed daemon pod ${pod.metadata.namespace}/${name} on node ${node}, will try to kill it`);
          this.noteFailedPod(key, node, now);
        }
        try {
          await this.client.delete(pods, pod.metadata.namespace, name, { preconditions: { uid: pod.metadata.uid } });
          this.recorder.event(asObject(ds), "Normal", SUCCESSFUL_DELETE, `Deleted pod: ${name}`);
        } catch (e) {
          this.deletions.deletionObserved(key, keyOf(pod.metadata));
          if (isNotFound(e)) return;
          this.recorder.event(asObject(ds), "Warning", FAILED_DELETE, `Error deleting: ${(e as Error).message}`);
          throw e;
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    return error ?? failed?.reason;
  }

  /** With minReadySeconds, a ready pod becomes available later: sync again then. */
  private requeueForAvailability(key: string, ds: DaemonSet, owned: Pod[], now: number): void {
    const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
    if (minReadySeconds <= 0) return;
    let next: number | undefined;
    for (const pod of owned) {
      const from = podAvailableFrom(pod, minReadySeconds);
      if (from !== undefined && from !== Infinity && from >= now && (next === undefined || from < next)) next = from;
    }
    if (next !== undefined) this.requeue.at(key, next + 10);
  }

  private async writeStatus(ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
    if (Bun.deepEquals(normalizeStatus(ds.status), normalizeStatus(status))) return;
    let target = ds;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.update(daemonsets, { ...(target as unknown as KubeObject), status }, { subresource: "status" });
        return;
      } catch (error) {
        if (isNotFound(error)) return;
        if (!isConflict(error) || attempt >= 1) throw error;
        target = asDaemonSet(await this.client.get(daemonsets, ds.metadata.namespace, ds.metadata.name ?? ""));
      }
    }
  }
}

const normalizeStatus = (status: unknown) => JSON.parse(JSON.stringify(status ?? {}));

/** shouldIgnoreNodeUpdate, inverted: labels, taints or schedulability decide where daemons run. */
function nodeChangedForDaemons(old: KubeObject, node: KubeObject): boolean {
  const view = (n: KubeObject) => {
    const spec = (n.spec ?? {}) as { taints?: unknown; unschedulable?: unknown };
    return [n.metadata.labels ?? {}, spec.taints ?? [], spec.unschedulable ?? false];
  };
  return !Bun.deepEquals(view(old), view(node));
}
