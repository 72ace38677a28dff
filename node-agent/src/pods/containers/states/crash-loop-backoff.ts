// crash-loop-backoff: waits out the back-off after an exit (or a config that
// could not be built), then starts the container again.
import { isAbort } from "../../../clock.ts";
import type { ContainerStep } from "../container-states.ts";
import { neverStarted } from "./termination.ts";

export const crashLoopBackoff: ContainerStep<"crash-loop-backoff"> = async (ctx, state) => {
  const { clock } = ctx.services;
  try {
    await clock.sleep(state.until - clock.now(), ctx.stopSignal);
  } catch (error) {
    if (!isAbort(error, ctx.stopSignal)) throw error;
    return { name: "exited", termination: ctx.record.lastTermination ?? neverStarted(clock.now()) };
  }
  return { name: "starting" };
};
