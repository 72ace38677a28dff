// Drives one container through its states: runs the current state's step,
// checks the transition against the table, saves, and goes on until the
// container is done for good.
import type { EventType } from "../../../../client/event-recorder.ts";
import type { Container, Pod } from "../../../../schemas/index.ts";
import { rfc3339 } from "../../clock.ts";
import type { ContainerHandle } from "../../runtime/runtime.ts";
import { allowed, stepOf } from "../machine.ts";
import type { ContainerRecord } from "../pod-record.ts";
import type { ContainerContext, ContainerServices } from "./container-context.ts";
import { type ContainerState, type ContainerStateData, containerTransitions, type Termination } from "./container-states.ts";
import { containerSteps } from "./states/index.ts";

export interface ContainerMachineHost {
  pod(): Pod;
  podIP(): string;
  readonly podFullName: string;
  services: ContainerServices;
  event(type: EventType, reason: string, message: string, fieldPath: string): void;
  /** A transition happened (save and report) or something status shows changed (report). */
  changed(transition: boolean): void;
  log(message: string): void;
}

export class ContainerMachine {
  readonly #stop = new AbortController();
  readonly #detach = new AbortController();
  #graceMs = 30_000;
  #running: Promise<Termination> | undefined;
  readonly #context: ContainerContext;

  /** `adopted`: the running instance a restarted agent re-attached to. */
  constructor(
    readonly record: ContainerRecord,
    private readonly host: ContainerMachineHost,
    adopted?: ContainerHandle,
  ) {
    const fieldPath = `spec.${record.init ? "initContainers" : "containers"}{${record.name}}`;
    const machine = this;
    this.#context = {
      record,
      spec: () => machine.spec(),
      pod: () => host.pod(),
      podIP: () => host.podIP(),
      services: host.services,
      stopSignal: this.#stop.signal,
      stopGraceMs: () => machine.#graceMs,
      handle: adopted,
      detachSignal: this.#detach.signal,
      event: (type, reason, message) => host.event(type, reason, message, fieldPath),
      changed: () => host.changed(false),
      podFullName: host.podFullName,
    };
  }

  get state(): ContainerState {
    return this.record.state;
  }

  get handle(): ContainerHandle | undefined {
    return this.#context.handle;
  }

  spec(): Container {
    const spec = this.host.pod().spec;
    const list = this.record.init ? spec?.initContainers : spec?.containers;
    const container = list?.find((c) => c.name === this.record.name);
    if (!container) throw new Error(`container ${this.record.name} is not in the pod's spec`);
    return container;
  }

  /** Runs the machine (once; later calls share the run) until the container is done; resolves with its last termination. */
  run(): Promise<Termination> {
    this.#running ??= this.#loop();
    return this.#running;
  }

  /** Asks the container to stop, allowing `graceMs` before it is killed; run() then settles. */
  stop(graceMs: number): void {
    if (this.#stop.signal.aborted) {
      // A second request may only shorten the grace (a deletion with a shorter grace period, or a force delete).
      this.#graceMs = Math.min(this.#graceMs, graceMs);
      return;
    }
    this.#graceMs = graceMs;
    this.#stop.abort();
  }

  /** The agent is stopping but the container lives on: its machine stops watching it, and does nothing more. */
  detach(): void {
    this.#detach.abort();
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  async #loop(): Promise<Termination> {
    for (;;) {
      const state = this.record.state;
      if (state.name === "exited") return state.termination;
      if (this.#detach.signal.aborted) return new Promise<Termination>(() => {});
      let next: ContainerState;
      try {
        next = await stepOf<ContainerContext, ContainerStateData, typeof containerTransitions>(containerSteps, state)(this.#context, state);
      } catch (error) {
        next = this.#recover(state, error);
      }
      if (!allowed<ContainerStateData>(containerTransitions, state.name, next.name)) {
        throw new Error(`illegal container transition ${state.name} → ${next.name}`);
      }
      this.record.state = next;
      this.host.changed(true);
    }
  }

  /** A step that throws is a bug, not a state: the container backs off and tries again rather than being left half-way. */
  #recover(state: ContainerState, error: unknown): ContainerState {
    this.host.log(`agent: container ${this.record.name} of ${this.host.podFullName} failed in state ${state.name}: ${(error as Error).stack ?? error}`);
    const message = (error as Error).message ?? String(error);
    const now = this.host.services.clock.now();
    const until = now + this.host.services.backoff.initialMs;
    const can = (to: keyof ContainerStateData) => allowed<ContainerStateData>(containerTransitions, state.name, to);
    if (can("crash-loop-backoff")) return { name: "crash-loop-backoff", until, reason: "CreateContainerError", message };
    if (can("image-pull-backoff")) return { name: "image-pull-backoff", until, reason: "ImagePullBackOff", message };
    return { name: "exited", termination: { exitCode: 128, reason: "Error", message, finishedAt: rfc3339(now) } };
  }
}
