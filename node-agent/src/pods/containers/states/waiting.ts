// waiting: the container has not begun. App containers sit here while init
// containers run; their machines start only when the pod is initialized.
import type { ContainerStep } from "../container-states.ts";
import { neverStarted } from "./termination.ts";

export const waiting: ContainerStep<"waiting"> = async (ctx) => {
  if (ctx.stopSignal.aborted) return { name: "exited", termination: neverStarted(ctx.services.clock.now()) };
  return { name: "image-pull" };
};
