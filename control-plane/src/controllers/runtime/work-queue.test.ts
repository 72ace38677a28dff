import { expect, test } from "bun:test";
import { WorkQueue } from "./work-queue.ts";

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 1));
  }
};

test("a key added many times before it runs is synced once", async () => {
  const queue = new WorkQueue();
  const seen: string[] = [];
  for (let i = 0; i < 5; i++) queue.add("a");
  queue.add("b");
  queue.run(2, async (key) => void seen.push(key), () => {});
  await until(() => seen.length === 2);
  queue.stop();
  expect(seen.sort()).toEqual(["a", "b"]);
});

test("the same key never runs in two workers at once, and a change during a sync runs it again", async () => {
  const queue = new WorkQueue();
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  let release: () => void = () => {};
  queue.run(4, async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    runs++;
    if (runs === 1) await new Promise<void>((r) => (release = r));
    running--;
  }, () => {});
  queue.add("k");
  await until(() => runs === 1);
  queue.add("k");
  queue.add("k");
  release();
  await until(() => runs === 2 && running === 0);
  queue.stop();
  expect(maxRunning).toBe(1);
  expect(runs).toBe(2);
});

test("a failing sync is retried with back-off until it succeeds", async () => {
  const queue = new WorkQueue({ baseDelayMs: 1 });
  let attempts = 0;
  const errors: unknown[] = [];
  queue.run(1, async () => {
    attempts++;
    if (attempts < 3) throw new Error(`attempt ${attempts}`);
  }, (_, e) => errors.push(e));
  queue.add("x");
  await until(() => attempts === 3);
  queue.stop();
  expect(errors.map((e) => (e as Error).message)).toEqual(["attempt 1", "attempt 2"]);
});

test("of two delayed adds of one key, the earlier one wins", async () => {
  const queue = new WorkQueue();
  const seen: number[] = [];
  const start = Date.now();
  queue.run(1, async () => void seen.push(Date.now() - start), () => {});
  queue.addAfter("k", 60_000);
  queue.addAfter("k", 1);
  await until(() => seen.length === 1);
  queue.stop();
  expect(seen[0]!).toBeLessThan(60_000);
});

test("a stopped queue syncs none of the keys still waiting", async () => {
  const queue = new WorkQueue();
  const seen: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  for (const key of ["a", "b", "c"]) queue.add(key);
  const workers = queue.run(1, async (key) => {
    seen.push(key);
    await held;
  }, () => {});
  await until(() => seen.length === 1);
  queue.stop();
  release();
  await Promise.all(workers);
  expect(seen).toEqual(["a"]);
});
