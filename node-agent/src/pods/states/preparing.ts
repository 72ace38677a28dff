// preparing: gives the pod its address and sets up its volumes. A volume that
// cannot be set up yet (a ConfigMap not created yet, an unreachable API with
// no saved copy) is a FailedMount event and another try after back-off.
import { backoffDelay } from "../backoff.ts";
import type { PodStep } from "../pod-states.ts";
import { MountError } from "../../volumes/volume-plugin.ts";
import { terminating } from "./terminate.ts";
import { sleepUnlessTerminated } from "./wait.ts";

export const preparing: PodStep<"preparing"> = async (ctx, state) => {
  const { services, record } = ctx;
  if (state.until !== undefined && !(await sleepUnlessTerminated(services.clock, state.until, ctx.terminate))) return terminating(ctx);
  if (ctx.terminate.aborted) return terminating(ctx);
  const pod = ctx.pod();
  try {
    if (pod.spec?.hostNetwork) {
      record.podIPs = [record.hostIP];
    } else {
      const network = await services.network.setUp(record);
      record.podIPs = network.ips;
      if (network.netnsPath) record.netnsPath = network.netnsPath;
    }
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    ctx.event("Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${message}`);
    return retry(ctx, state.attempt, message);
  }
  try {
    ctx.volumes = await services.volumes.setUp(pod, record);
  } catch (error) {
    if (!(error instanceof MountError)) throw error;
    const message = `MountVolume.SetUp failed for volume "${error.volume}" : ${error.message}`;
    ctx.event("Warning", "FailedMount", message);
    return retry(ctx, state.attempt, message);
  }
  return { name: "initializing" };
};

function retry(ctx: Parameters<PodStep<"preparing">>[0], attempt: number, lastError: string) {
  const until = ctx.services.clock.now() + backoffDelay(ctx.services.backoff, attempt + 1);
  return { name: "preparing", attempt: attempt + 1, until, lastError } as const;
}
