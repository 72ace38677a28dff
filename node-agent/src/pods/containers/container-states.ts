// A container's life: the states, their data, and where each may go.
//
//   waiting ─► image-pull ─► starting ─► running ─► exited
//                 ▲   │         │  ▲        │
//                 │   ▼         ▼  │        ▼
//        image-pull-backoff   crash-loop-backoff
//
// Any state may go to `exited` when the pod stops the container. Restarts
// reuse the image the first pull resolved, so a container keeps restarting
// while the registry (or the whole network) is away.
import type { NextState, State, Step, Steps, TransitionTable } from "../machine.ts";
import type { ContainerContext } from "./container-context.ts";

/** How a container instance ended, as containerStatuses[].state.terminated reports it. */
export interface Termination {
  exitCode: number;
  signal?: number;
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt: string;
  containerID?: string;
}

export interface ContainerStateData {
  /** Not yet begun (app containers wait here while init containers run). */
  waiting: object;
  /** Pulling its image; `lastError` is the previous attempt's failure, when this is a retry. */
  "image-pull": { lastError?: string };
  /** The pull failed; retried at `until` unless `reason` says it never will be. */
  "image-pull-backoff": { until: number; reason: ImagePullWaitingReason; message: string };
  /** Building the config and asking the runtime to start it. */
  starting: object;
  /** Running. */
  running: { containerID: string; startedAt: string };
  /** Waiting to be started again at `until`: after an exit, a failed start or a config error. */
  "crash-loop-backoff": { until: number; reason: RestartWaitingReason; message: string };
  /** Done for good: exited and not to be restarted, or stopped with its pod. */
  exited: { termination: Termination };
}

export type ImagePullWaitingReason = "ImagePullBackOff" | "ErrImageNeverPull" | "InvalidImageName";
export type RestartWaitingReason = "CrashLoopBackOff" | "CreateContainerConfigError" | "CreateContainerError";

export const containerTransitions = {
  waiting: ["image-pull", "exited"],
  "image-pull": ["starting", "image-pull-backoff", "exited"],
  "image-pull-backoff": ["image-pull", "exited"],
  starting: ["running", "crash-loop-backoff", "exited"],
  running: ["crash-loop-backoff", "exited"],
  "crash-loop-backoff": ["starting", "exited"],
  exited: [],
} as const satisfies TransitionTable<ContainerStateData>;

export type ContainerStateName = keyof ContainerStateData;
export type ContainerState<N extends ContainerStateName = ContainerStateName> = State<ContainerStateData, N>;
export type ContainerNext<N extends ContainerStateName> = NextState<ContainerStateData, typeof containerTransitions, N>;
export type ContainerStep<N extends ContainerStateName> = Step<ContainerContext, ContainerStateData, typeof containerTransitions, N>;
export type ContainerSteps = Steps<ContainerContext, ContainerStateData, typeof containerTransitions>;
