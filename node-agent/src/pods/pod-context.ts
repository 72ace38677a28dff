// What a pod's states work with: its record, its spec now, its containers'
// machines, the agent's services, and the signal that it must terminate.
import type { EventType } from "../../../client/event-recorder.ts";
import type { Pod } from "../../../schemas/index.ts";
import type { Clock } from "../clock.ts";
import type { PodNetwork } from "../network/pod-network.ts";
import type { LogFiles } from "../logs/log-files.ts";
import type { SetUpVolume, VolumeManager } from "../volumes/volume-manager.ts";
import type { BackoffPolicy } from "./backoff.ts";
import type { ContainerMachine } from "./containers/container-machine.ts";
import type { ContainerRecord, PodRecord } from "./pod-record.ts";

/** Why the agent will not run a pod (the kubelet's admission), as status.reason and message. */
export interface Rejection {
  reason: string;
  message: string;
}

export interface PodServices {
  clock: Clock;
  backoff: BackoffPolicy;
  network: PodNetwork;
  volumes: VolumeManager;
  logs: LogFiles;
  /** The kubelet's admission: undefined admits the pod. */
  admit(pod: Pod): Rejection | undefined;
  log(message: string): void;
}

export interface PodContext {
  readonly record: PodRecord;
  pod(): Pod;
  readonly services: PodServices;
  /** Aborted when the pod must terminate; terminationGraceMs() says how gently. */
  readonly terminate: AbortSignal;
  terminationGraceMs(): number;
  /** The machine of a container (made on first use). */
  machine(container: ContainerRecord): ContainerMachine;
  /** Machines made so far. */
  machines(): ContainerMachine[];
  /** The pod's volumes, once preparing has set them up. */
  volumes?: Map<string, SetUpVolume>;
  event(type: EventType, reason: string, message: string): void;
}
