// A pod's life on this node: the states, their data, and where each may go.
//
//   registered ─► preparing ─► initializing ─► running ─► completed
//                   │  ▲                                     │
//                   └──┘ (FailedMount: retried)              ▼
//   every state ──────────────────────────────────► terminating ─► terminated
//
// Containers have machines of their own (containers/): the pod's states
// decide when they run and when they stop; the pod's status is computed from
// both (status.ts).
import type { NextState, State, Step, Steps, TransitionTable } from "./machine.ts";
import type { PodContext } from "./pod-context.ts";

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed";

export interface PodStateData {
  /** Accepted by the agent and saved; nothing set up yet. */
  registered: object;
  /** Network and volumes being set up; `lastError` and `until` after a failure. */
  preparing: { attempt: number; until?: number; lastError?: string };
  /** Init containers running, one after another. */
  initializing: object;
  /** App containers running (and restarting, as the restart policy says). */
  running: object;
  /** Every container done for good. */
  completed: { phase: "Succeeded" | "Failed"; reason?: string; message?: string };
  /** Stopping its containers (pod deleted, or the agent gave up on it). */
  terminating: { gracePeriodMs: number; since: number };
  /** Stopped and cleaned up; the pod object is deleted once the API is reachable. */
  terminated: object;
}

export const podTransitions = {
  registered: ["preparing", "completed", "terminating"],
  preparing: ["preparing", "initializing", "terminating"],
  initializing: ["running", "completed", "terminating"],
  running: ["completed", "terminating"],
  completed: ["terminating"],
  terminating: ["terminated"],
  terminated: [],
} as const satisfies TransitionTable<PodStateData>;

export type PodStateName = keyof PodStateData;
export type PodState<N extends PodStateName = PodStateName> = State<PodStateData, N>;
export type PodNext<N extends PodStateName> = NextState<PodStateData, typeof podTransitions, N>;
export type PodStep<N extends PodStateName> = Step<PodContext, PodStateData, typeof podTransitions, N>;
export type PodSteps = Steps<PodContext, PodStateData, typeof podTransitions>;
