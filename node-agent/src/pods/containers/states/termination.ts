// How an instance's end is written down, and what happens after it: a
// restart after back-off, or the end of the container.
import { constants } from "node:os";
import { kubeTime, rfc3339 } from "../../../clock.ts";
import type { ExitStatus } from "../../../runtime/runtime.ts";
import { backoffDelay } from "../../backoff.ts";
import type { ContainerContext } from "../container-context.ts";
import type { ContainerNext, Termination } from "../container-states.ts";

export const SIGNAL_NUMBERS = constants.signals as Record<string, number>;

export function terminationOf(exit: ExitStatus, startedAt: string | undefined, containerID: string | undefined): Termination {
  return {
    exitCode: exit.exitCode,
    ...(exit.signal && SIGNAL_NUMBERS[exit.signal] !== undefined ? { signal: SIGNAL_NUMBERS[exit.signal] } : {}),
    reason: exit.reason,
    ...(exit.message ? { message: exit.message } : {}),
    ...(startedAt ? { startedAt: kubeTime(startedAt) } : {}),
    finishedAt: kubeTime(exit.finishedAt),
    ...(containerID ? { containerID } : {}),
  };
}

/** A container stopped before it ever ran (the kubelet's words for it). */
export const neverStarted = (now: number): Termination => ({
  exitCode: 137,
  reason: "ContainerStatusUnknown",
  message: "The container could not be located when the pod was terminated",
  finishedAt: rfc3339(now),
});

/** Whether an instance that ended with `exitCode` is started again, by the pod's restartPolicy (init containers: until they succeed). */
export function restartsAfter(init: boolean, restartPolicy: string | undefined, exitCode: number): boolean {
  const policy = restartPolicy ?? "Always";
  if (init) return exitCode !== 0 && policy !== "Never";
  if (policy === "Always") return true;
  if (policy === "OnFailure") return exitCode !== 0;
  return false;
}

/** After an instance ends: back off and start again, or be done. */
export function afterExit(ctx: ContainerContext, termination: Termination): ContainerNext<"running"> {
  const { record, services } = ctx;
  if (ctx.stopSignal.aborted || !restartsAfter(record.init, ctx.pod().spec?.restartPolicy, termination.exitCode)) return { name: "exited", termination };
  const now = services.clock.now();
  const ranMs = termination.startedAt ? Date.parse(termination.finishedAt) - Date.parse(termination.startedAt) : 0;
  record.crashes = ranMs >= services.backoff.resetAfterMs ? 1 : record.crashes + 1;
  record.lastTermination = termination;
  const delay = backoffDelay(services.backoff, record.crashes);
  ctx.event("Warning", "BackOff", `Back-off restarting failed container ${record.name} in pod ${ctx.podFullName}`);
  return {
    name: "crash-loop-backoff",
    until: now + delay,
    reason: "CrashLoopBackOff",
    message: `back-off ${formatDelay(delay)} restarting failed container=${record.name} pod=${ctx.podFullName}`,
  };
}

/** Go's duration format, as the kubelet's back-off messages print it: 10s, 2m40s, 5m0s. */
export function formatDelay(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (ms < 1000) return `${ms}ms`;
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
