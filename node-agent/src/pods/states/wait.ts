// Waiting for a pod's containers or a back-off, cut short by termination.
import type { Clock } from "../../clock.ts";

/** Resolves true when `work` settled first, false when `signal` aborted first. */
export async function unlessTerminated(work: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let onAbort!: () => void;
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work.then(() => true), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Sleeps until `until`; false when the signal aborted first. */
export function sleepUnlessTerminated(clock: Clock, until: number, signal: AbortSignal): Promise<boolean> {
  return unlessTerminated(
    clock.sleep(until - clock.now(), signal).catch(() => undefined),
    signal,
  );
}
