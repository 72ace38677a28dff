// terminating: stops every container within the grace period (each gets
// SIGTERM, then SIGKILL when the grace is up), then releases what the pod
// held on this node. The pod object is deleted by the worker afterwards.
import type { PodStep } from "../pod-states.ts";
import { releasePod } from "../cleanup.ts";

export const terminating: PodStep<"terminating"> = async (ctx, state) => {
  const machines = ctx.machines();
  for (const machine of machines) machine.stop(state.gracePeriodMs);
  await Promise.all(machines.map((m) => m.run()));
  // App containers whose machines never started (init never finished) are done too.
  for (const container of ctx.record.containers) {
    if (container.state.name !== "exited" && !machines.some((m) => m.record === container)) {
      ctx.machine(container).stop(0);
      await ctx.machine(container).run();
    }
  }
  await releasePod(ctx.services, ctx.record);
  return { name: "terminated" };
};
