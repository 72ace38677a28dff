// A task run now and then every `ms` on the agent's clock until the signal
// aborts; a failing run is reported and the schedule goes on.
import type { Clock } from "./clock.ts";

export async function every(clock: Clock, ms: number, signal: AbortSignal, task: () => unknown, onError: (error: unknown) => void): Promise<void> {
  while (!signal.aborted) {
    try {
      await task();
    } catch (error) {
      onError(error);
    }
    await clock.sleep(ms, signal).catch(() => undefined);
  }
}
