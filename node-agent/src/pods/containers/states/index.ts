// The step of each container state, one file each.
import type { ContainerSteps } from "../container-states.ts";
import { crashLoopBackoff } from "./crash-loop-backoff.ts";
import { imagePullBackoff } from "./image-pull-backoff.ts";
import { imagePull } from "./image-pull.ts";
import { running } from "./running.ts";
import { starting } from "./starting.ts";
import { waiting } from "./waiting.ts";

export const containerSteps: ContainerSteps = {
  waiting,
  "image-pull": imagePull,
  "image-pull-backoff": imagePullBackoff,
  starting,
  running,
  "crash-loop-backoff": crashLoopBackoff,
};
