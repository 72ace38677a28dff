// running: the app containers run side by side, each through its own
// machine (which restarts it as the restart policy says). The pod is done
// when every container is done for good.
import type { PodStep } from "../pod-states.ts";
import { terminating } from "./terminate.ts";
import { unlessTerminated } from "./wait.ts";

export const running: PodStep<"running"> = async (ctx) => {
  const runs = ctx.record.containers.filter((c) => !c.init).map((c) => ctx.machine(c).run());
  const all = Promise.all(runs);
  if (!(await unlessTerminated(all, ctx.terminate))) return terminating(ctx);
  const terminations = await all;
  const failed = terminations.find((t) => t.exitCode !== 0);
  return failed ? { name: "completed", phase: "Failed" } : { name: "completed", phase: "Succeeded" };
};
