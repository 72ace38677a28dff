// The transition every live state takes when its pod must go.
import type { PodContext } from "../pod-context.ts";

export const terminating = (ctx: PodContext) =>
  ({ name: "terminating", gracePeriodMs: ctx.terminationGraceMs(), since: ctx.services.clock.now() }) as const;
