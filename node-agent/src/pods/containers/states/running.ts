// running: the instance runs, watched by its probes, until it exits, fails
// its liveness (or startup) probe and is killed, or its pod stops it.
import { rfc3339 } from "../../../clock.ts";
import type { ExitStatus } from "../../../runtime/runtime.ts";
import { startProbes, type ProbeFailure } from "../../../probes/container-probes.ts";
import type { ContainerStep } from "../container-states.ts";
import { afterExit, terminationOf } from "./termination.ts";

type Outcome = { kind: "exited"; exit: ExitStatus } | { kind: "unhealthy"; failure: ProbeFailure } | { kind: "stop" } | { kind: "detach" };

export const running: ContainerStep<"running"> = async (ctx, state) => {
  const { record, services } = ctx;
  const handle = ctx.handle;
  if (!handle) {
    // The agent restarted and the instance went with it.
    return afterExit(ctx, {
      exitCode: 137,
      reason: "ContainerStatusUnknown",
      message: "The container could not be located when the agent restarted",
      startedAt: state.startedAt,
      finishedAt: rfc3339(services.clock.now()),
      containerID: state.containerID,
    });
  }
  const probes = startProbes({
    container: ctx.spec(),
    podIP: ctx.podIP(),
    handle,
    clock: services.clock,
    started: () => {
      record.started = true;
      ctx.changed();
    },
    ready: (ready) => {
      if (record.ready === ready) return;
      record.ready = ready;
      ctx.changed();
    },
    unhealthy: (message) => ctx.event("Warning", "Unhealthy", message),
  });
  const stopRequested = aborted(ctx.stopSignal);
  const detached = aborted(ctx.detachSignal);
  try {
    const outcome: Outcome = await Promise.race([
      handle.exited.then((exit): Outcome => ({ kind: "exited", exit })),
      probes.failed.then((failure): Outcome => ({ kind: "unhealthy", failure })),
      stopRequested.promise.then((): Outcome => ({ kind: "stop" })),
      detached.promise.then((): Outcome => ({ kind: "detach" })),
    ]);
    probes.stop();
    // The agent stops and the container lives on: nothing more happens here; the next agent takes over.
    if (outcome.kind === "detach") return new Promise(() => {});
    let exit: ExitStatus;
    if (outcome.kind === "exited") {
      exit = outcome.exit;
    } else if (outcome.kind === "unhealthy") {
      const probe = outcome.failure.kind === "Liveness" ? "liveness" : "startup";
      ctx.event("Normal", "Killing", `Container ${record.name} failed ${probe} probe, will be restarted`);
      exit = await handle.stop(outcome.failure.graceMs ?? ctx.stopGraceMs());
    } else {
      ctx.event("Normal", "Killing", `Stopping container ${record.name}`);
      exit = await handle.stop(ctx.stopGraceMs());
    }
    record.ready = false;
    ctx.handle = undefined;
    return afterExit(ctx, terminationOf(exit, state.startedAt, state.containerID));
  } finally {
    probes.stop();
    stopRequested.dispose();
    detached.dispose();
  }
};

/** A promise that settles when the signal aborts, and a way to stop listening. */
function aborted(signal: AbortSignal): { promise: Promise<void>; dispose(): void } {
  let onAbort = () => {};
  const promise = new Promise<void>((resolve) => {
    onAbort = () => resolve();
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener("abort", onAbort) };
}
