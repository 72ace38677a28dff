// One pod on this node: drives its machine from state to state, owns its
// containers' machines, saves its record after every transition, and tells
// the status reporter when what status shows has changed. One worker per pod
// UID, for the pod's whole life on the node.
import type { EventRecorder, EventType } from "../../../client/event-recorder.ts";
import type { KubeObject } from "../../../client/kube-client.ts";
import type { Container, Pod, PodStatus } from "../../../schemas/index.ts";
import { rfc3339 } from "../clock.ts";
import type { PullSecret } from "../images/credentials.ts";
import type { ImageService } from "../images/image-service.ts";
import type { RuntimeSelector } from "../runtime/runtime-selector.ts";
import type { ContainerHandle, ResolvedImage } from "../runtime/runtime.ts";
import type { ObjectSource } from "../state/object-source.ts";
import type { SetUpVolume } from "../volumes/volume-manager.ts";
import type { ContainerServices } from "./containers/container-context.ts";
import { buildContainerConfig } from "./containers/container-config.ts";
import { ContainerMachine } from "./containers/container-machine.ts";
import { restartsAfter } from "./containers/states/termination.ts";
import { allowed, stepOf } from "./machine.ts";
import type { PodContext, PodServices } from "./pod-context.ts";
import { type ContainerRecord, podFullName, type PodRecord } from "./pod-record.ts";
import { type PodState, type PodStateData, podTransitions } from "./pod-states.ts";
import { podSteps } from "./states/index.ts";
import { computePodStatus } from "./status.ts";

/** What the pod manager gives each worker. */
export interface WorkerHost {
  services: PodServices;
  images: ImageService;
  runtimes: RuntimeSelector;
  objects: Pick<ObjectSource, "configMap" | "secret">;
  recorder: EventRecorder;
  nodeAllocatable: { cpu: number; memory: number };
  save(record: PodRecord, pod: Pod): void;
  statusChanged(uid: string): void;
  /** The machine reached `terminated`. */
  finished(worker: PodWorker): void;
  /** Variables every container gets (Services, issue 6). */
  baseEnv?(pod: Pod): Record<string, string>;
}

export const DEFAULT_GRACE_SECONDS = 30;

export class PodWorker {
  #pod: Pod;
  readonly #machines = new Map<string, ContainerMachine>();
  readonly #terminate = new AbortController();
  #graceMs = DEFAULT_GRACE_SECONDS * 1000;
  #frozen = false;
  #done: Promise<void> | undefined;
  readonly #context: PodContext;
  readonly #containerServices: ContainerServices;

  /** `adopted`: running instances a restarted agent re-attached to (see resume). */
  constructor(
    pod: Pod,
    readonly record: PodRecord,
    private readonly host: WorkerHost,
    private readonly adopted: ReadonlyMap<string, ContainerHandle> = new Map(),
  ) {
    this.#pod = pod;
    const worker = this;
    this.#context = {
      record,
      pod: () => worker.#pod,
      services: host.services,
      terminate: this.#terminate.signal,
      terminationGraceMs: () => worker.#graceMs,
      machine: (container) => worker.#machine(container),
      machines: () => [...worker.#machines.values()],
      volumes: undefined,
      event: (type, reason, message) => worker.#event(type, reason, message),
    };
    this.#containerServices = {
      clock: host.services.clock,
      images: host.images,
      backoff: host.services.backoff,
      pullSecrets: () => worker.#pullSecrets(),
      runtimeFor: (image) => host.runtimes.select(worker.#pod, image),
      configFor: (container, image, attempt) => worker.#configFor(container, image, attempt),
      instanceStarted: (container, attempt) => host.services.logs.prune(record, container, attempt - 1),
    };
  }

  get uid(): string {
    return this.record.uid;
  }

  get pod(): Pod {
    return this.#pod;
  }

  get state(): PodState {
    return this.record.state;
  }

  /** The machine of a container, if it has one yet (logs and stats look here). */
  container(name: string): ContainerMachine | undefined {
    return this.#machines.get(name);
  }

  status(): PodStatus {
    return computePodStatus(this.record, this.#pod);
  }

  /** Runs the pod's machine (once) to its end. */
  run(): Promise<void> {
    this.#done ??= this.#loop();
    return this.#done;
  }

  /** A newer version of the pod object: keeps it, and starts termination when it is being deleted. */
  update(pod: Pod): void {
    if (pod.metadata?.uid !== this.uid) return;
    this.#pod = pod;
    this.#save();
    const deletion = pod.metadata?.deletionTimestamp;
    if (deletion) this.terminate(graceOf(pod));
  }

  /** The pod must go (deleted, or gone from the API): stops its containers within `graceMs`. */
  terminate(graceMs: number): void {
    if (this.#terminate.signal.aborted) {
      if (graceMs >= this.#graceMs) return;
      this.#graceMs = graceMs;
      for (const machine of this.#machines.values()) machine.stop(graceMs);
      return;
    }
    this.#graceMs = graceMs;
    this.#terminate.abort();
  }

  get terminating(): boolean {
    return this.#terminate.signal.aborted;
  }

  /** Rewrites ConfigMap, Secret and downward API volumes from their sources. */
  async refreshVolumes(): Promise<void> {
    if (this.#frozen || !this.#context.volumes) return;
    const name = this.record.state.name;
    if (name !== "initializing" && name !== "running") return;
    await this.host.services.volumes.refresh(this.#pod, this.record);
  }

  /**
   * The agent is stopping: nothing more is saved or reported, so the next
   * agent resumes the pod as it was. Containers whose runtime keeps them
   * across agent restarts run on (the next agent re-attaches); the others stop.
   */
  async shutdown(graceMs: number, survivesAgent: (containerID: string) => boolean): Promise<void> {
    this.#frozen = true;
    const stopping: ContainerMachine[] = [];
    for (const machine of this.#machines.values()) {
      const state = machine.state;
      if (state.name === "running" && survivesAgent(state.containerID)) {
        machine.detach();
      } else {
        machine.stop(graceMs);
        stopping.push(machine);
      }
    }
    await Promise.all(stopping.map((m) => m.run().catch(() => undefined)));
  }

  /**
   * Turns a record read back from disk into one this agent can resume. An
   * instance that was running is re-attached when its runtime keeps
   * containers across agent restarts (runc); otherwise it is gone, and is
   * started again at once (not the container's fault: no back-off) or, under
   * restartPolicy Never, recorded as lost.
   */
  static async resume(record: PodRecord, pod: Pod, now: number, recover: (containerID: string) => Promise<ContainerHandle | undefined>): Promise<Map<string, ContainerHandle>> {
    const adopted = new Map<string, ContainerHandle>();
    for (const container of record.containers) {
      if (container.state.name !== "running") continue;
      const handle = await recover(container.state.containerID).catch(() => undefined);
      if (handle) {
        adopted.set(container.name, handle);
        continue;
      }
      const lost = {
        exitCode: 137,
        reason: "ContainerStatusUnknown",
        message: "The container could not be located when the agent restarted",
        startedAt: container.state.startedAt,
        finishedAt: rfc3339(now),
        containerID: container.state.containerID,
      };
      container.ready = false;
      container.started = false;
      if (restartsAfter(container.init, pod.spec?.restartPolicy, lost.exitCode)) {
        container.lastTermination = lost;
        container.state = { name: "crash-loop-backoff", until: now, reason: "CrashLoopBackOff", message: "restarting after the agent restarted" };
      } else {
        container.state = { name: "exited", termination: lost };
      }
    }
    return adopted;
  }

  async #loop(): Promise<void> {
    for (;;) {
      const state = this.record.state;
      if (state.name === "terminated") break;
      let next: PodState;
      try {
        next = await stepOf<PodContext, PodStateData, typeof podTransitions>(podSteps, state)(this.#context, state);
      } catch (error) {
        this.host.services.log(`agent: pod ${podFullName(this.record)} failed in state ${state.name}: ${(error as Error).stack ?? error}`);
        next = this.#recover(state, error);
      }
      if (this.#frozen) return;
      if (!allowed<PodStateData>(podTransitions, state.name, next.name)) throw new Error(`illegal pod transition ${state.name} → ${next.name}`);
      this.record.state = next;
      this.#changed(true);
    }
    this.host.finished(this);
  }

  /** A step that throws is a bug: the pod fails (or, when it must go anyway, terminates) rather than hanging half-way. */
  #recover(state: PodState, error: unknown): PodState {
    const message = (error as Error).message ?? String(error);
    if (state.name === "terminating") return { name: "terminated" };
    if (this.#terminate.signal.aborted || !allowed<PodStateData>(podTransitions, state.name, "completed")) {
      return { name: "terminating", gracePeriodMs: this.#graceMs, since: this.host.services.clock.now() };
    }
    return { name: "completed", phase: "Failed", reason: "AgentError", message };
  }

  #machine(container: ContainerRecord): ContainerMachine {
    let machine = this.#machines.get(container.name);
    if (!machine) {
      const worker = this;
      machine = new ContainerMachine(container, {
        pod: () => worker.#pod,
        podIP: () => worker.record.podIPs[0] ?? worker.record.hostIP,
        podFullName: podFullName(this.record),
        services: this.#containerServices,
        event: (type, reason, message, fieldPath) => worker.#event(type, reason, message, fieldPath),
        changed: (transition) => worker.#changed(transition),
        log: this.host.services.log,
      }, this.adopted.get(container.name));
      this.#machines.set(container.name, machine);
      if (this.#terminate.signal.aborted && this.record.state.name === "terminating") machine.stop(this.#graceMs);
    }
    return machine;
  }

  #changed(transition: boolean): void {
    if (this.#frozen) return;
    if (this.record.containers.some((c) => !c.init && c.state.name === "running")) this.record.ranContainers = true;
    if (transition) this.#save();
    this.host.statusChanged(this.uid);
  }

  #save(): void {
    if (!this.#frozen) this.host.save(this.record, this.#pod);
  }

  #event(type: EventType, reason: string, message: string, fieldPath?: string): void {
    if (this.#frozen) return;
    this.host.recorder.event(this.#pod as unknown as KubeObject, type, reason, message, fieldPath);
  }

  async #pullSecrets(): Promise<PullSecret[]> {
    const namespace = this.record.namespace;
    const secrets: PullSecret[] = [];
    for (const ref of this.#pod.spec?.imagePullSecrets ?? []) {
      const secret = await this.host.objects.secret(namespace, ref.name ?? "");
      if (secret) secrets.push({ type: secret.type, data: secret.data });
    }
    return secrets;
  }

  async #configFor(container: Container, image: ResolvedImage, attempt: number) {
    const { services } = this.host;
    // A resumed pod skips preparing: its volumes are found again (set up
    // idempotently) the first time a container needs them.
    if ((this.#pod.spec?.volumes?.length ?? 0) > 0 && !this.#context.volumes) {
      this.#context.volumes = await services.volumes.setUp(this.#pod, this.record);
    }
    return buildContainerConfig({
      pod: this.#pod,
      container,
      image,
      attempt,
      podIPs: this.record.podIPs,
      hostIP: this.record.hostIP,
      netnsPath: this.record.netnsPath,
      volumes: this.#context.volumes ?? new Map<string, SetUpVolume>(),
      volumeManager: services.volumes,
      objects: this.host.objects,
      nodeAllocatable: this.host.nodeAllocatable,
      logPath: services.logs.path(this.record, container.name, attempt),
      baseEnv: this.host.baseEnv?.(this.#pod),
    });
  }
}

/** How long a deleted pod's containers get: deletionGracePeriodSeconds, else terminationGracePeriodSeconds, else 30 s. */
export function graceOf(pod: Pod): number {
  const seconds = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  return Math.max(0, seconds) * 1000;
}
