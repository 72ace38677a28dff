// Syncs a key again at a given time (minReadySeconds passing, a progress
// deadline, expectations expiring). Keeps the earliest time asked for per
// key: WorkQueue.addAfter keeps the first timer, which may be the later one.
import type { WorkQueue } from "../runtime/work-queue.ts";

export class Requeue {
  private readonly timers = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly queue: () => WorkQueue | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  at(key: string, when: number): void {
    const existing = this.timers.get(key);
    if (existing && existing.at <= when) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.queue()?.add(key);
    }, Math.max(0, when - this.now()));
    timer.unref?.();
    this.timers.set(key, { at: when, timer });
  }

  after(key: string, delayMs: number): void {
    this.at(key, this.now() + delayMs);
  }
}
