import { expect, test } from "bun:test";
import { backoffDelay, backoffFrom, DEFAULT_BACKOFF } from "./backoff.ts";

test("10 s, doubling, capped at 5 minutes", () => {
  expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelay(DEFAULT_BACKOFF, n))).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
});

test("a smaller base scales the cap and the reset alike", () => {
  expect(backoffFrom(100)).toEqual({ initialMs: 100, maxMs: 3_000, resetAfterMs: 6_000 });
});
