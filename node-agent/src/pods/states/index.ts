// The step of each pod state, one file each.
import type { PodSteps } from "../pod-states.ts";
import { completed } from "./completed.ts";
import { initializing } from "./initializing.ts";
import { preparing } from "./preparing.ts";
import { registered } from "./registered.ts";
import { running } from "./running.ts";
import { terminating } from "./terminating.ts";

export const podSteps: PodSteps = { registered, preparing, initializing, running, completed, terminating };
