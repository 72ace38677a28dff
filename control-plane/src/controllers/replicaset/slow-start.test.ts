import { expect, test } from "bun:test";
import { slowStartBatch } from "./slow-start.ts";

test("batches double: 1, 2, 4, 8 … up to the count", async () => {
  const batches: number[] = [];
  let inFlight = 0;
  let batch = 0;
  const result = await slowStartBatch(20, 1, async () => {
    if (inFlight === 0) batches.push((batch = 0));
    inFlight++;
    batch++;
    batches[batches.length - 1] = batch;
    await Promise.resolve();
    inFlight--;
  });
  expect(result).toEqual({ successes: 20 });
  expect(batches).toEqual([1, 2, 4, 8, 5]);
});

test("stops after the first batch with a failure, counting that batch's successes", async () => {
  let calls = 0;
  const result = await slowStartBatch(1000, 1, async () => {
    calls++;
    // Calls 1..3 succeed (batches 1 and 2); in the batch of 4, the 5th call fails.
    if (calls === 5) throw new Error("quota exceeded");
  });
  expect(calls).toBe(7);
  expect(result.successes).toBe(6);
  expect((result.error as Error).message).toBe("quota exceeded");
});

test("a failing first call is the only call", async () => {
  let calls = 0;
  const result = await slowStartBatch(500, 1, async () => {
    calls++;
    throw new Error("forbidden");
  });
  expect(calls).toBe(1);
  expect(result.successes).toBe(0);
});

test("nothing to do", async () => {
  expect(await slowStartBatch(0, 1, async () => {})).toEqual({ successes: 0 });
});
