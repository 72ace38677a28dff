// image-pull-backoff: waits out the back-off, then pulls again.
import { isAbort } from "../../../clock.ts";
import type { ContainerStep } from "../container-states.ts";
import { neverStarted } from "./termination.ts";

export const imagePullBackoff: ContainerStep<"image-pull-backoff"> = async (ctx, state) => {
  const { clock } = ctx.services;
  if (state.reason === "ImagePullBackOff") ctx.event("Normal", "BackOff", `Back-off pulling image "${ctx.spec().image ?? ""}"`);
  try {
    await clock.sleep(state.until - clock.now(), ctx.stopSignal);
  } catch (error) {
    if (!isAbort(error, ctx.stopSignal)) throw error;
    return { name: "exited", termination: neverStarted(clock.now()) };
  }
  return { name: "image-pull", lastError: state.message };
};
