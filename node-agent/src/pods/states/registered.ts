// registered: the agent has the pod and has saved it. The kubelet's
// admission runs here: a pod the node cannot take fails at once.
import type { PodStep } from "../pod-states.ts";
import { terminating } from "./terminate.ts";

export const registered: PodStep<"registered"> = async (ctx) => {
  if (ctx.terminate.aborted) return terminating(ctx);
  const rejection = ctx.services.admit(ctx.pod());
  if (rejection) {
    ctx.event("Warning", rejection.reason, rejection.message);
    return { name: "completed", phase: "Failed", ...rejection };
  }
  return { name: "preparing", attempt: 0 };
};
