// What a container's states work with: its record, its spec and its pod as
// they are now, the services of the agent, and the signal that the pod wants
// it stopped.
import type { EventType } from "../../../../client/event-recorder.ts";
import type { Container, Pod } from "../../../../schemas/index.ts";
import type { Clock } from "../../clock.ts";
import type { PullSecret } from "../../images/credentials.ts";
import type { ImageService } from "../../images/image-service.ts";
import type { ContainerConfig, ContainerHandle, ResolvedImage, Runtime } from "../../runtime/runtime.ts";
import type { BackoffPolicy } from "../backoff.ts";
import type { ContainerRecord } from "../pod-record.ts";

/** The agent's services a container needs; the pod worker supplies them. */
export interface ContainerServices {
  clock: Clock;
  images: ImageService;
  backoff: BackoffPolicy;
  /** The pod's imagePullSecrets, read now. */
  pullSecrets(): Promise<PullSecret[]>;
  /** The runtime for this pod and image; throws RuntimeSelectionError. */
  runtimeFor(image: ResolvedImage): Promise<Runtime>;
  /** The runtime config of the next instance; throws ContainerConfigError or MountError. */
  configFor(container: Container, image: ResolvedImage, attempt: number): Promise<ContainerConfig>;
  /** Keeps logs in bounds once an instance starts (drops older instances' files). */
  instanceStarted(container: string, attempt: number): void;
}

export interface ContainerContext {
  readonly record: ContainerRecord;
  /** The container's spec now. */
  spec(): Container;
  pod(): Pod;
  readonly services: ContainerServices;
  /** Aborted when the pod stops this container; stopGraceMs() then says how gently. */
  readonly stopSignal: AbortSignal;
  stopGraceMs(): number;
  /** The live instance, from starting (or adoption by a restarted agent) to its exit. */
  handle?: ContainerHandle;
  /** Aborted when the agent stops and leaves the container running (its runtime lets the next agent re-attach). */
  readonly detachSignal: AbortSignal;
  /** Records an event on the pod about this container. */
  event(type: EventType, reason: string, message: string): void;
  /** Something status shows changed outside a transition (probe results). */
  changed(): void;
  /** The pod's primary IP, where probes knock. */
  podIP(): string;
  /** The pod's "name_namespace(uid)", as the kubelet's messages write it. */
  readonly podFullName: string;
}
