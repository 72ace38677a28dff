// starting: builds the instance's config (environment, mounts, address, log
// file) and asks the runtime to start it. A config that cannot be built yet
// (a missing ConfigMap key, no runtime for the image) is retried after
// back-off without counting as a restart; a runtime that refuses to start
// the instance counts as an instance that exited (StartError, as the kubelet
// reports it).
import { kubeTime, rfc3339 } from "../../../clock.ts";
import { RuntimeSelectionError } from "../../../runtime/runtime-selector.ts";
import type { ContainerHandle } from "../../../runtime/runtime.ts";
import { MountError } from "../../../volumes/volume-plugin.ts";
import { backoffDelay } from "../../backoff.ts";
import type { ContainerContext } from "../container-context.ts";
import type { ContainerNext, ContainerStep, RestartWaitingReason } from "../container-states.ts";
import { ContainerConfigError } from "../env.ts";
import { afterExit, neverStarted, terminationOf } from "./termination.ts";

export const starting: ContainerStep<"starting"> = async (ctx) => {
  const { record, services } = ctx;
  if (ctx.stopSignal.aborted) return { name: "exited", termination: record.lastTermination ?? neverStarted(services.clock.now()) };
  const image = record.image;
  if (!image) return { name: "crash-loop-backoff", ...retryLater(ctx, "CreateContainerError", "the container's image was never resolved") };
  let runtimeName: string;
  let start: () => Promise<ContainerHandle>;
  try {
    const runtime = await services.runtimeFor(image);
    const config = await services.configFor(ctx.spec(), image, record.instances);
    runtimeName = runtime.name;
    start = () => runtime.start(config);
  } catch (error) {
    if (error instanceof ContainerConfigError || error instanceof MountError) return configError(ctx, "CreateContainerConfigError", error.message);
    if (error instanceof RuntimeSelectionError) return configError(ctx, "CreateContainerError", error.message);
    throw error;
  }

  const attempt = record.instances;
  record.instances++;
  if (attempt > 0) record.restartCount++;
  record.started = false;
  record.ready = false;
  ctx.event("Normal", "Created", `Created container ${record.name}`);
  const startedAt = rfc3339(services.clock.now());
  let handle: ContainerHandle;
  try {
    handle = await start();
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    ctx.event("Warning", "Failed", `Error: ${message}`);
    const exit = { exitCode: 128, reason: "StartError", message, finishedAt: rfc3339(services.clock.now()) };
    return afterExit(ctx, terminationOf(exit, startedAt, undefined));
  }
  services.instanceStarted(record.name, attempt);
  ctx.handle = handle;
  const containerID = `${runtimeName}://${handle.id}`;
  if (ctx.stopSignal.aborted) {
    const exit = await handle.stop(ctx.stopGraceMs());
    ctx.handle = undefined;
    return { name: "exited", termination: terminationOf(exit, handle.startedAt, containerID) };
  }
  ctx.event("Normal", "Started", `Started container ${record.name}`);
  return { name: "running", containerID, startedAt: kubeTime(handle.startedAt) };
};

function configError(ctx: ContainerContext, reason: RestartWaitingReason, message: string): ContainerNext<"starting"> {
  ctx.event("Warning", "Failed", `Error: ${message}`);
  return { name: "crash-loop-backoff", ...retryLater(ctx, reason, message) };
}

function retryLater(ctx: ContainerContext, reason: RestartWaitingReason, message: string) {
  const { record, services } = ctx;
  record.crashes++;
  return { until: services.clock.now() + backoffDelay(services.backoff, record.crashes), reason, message };
}
