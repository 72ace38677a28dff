// A probe's schedule and thresholds, on a clock the test moves: when the first
// attempt comes, how many failures or successes flip the verdict, what each
// kind does once decided.
import { describe, expect, test } from "bun:test";
import { FakeClock } from "../testing/fake-clock.ts";
import { failure, type ProbeResult, success } from "./probe-result.ts";
import { type ProbeKind, runProbeWorker, timingsOf } from "./probe-worker.ts";

interface Run {
  clock: FakeClock;
  attempts: number[];
  verdicts: boolean[];
  events: string[];
  results: ProbeResult[];
  controller: AbortController;
  done: Promise<void>;
}

/** Starts a worker whose attempts answer from `results` (the last one repeats). */
function start(kind: ProbeKind, probe: Parameters<typeof timingsOf>[0], results: ProbeResult[]): Run {
  const clock = new FakeClock(0);
  const controller = new AbortController();
  const run: Run = { clock, attempts: [], verdicts: [], events: [], results, controller, done: Promise.resolve() };
  run.done = runProbeWorker({
    kind,
    timings: timingsOf(probe, kind),
    attempt: async () => {
      run.attempts.push(clock.now());
      return run.results.length > 1 ? run.results.shift()! : run.results[0]!;
    },
    clock,
    signal: controller.signal,
    verdict: (healthy) => run.verdicts.push(healthy),
    unhealthy: (message) => run.events.push(message),
  });
  return run;
}

/** Lets the worker reach its next wait, moves the clock `ms`, and lets it reach the wait after (or finish). */
async function tick(run: Run, ms: number): Promise<void> {
  await Promise.race([run.clock.untilSleeping(), run.done]);
  run.clock.advance(ms);
  await Promise.race([run.clock.untilSleeping(), run.done]);
}

describe("timings", () => {
  test("Kubernetes' defaults", () => {
    expect(timingsOf({}, "Liveness")).toEqual({ initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1_000, successThreshold: 1, failureThreshold: 3 });
  });

  test("liveness and startup succeed on one success whatever they say; readiness honours successThreshold", () => {
    expect(timingsOf({ successThreshold: 3 }, "Liveness").successThreshold).toBe(1);
    expect(timingsOf({ successThreshold: 3 }, "Startup").successThreshold).toBe(1);
    expect(timingsOf({ successThreshold: 3 }, "Readiness").successThreshold).toBe(3);
  });
});

describe("a liveness probe", () => {
  test("waits initialDelaySeconds, probes every periodSeconds, and fails after failureThreshold failures in a row", async () => {
    const run = start("Liveness", { initialDelaySeconds: 5, periodSeconds: 2, failureThreshold: 3 }, [success(), failure("HTTP probe failed with statuscode: 500")]);
    await run.clock.untilSleeping();
    expect(run.attempts).toEqual([]);
    await tick(run, 5_000);
    for (let i = 0; i < 3; i++) await tick(run, 2_000);
    await run.done;
    expect(run.attempts).toEqual([5_000, 7_000, 9_000, 11_000]);
    expect(run.verdicts).toEqual([true, false]);
    expect(run.events).toEqual(Array(3).fill("Liveness probe failed: HTTP probe failed with statuscode: 500"));
  });

  test("a success in between starts the count again", async () => {
    const run = start("Liveness", { periodSeconds: 1, failureThreshold: 2 }, [failure("x"), success(), failure("x"), failure("x")]);
    for (let i = 0; i < 3; i++) await tick(run, 1_000);
    await run.done;
    expect(run.attempts).toHaveLength(4);
    expect(run.verdicts).toEqual([true, false]);
  });
});

describe("a readiness probe", () => {
  test("turns ready after successThreshold successes and unready after failureThreshold failures, and keeps going", async () => {
    const run = start("Readiness", { periodSeconds: 1, successThreshold: 2, failureThreshold: 2 }, [success(), success(), failure("x"), failure("x"), success(), success()]);
    for (let i = 0; i < 5; i++) await tick(run, 1_000);
    expect(run.verdicts).toEqual([true, false, true]);
    run.controller.abort();
    await run.done;
  });
});

describe("a startup probe", () => {
  test("ends at its first success", async () => {
    const run = start("Startup", { periodSeconds: 1, failureThreshold: 30 }, [failure("x"), failure("x"), success()]);
    for (let i = 0; i < 2; i++) await tick(run, 1_000);
    await run.done;
    expect(run.verdicts).toEqual([true]);
    expect(run.attempts).toHaveLength(3);
  });

  test("fails for good after failureThreshold failures", async () => {
    const run = start("Startup", { periodSeconds: 1, failureThreshold: 2 }, [failure("x")]);
    await tick(run, 1_000);
    await run.done;
    expect(run.verdicts).toEqual([false]);
  });
});
