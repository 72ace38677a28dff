// controller.slowStartBatch: calls `fn` `count` times in batches of 1, 2, 4, …
// running each batch in parallel and stopping at the first batch with a
// failure. Many creations that would all fail the same way (a quota, a
// bad template) then fail once or twice rather than a thousand times, while
// creations that succeed still finish in log2(count) round trips.

export const SLOW_START_INITIAL_BATCH_SIZE = 1;

export interface SlowStartResult {
  successes: number;
  /** The first error of the batch that stopped the run. */
  error?: unknown;
}

export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    successes += batch - failed.length;
    if (failed.length > 0) return { successes, error: failed[0]!.reason };
    remaining -= batch;
  }
  return { successes };
}
