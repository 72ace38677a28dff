// Trims the change log on a schedule, the way kube-apiserver compacts etcd:
// each tick compacts up to the revision that was current one tick earlier, so
// the log always keeps at least one interval of history for watches to resume.
import type { Store } from "./store.ts";

export interface Compactor {
  /** Runs one tick now (tests call it instead of waiting for the timer). */
  tick(): Promise<void>;
  stop(): void;
}

export function startCompactor(
  store: Pick<Store, "currentRevision" | "compact">,
  options: { intervalMs: number; onError?: (error: unknown) => void },
): Compactor {
  let previous: number | undefined;
  const onError = options.onError ?? ((e) => console.error("compaction failed:", e));
  const tick = async () => {
    const current = await store.currentRevision();
    if (previous !== undefined && previous > 0) await store.compact(previous);
    previous = current;
  };
  const timer = setInterval(() => tick().catch(onError), options.intervalMs);
  timer.unref?.();
  return { tick, stop: () => clearInterval(timer) };
}
