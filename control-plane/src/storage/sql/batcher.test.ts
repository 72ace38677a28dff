import { describe, expect, test } from "bun:test";
import { Batcher, type Outcome } from "./batcher.ts";

/** A batcher whose batches wait until the test lets them go, recording what each held. */
function controlled(options = { inFlight: 1, maxSize: 3 }) {
  const batches: number[][] = [];
  const release: (() => void)[] = [];
  const batcher = new Batcher<number, number>(async (inputs) => {
    batches.push(inputs);
    await new Promise<void>((resolve) => release.push(resolve));
    return inputs.map((n): Outcome<number> => (n < 0 ? { error: new Error(`negative ${n}`) } : { value: n * 10 }));
  }, options);
  return { batcher, batches, releaseNext: () => release.shift()?.() };
}

describe("Batcher", () => {
  test("a lone call goes at once; calls made meanwhile go together in the next batch, at most maxSize each", async () => {
    const { batcher, batches, releaseNext } = controlled();
    const first = batcher.submit(1);
    expect(batches).toEqual([[1]]);
    const rest = [2, 3, 4, 5].map((n) => batcher.submit(n));
    expect(batches).toEqual([[1]]);
    releaseNext();
    expect(await first).toBe(10);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    releaseNext();
    await Bun.sleep(0);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    releaseNext();
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 50]);
  });

  test("inFlight batches go at once", () => {
    const { batcher, batches } = controlled({ inFlight: 2, maxSize: 10 });
    for (const n of [1, 2, 3, 4]) void batcher.submit(n);
    expect(batches).toEqual([[1], [2]]);
  });

  test("an error for one call fails that call only; a failed batch fails all of its calls", async () => {
    const failing = new Batcher<number, number>(async (inputs) => {
      if (inputs.includes(0)) throw new Error("the whole batch");
      return inputs.map((n): Outcome<number> => (n < 0 ? { error: new Error(`negative ${n}`) } : { value: n }));
    }, { inFlight: 1, maxSize: 10 });
    const lone = failing.submit(7);
    const together = [1, -1, 2].map((n) => failing.submit(n));
    expect(await lone).toBe(7);
    const settled = await Promise.allSettled(together);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : (s.reason as Error).message))).toEqual([1, "negative -1", 2]);
    const zero = failing.submit(5);
    const doomed = [0, 3].map((n) => failing.submit(n).catch((e: Error) => e.message));
    expect(await zero).toBe(5);
    expect(await Promise.all(doomed)).toEqual(["the whole batch", "the whole batch"]);
  });
});
