import { describe, expect, test } from "bun:test";
import { type GovernedLimits, type KillReason, LimitGovernor } from "./limit-governor.ts";

/** A governor over one fake process whose CPU and memory the test sets per tick. */
function harness(limits: GovernedLimits, options: { runawayWindowMs?: number; overhead?: number } = {}) {
  const process = { cpu: 0, rss: 0, signals: [] as string[], killedFor: undefined as KillReason | undefined };
  const governor = new LimitGovernor({
    periodMs: 100,
    runawayWindowMs: options.runawayWindowMs ?? 1000,
    processOverheadBytes: options.overhead ?? 0,
    memoryEveryPeriods: 1,
    readCpuMillis: () => process.cpu,
    readResidentBytes: () => process.rss,
    signal: (_pid, signal) => void process.signals.push(signal),
    autoStart: false,
  });
  const governed = governor.govern(42, limits, (reason) => {
    process.killedFor = reason;
  });
  // Whole milliseconds from 0 (the first tick's elapsed time clamps to 0), so
  // token arithmetic at the boundaries is exact.
  let now = 0;
  governor.tick(now);
  /** Advances 100 ms in which the process used `cpuMs` of CPU. */
  const period = (cpuMs: number) => {
    process.cpu += cpuMs;
    now += 100;
    governor.tick(now);
  };
  return { process, governed, period };
}

describe("LimitGovernor", () => {
  test.each([
    // [limit millicores, CPU ms used in each 100 ms period (0 while stopped), signals expected]
    ["within its limit: never stopped", 500, [50, 50, 50, 50, 50], []],
    ["a burst of one period is allowed", 500, [50, 50, 50, 100, 0], []],
    ["over its limit: stopped, then resumed once the debt is paid", 200, [100, 0, 0, 0, 0], ["SIGSTOP", "SIGCONT"]],
    ["a full core under 500m: after its burst, stopped every other period", 500, [100, 100, 0, 100, 0], ["SIGSTOP", "SIGCONT", "SIGSTOP", "SIGCONT"]],
  ] as const)("%s", (_name, limit, usage, expected) => {
    const { process, period } = harness({ cpuLimitMillis: limit }, { runawayWindowMs: 0 });
    for (const used of usage) period(used);
    expect(process.signals).toEqual([...expected]);
  });

  test("a busy guest call over limit × window is killed as CPULimitExceeded", () => {
    const { process, governed, period } = harness({ cpuLimitMillis: 500 });
    governed.busy();
    // Budget: 0.5 × 1000 ms = 500 ms of CPU in one call.
    for (let i = 0; i < 10 && !process.killedFor; i++) period(100);
    expect(process.killedFor).toBe("CPULimitExceeded");
    expect(process.signals.at(-1)).toBe("SIGKILL");
  });

  test("CPU used between calls does not count towards the runaway budget", () => {
    const { process, governed, period } = harness({ cpuLimitMillis: 1000 });
    for (let call = 0; call < 5; call++) {
      governed.busy();
      for (let i = 0; i < 8; i++) period(100);
      governed.idle();
      period(0);
    }
    expect(process.killedFor).toBeUndefined();
  });

  test("a process over its memory limit plus overhead is killed as OOMKilled", () => {
    const { process, period } = harness({ memoryLimitBytes: 1000 }, { overhead: 500 });
    process.rss = 1500;
    period(0);
    expect(process.killedFor).toBeUndefined();
    process.rss = 1501;
    period(0);
    expect(process.killedFor).toBe("OOMKilled");
  });

  test("release resumes a stopped process and stops governing it", () => {
    const { process, governed, period } = harness({ cpuLimitMillis: 100 });
    period(100);
    expect(process.signals).toEqual(["SIGSTOP"]);
    governed.release();
    expect(process.signals).toEqual(["SIGSTOP", "SIGCONT"]);
    period(100);
    expect(process.signals).toEqual(["SIGSTOP", "SIGCONT"]);
  });

  test("a process without limits is not watched at all", () => {
    const { process, governed, period } = harness({});
    governed.busy();
    process.rss = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < 50; i++) period(100);
    expect(process.signals).toEqual([]);
  });
});
