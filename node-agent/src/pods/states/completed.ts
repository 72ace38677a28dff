// completed: every container is done for good (Succeeded or Failed). The pod
// keeps its status until it is deleted.
import type { PodStep } from "../pod-states.ts";
import { terminating } from "./terminate.ts";
import { unlessTerminated } from "./wait.ts";

export const completed: PodStep<"completed"> = async (ctx) => {
  await unlessTerminated(new Promise(() => {}), ctx.terminate);
  return terminating(ctx);
};
