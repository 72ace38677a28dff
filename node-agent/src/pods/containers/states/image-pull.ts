// image-pull: resolves the container's image through the ImageService, as
// its imagePullPolicy says. IfNotPresent first asks the store alone (policy
// Never), so events say truthfully whether anything was fetched. When a
// pull from the registry fails for want of the registry, a copy this node
// already holds is used: an edge node keeps its pods up while its registry
// (or its whole uplink) is away.
import { defaultPullPolicy } from "../../../../../schemas/defaults.ts";
import { ImageError } from "../../../images/errors.ts";
import type { PullPolicy } from "../../../images/image-service.ts";
import type { ResolvedImage } from "../../../runtime/runtime.ts";
import { backoffDelay } from "../../backoff.ts";
import type { ContainerContext } from "../container-context.ts";
import type { ContainerStep, ImagePullWaitingReason } from "../container-states.ts";
import { neverStarted } from "./termination.ts";

/** Failures that say the registry could not be asked, rather than what it answered. */
const TRANSIENT: ReadonlySet<string> = new Set(["Unreachable", "Registry"]);

export const imagePull: ContainerStep<"image-pull"> = async (ctx) => {
  const { record, services } = ctx;
  const reference = ctx.spec().image ?? "";
  const policy: PullPolicy = ctx.spec().imagePullPolicy ?? defaultPullPolicy(reference);
  try {
    record.image = await resolve(ctx, reference, policy);
    record.pullFailures = 0;
    return { name: "starting" };
  } catch (error) {
    if (ctx.stopSignal.aborted) return { name: "exited", termination: neverStarted(services.clock.now()) };
    const imageError = error instanceof ImageError ? error : new ImageError("Registry", (error as Error).message ?? String(error), { cause: error });
    record.pullFailures++;
    const [reason, message] = describe(imageError, reference, policy);
    ctx.event("Warning", imageError.reason === "InvalidImageName" ? "InspectFailed" : imageError.reason === "ErrImageNeverPull" ? "ErrImageNeverPull" : "Failed", message);
    ctx.event("Warning", "Failed", `Error: ${imageError.reason}`);
    const until = services.clock.now() + backoffDelay(services.backoff, record.pullFailures);
    return { name: "image-pull-backoff", until, reason, message };
  }
};

async function resolve(ctx: ContainerContext, reference: string, policy: PullPolicy): Promise<ResolvedImage> {
  const { services } = ctx;
  const pull = async (pullPolicy: PullPolicy) =>
    services.images.pull(reference, { pullPolicy, pullSecrets: await services.pullSecrets(), signal: ctx.stopSignal });
  if (policy !== "Always") {
    try {
      const present = await pull("Never");
      ctx.event("Normal", "Pulled", `Container image "${reference}" already present on machine`);
      return present;
    } catch (error) {
      if (policy === "Never" || !(error instanceof ImageError && error.code === "NeverPull")) throw error;
    }
  }
  ctx.event("Normal", "Pulling", `Pulling image "${reference}"`);
  const began = performance.now();
  try {
    const image = await pull(policy);
    const took = ((performance.now() - began) / 1000).toFixed(3);
    ctx.event("Normal", "Pulled", `Successfully pulled image "${reference}" in ${took}s (${took}s including waiting)`);
    return image;
  } catch (error) {
    if (!(error instanceof ImageError && TRANSIENT.has(error.code))) throw error;
    const local = await pull("Never").catch(() => undefined);
    if (!local) throw error;
    ctx.event("Warning", "Failed", `Failed to pull image "${reference}": ${error.message}; using the copy already on this node`);
    return local;
  }
}

function describe(error: ImageError, reference: string, policy: PullPolicy): [ImagePullWaitingReason, string] {
  switch (error.reason) {
    case "InvalidImageName":
      return ["InvalidImageName", `Failed to apply default image tag "${reference}": couldn't parse image name "${reference}": ${error.message}`];
    case "ErrImageNeverPull":
      return ["ErrImageNeverPull", `Container image "${reference}" is not present with pull policy of ${policy}`];
    case "ErrImagePull":
      return ["ImagePullBackOff", `Failed to pull image "${reference}": ${error.message}`];
  }
}
