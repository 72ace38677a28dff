// The pods bound to this node: watches them (fieldSelector spec.nodeName),
// keeps one worker per pod UID, resumes the pods in the agent's database at
// start (whether or not the API answers), and reconciles with the API when
// the link comes back: a pod the API still has is adopted by the worker that
// already runs it (nothing recreated), a pod the API no longer has is
// stopped, and a pod whose worker is done is deleted from the API for good.
import type { EventRecorder } from "../../../client/event-recorder.ts";
import { isConflict, isNotFound } from "../../../client/errors.ts";
import { Informer, objectKeyOf } from "../../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../client/kube-client.ts";
import type { Pod } from "../../../schemas/index.ts";
import { type ApiLink, isUnreachable } from "../api-link.ts";
import { rfc3339 } from "../clock.ts";
import { every } from "../periodic.ts";
import type { ImageService } from "../images/image-service.ts";
import type { RuntimeSelector } from "../runtime/runtime-selector.ts";
import type { LocalStore } from "../state/local-store.ts";
import type { ObjectSource } from "../state/object-source.ts";
import type { PodServices } from "./pod-context.ts";
import { newPodRecord, podKey, type PodRecord, readPodRecord } from "./pod-record.ts";
import { graceOf, PodWorker, type WorkerHost } from "./pod-worker.ts";
import { StatusReporter } from "./status-reporter.ts";

const podsResource = resourceOf("v1", "pods");
/** States of pods that no longer take a place on the node. */
const DONE: ReadonlySet<string> = new Set(["completed", "terminating", "terminated"]);
/** What a force-deleted pod's containers get to stop (the kubelet's minimumGracePeriodInSeconds). */
export const FORCED_GRACE_MS = 2_000;

export interface PodManagerOptions {
  client: KubeClient;
  link: ApiLink;
  nodeName: string;
  hostIP: string;
  store: LocalStore;
  services: Omit<PodServices, "admit">;
  images: ImageService;
  runtimes: RuntimeSelector;
  objects: Pick<ObjectSource, "configMap" | "secret">;
  recorder: EventRecorder;
  nodeAllocatable: { cpu: number; memory: number };
  /** Pods this node takes at most (the kubelet's maxPods). */
  maxPods: number;
  /** How often ConfigMap, Secret and downward API volumes are brought up to date (60 s). */
  volumeRefreshMs?: number;
  /** The informer's first retry delay after a failed list or watch. */
  watchBackoffMs?: number;
  baseEnv?: (pod: Pod) => Record<string, string>;
}

export class PodManager {
  readonly #workers = new Map<string, PodWorker>();
  /** Pods admitted (past the kubelet's admission), by UID. */
  readonly #admitted = new Set<string>();
  readonly #reporter: StatusReporter;
  #informer: Informer | undefined;
  #stopped = false;
  #refresh: Promise<void> | undefined;
  readonly #stopRefresh = new AbortController();
  readonly #host: WorkerHost;

  constructor(private readonly options: PodManagerOptions) {
    const manager = this;
    this.#host = {
      services: { ...options.services, admit: (pod) => manager.#admit(pod) },
      images: options.images,
      runtimes: options.runtimes,
      objects: options.objects,
      recorder: options.recorder,
      nodeAllocatable: options.nodeAllocatable,
      save: (record, pod) => manager.#save(record, pod),
      statusChanged: (uid) => manager.#reporter.mark(uid),
      finished: (worker) => void manager.#finish(worker),
      baseEnv: options.baseEnv,
    };
    this.#reporter = new StatusReporter(
      options.client,
      options.link,
      {
        current: (uid) => manager.#apiPod(uid),
        desired: (uid) => manager.#workers.get(uid)?.status(),
      },
      options.services.clock,
      options.services.log,
    );
    options.link.onReconnect(() => manager.#reconnected());
  }

  /**
   * Resumes the pods saved locally (re-attaching to containers that outlived
   * the previous agent, removing those no pod claims), then starts watching
   * the API without waiting for it to answer.
   */
  async start(): Promise<void> {
    const now = this.options.services.clock.now();
    const claimed = new Set<string>();
    for (const stored of this.options.store.pods()) {
      const record = readPodRecord(stored.record);
      if (!record) {
        this.options.services.log(`agent: dropping unreadable saved pod ${stored.namespace}/${stored.name} (${stored.uid})`);
        this.options.store.deletePod(stored.uid);
        continue;
      }
      const pod = stored.pod as Pod;
      const adopted = await PodWorker.resume(record, pod, now, (containerID) => this.options.runtimes.recover(containerID));
      for (const container of record.containers) if (container.state.name === "running") claimed.add(container.state.containerID);
      this.#launch(new PodWorker(pod, record, this.#host, adopted));
    }
    await this.options.runtimes.removeUnclaimed(claimed, this.options.services.log);
    this.#reporter.start();
    this.#watch();
    this.#refresh = this.#refreshVolumes();
  }

  async stop(graceMs = 5_000): Promise<void> {
    this.#stopped = true;
    this.#informer?.stop();
    this.#stopRefresh.abort();
    await this.#refresh;
    await this.#reporter.stop();
    await Promise.all([...this.#workers.values()].map((w) => w.shutdown(graceMs, (id) => this.options.runtimes.survivesAgent(id))));
  }

  /** The worker running pod namespace/name, if this node runs it. */
  find(namespace: string, name: string): PodWorker | undefined {
    for (const worker of this.#workers.values()) if (worker.record.namespace === namespace && worker.record.name === name) return worker;
    return undefined;
  }

  workers(): PodWorker[] {
    return [...this.#workers.values()];
  }

  /** Resolves when every status change so far has reached the API (or found it up to date). */
  statusSettled(): Promise<void> {
    return this.#reporter.settled();
  }

  /** Whether the first list of the current watch has arrived. */
  get synced(): boolean {
    return this.#informer?.hasSynced ?? false;
  }

  #watch(): void {
    const informer = new Informer(this.options.client, podsResource, {
      fieldSelector: `spec.nodeName=${this.options.nodeName}`,
      initialBackoffMs: this.options.watchBackoffMs,
      onError: (error) => {
        if (isUnreachable(error)) this.options.link.down(error);
        else this.options.services.log(`agent: watching pods: ${(error as Error).message}`);
      },
    });
    this.#informer = informer;
    informer.on({
      add: (pod) => this.#observed(pod as unknown as Pod),
      update: (_, pod) => this.#observed(pod as unknown as Pod),
      delete: (pod) => this.#gone(pod as unknown as Pod),
    });
    void informer.start().then(() => {
      if (this.#informer !== informer || this.#stopped) return;
      this.options.link.up();
      this.#reconcile(informer);
    });
  }

  /** After the link comes back, a fresh list and watch: a watch that died silently would keep the agent blind. */
  #reconnected(): void {
    if (this.#stopped) return;
    this.#informer?.stop();
    this.#watch();
    for (const worker of this.#workers.values()) if (worker.state.name === "terminated") void this.#finish(worker);
  }

  /** Pods the API no longer has were deleted while the agent could not see it: they stop now. */
  #reconcile(informer: Informer): void {
    const listed = new Set(informer.list().map((pod) => pod.metadata.uid));
    for (const worker of this.#workers.values()) {
      if (!listed.has(worker.uid)) this.#lost(worker);
      else this.#reporter.mark(worker.uid);
    }
  }

  #observed(pod: Pod): void {
    const uid = pod.metadata?.uid ?? "";
    const worker = this.#workers.get(uid);
    if (worker) {
      worker.update(pod);
      this.#reporter.mark(uid);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return;
    if (pod.metadata?.deletionTimestamp) {
      // Deleted before this agent ran it: nothing to stop.
      void this.#deleteObject(pod);
      return;
    }
    // A pod of the same name under another UID is an older incarnation, deleted meanwhile.
    const previous = this.find(pod.metadata?.namespace ?? "default", pod.metadata?.name ?? "");
    if (previous) this.#lost(previous);
    const record = newPodRecord(pod, this.options.hostIP, rfc3339(this.options.services.clock.now()));
    const created = new PodWorker(pod, record, this.#host);
    this.#save(record, pod);
    this.#launch(created);
    this.#reporter.mark(uid);
  }

  /** Deleted from the API without waiting for this node: force-deleted. */
  #gone(pod: Pod): void {
    const worker = this.#workers.get(pod.metadata?.uid ?? "");
    if (worker) this.#lost(worker);
  }

  /**
   * The API no longer has the pod. A graceful deletion would have waited for
   * this node, so it was forced: the containers get only the kubelet's small
   * grace period (minimumGracePeriodInSeconds), not the pod's.
   */
  #lost(worker: PodWorker): void {
    worker.terminate(Math.min(FORCED_GRACE_MS, graceOf(worker.pod)));
  }

  #launch(worker: PodWorker): void {
    this.#workers.set(worker.uid, worker);
    if (worker.state.name !== "registered") this.#admitted.add(worker.uid);
    void worker.run().catch((error: unknown) => this.options.services.log(`agent: pod ${podKey(worker.record)} stopped on an error: ${(error as Error).stack ?? error}`));
  }

  /** The worker has stopped everything: the pod object goes for good, then the agent forgets the pod. */
  async #finish(worker: PodWorker): Promise<void> {
    if (this.#stopped) return;
    try {
      const live = this.#apiPod(worker.uid);
      if (live || !this.synced) await this.#deleteObject(worker.pod);
    } catch (error) {
      if (isUnreachable(error)) return; // Retried on reconnect; the record stays until then.
      this.options.services.log(`agent: deleting pod ${podKey(worker.record)} failed: ${(error as Error).message}`);
      return;
    }
    this.#workers.delete(worker.uid);
    this.#admitted.delete(worker.uid);
    this.#reporter.forget(worker.uid);
    this.options.store.deletePod(worker.uid);
    this.options.services.logs.removePod(worker.record);
  }

  async #deleteObject(pod: Pod): Promise<void> {
    const { namespace, name, uid } = pod.metadata ?? {};
    try {
      await this.options.link.call(() =>
        this.options.client.delete(podsResource, namespace, name ?? "", { gracePeriodSeconds: 0, preconditions: { uid } }),
      );
    } catch (error) {
      // Gone already, or the name now belongs to another pod: either way this one is gone.
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }

  #apiPod(uid: string): Pod | undefined {
    const worker = this.#workers.get(uid);
    if (!worker || !this.#informer) return undefined;
    const pod = this.#informer.get(objectKeyOf(worker.pod as unknown as KubeObject)) as Pod | undefined;
    return pod?.metadata?.uid === uid ? pod : undefined;
  }

  #save(record: PodRecord, pod: Pod): void {
    this.options.store.savePod({ uid: record.uid, namespace: record.namespace, name: record.name, pod, record, podIP: record.podIPs[0] });
  }

  /** The kubelet's admission: no more pods than maxPods, counting those admitted a moment ago and not yet past registered. */
  #admit(pod: Pod): { reason: string; message: string } | undefined {
    const uid = pod.metadata?.uid ?? "";
    const active = [...this.#workers.values()].filter((w) => w.uid !== uid && this.#admitted.has(w.uid) && !DONE.has(w.state.name)).length;
    if (active >= this.options.maxPods) return { reason: "OutOfpods", message: "Node didn't have enough resource: pods" };
    this.#admitted.add(uid);
    return undefined;
  }

  /** ConfigMap, Secret and downward API volumes follow their sources (the first run is at start, where it finds nothing set up yet). */
  #refreshVolumes(): Promise<void> {
    return every(this.options.services.clock, this.options.volumeRefreshMs ?? 60_000, this.#stopRefresh.signal, async () => {
      for (const worker of this.#workers.values()) {
        await worker.refreshVolumes().catch((error: unknown) => {
          this.options.recorder.event(worker.pod as unknown as KubeObject, "Warning", "FailedMount", `MountVolume.SetUp failed: ${(error as Error).message}`);
        });
      }
    }, (error) => this.options.services.log(`agent: refreshing volumes failed: ${(error as Error).message}`));
  }
}
