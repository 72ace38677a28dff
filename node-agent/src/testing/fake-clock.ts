// A Clock that moves only when a test says so. Sleepers wake in deadline
// order when advance() passes their deadline; tests then await the effect
// (never a real sleep) with `eventually`.
import type { Clock } from "../clock.ts";

interface Sleeper {
  at: number;
  resolve: () => void;
}

export class FakeClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];
  #watchers: (() => void)[] = [];

  constructor(start = Date.parse("2030-01-01T00:00:00Z")) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (ms <= 0) return resolve();
      const sleeper: Sleeper = {
        at: this.#now + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.push(sleeper);
      for (const wake of this.#watchers.splice(0)) wake();
    });
  }

  /** Moves time forward, waking every sleeper whose deadline has come, earliest first. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#now = Math.max(this.#now, due.at);
      this.#sleepers = this.#sleepers.filter((s) => s !== due);
      due.resolve();
    }
    this.#now = target;
  }

  /** How many waits are pending. */
  get sleeping(): number {
    return this.#sleepers.length;
  }

  /** Milliseconds until the earliest pending wait ends (undefined: none). */
  get nextWakeIn(): number | undefined {
    const next = Math.min(...this.#sleepers.map((s) => s.at));
    return Number.isFinite(next) ? next - this.#now : undefined;
  }

  /** Resolves once some wait is pending: the moment a test may advance past it. */
  untilSleeping(): Promise<void> {
    return this.#sleepers.length > 0 ? Promise.resolve() : new Promise((resolve) => this.#watchers.push(resolve));
  }
}
