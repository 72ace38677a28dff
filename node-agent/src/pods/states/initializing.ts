// initializing: runs the init containers one after another, each to success
// (its machine restarts it on failure unless the policy is Never). One that
// fails for good fails the pod.
import type { PodStep } from "../pod-states.ts";
import { terminating } from "./terminate.ts";
import { unlessTerminated } from "./wait.ts";

export const initializing: PodStep<"initializing"> = async (ctx) => {
  const { record } = ctx;
  if (!record.initialized) {
    for (const container of record.containers.filter((c) => c.init)) {
      if (container.state.name === "exited" && container.state.termination.exitCode === 0) continue;
      const machine = ctx.machine(container);
      const run = machine.run();
      if (!(await unlessTerminated(run, ctx.terminate))) return terminating(ctx);
      const termination = await run;
      if (termination.exitCode !== 0) {
        return { name: "completed", phase: "Failed", message: `init container ${container.name} failed: ${termination.reason} (exit code ${termination.exitCode})` };
      }
    }
    record.initialized = true;
  }
  return { name: "running" };
};
