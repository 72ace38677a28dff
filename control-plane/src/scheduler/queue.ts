// The scheduling queue (kube-scheduler's PriorityQueue) as a pure data
// structure: time comes from an injected clock and nothing here sleeps or
// sets timers; the caller asks nextBackoffExpiry() when to call flush().
//
//   add ──► active (priority, then FIFO) ──pop──► in flight ──done──► gone
//                ▲        ▲                          │
//                │        └──── backoff ◄── error ───┤ (or a cluster event
//                │       (1 s doubling to 10 s)      │  during the attempt)
//                └── cluster event ── unschedulable ◄┘
//
// Pods whose schedulingGates are not empty wait aside until an update clears them.

import type { Pod } from "../../../schemas/index.ts";
import { type ClusterEvent, pendingPodUpdateMatters } from "./cluster-events.ts";
import { KeyedHeap } from "./heap.ts";
import { podKey } from "./pod-info.ts";

export interface QueuedPod {
  readonly key: string;
  /** The newest version seen, even while in flight. */
  pod: Pod;
  /** Scheduling attempts so far; drives the backoff. */
  attempts: number;
  /** When it last entered a queue: FIFO order among equal priorities, and the start of its backoff. */
  timestamp: number;
  /** When it first entered the queue, for latency metrics. */
  readonly firstSeen: number;
  /** The plugins that rejected it last time; only events they care about wake it. */
  unschedulablePlugins: ReadonlySet<string>;
  /** The scheduling cycle that popped it last. */
  cycle: number;
  /** Monotonic insertion number: a total order where timestamps tie. */
  seq: number;
}

export interface QueueOptions {
  /** Milliseconds; injected so tests move time instead of sleeping. */
  readonly now: () => number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A pod left unschedulable this long is retried even if no event woke it (kube: 5 min). */
  readonly maxUnschedulableMs?: number;
  /**
   * Whether an event may help a pod the given plugins rejected; the
   * framework's interestedIn(). Default: every event helps every pod.
   */
  readonly isRelevant?: (event: ClusterEvent, unschedulablePlugins: ReadonlySet<string>) => boolean;
}

export interface QueueStats {
  readonly active: number;
  readonly backoff: number;
  readonly unschedulable: number;
  readonly gated: number;
  readonly inFlight: number;
}

const priorityOf = (pod: Pod): number => pod.spec?.priority ?? 0;
const isGated = (pod: Pod): boolean => (pod.spec?.schedulingGates?.length ?? 0) > 0;

export class SchedulingQueue {
  private readonly active = new KeyedHeap<QueuedPod>(
    (p) => p.key,
    (a, b) => {
      const pa = priorityOf(a.pod);
      const pb = priorityOf(b.pod);
      if (pa !== pb) return pa > pb;
      return a.timestamp !== b.timestamp ? a.timestamp < b.timestamp : a.seq < b.seq;
    },
  );
  private readonly backoff = new KeyedHeap<QueuedPod>(
    (p) => p.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly gated = new Map<string, QueuedPod>();
  private readonly inFlight = new Map<string, QueuedPod>();
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly isRelevant: (event: ClusterEvent, plugins: ReadonlySet<string>) => boolean;
  private schedulingCycle = 0;
  /** The cycle during which the last cluster event arrived. */
  private moveRequestCycle = -1;
  private seq = 0;

  constructor(options: QueueOptions) {
    this.now = options.now;
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = options.maxUnschedulableMs ?? 5 * 60_000;
    this.isRelevant = options.isRelevant ?? (() => true);
  }

  /** A pod waiting to be scheduled appeared (or the informer re-listed it). */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.has(key)) {
      this.update(pod);
      return;
    }
    const now = this.now();
    const entry: QueuedPod = { key, pod, attempts: 0, timestamp: now, firstSeen: now, unschedulablePlugins: new Set(), cycle: -1, seq: this.seq++ };
    if (isGated(pod)) this.gated.set(key, entry);
    else this.active.push(entry);
  }

  /** A waiting pod changed. Changes that could make it schedulable end its wait. */
  update(pod: Pod): void {
    const key = podKey(pod);
    const flying = this.inFlight.get(key);
    if (flying !== undefined) {
      flying.pod = pod;
      return;
    }
    const gated = this.gated.get(key);
    if (gated !== undefined) {
      gated.pod = pod;
      if (!isGated(pod)) {
        this.gated.delete(key);
        gated.timestamp = this.now();
        this.active.push(gated);
      }
      return;
    }
    const waiting = this.active.get(key) ?? this.backoff.get(key);
    if (waiting !== undefined) {
      waiting.pod = pod;
      // Priority may have changed: re-push to restore order. A backing-off pod keeps its expiry.
      if (this.active.has(key)) this.active.push(waiting);
      return;
    }
    const parked = this.unschedulable.get(key);
    if (parked !== undefined) {
      const old = parked.pod;
      parked.pod = pod;
      if (pendingPodUpdateMatters(old, pod)) {
        this.unschedulable.delete(key);
        this.activateOrBackoff(parked);
      }
      return;
    }
    this.add(pod);
  }

  /** The pod was deleted, or bound by someone else: forget it everywhere. */
  delete(pod: Pod | string): void {
    const key = typeof pod === "string" ? pod : podKey(pod);
    this.active.remove(key);
    this.backoff.remove(key);
    this.unschedulable.delete(key);
    this.gated.delete(key);
    this.inFlight.delete(key);
  }

  /** The next pod to schedule, highest priority first; undefined when none is ready. */
  pop(): QueuedPod | undefined {
    this.flushBackoff();
    const next = this.active.pop();
    if (next === undefined) return undefined;
    next.attempts++;
    next.cycle = ++this.schedulingCycle;
    this.inFlight.set(next.key, next);
    return next;
  }

  /** The popped pod is finished with (bound, or given up on). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * The popped pod fits nowhere. It waits for a cluster event that concerns
   * one of the plugins that rejected it — unless such an event already came
   * while it was being scheduled, in which case it only backs off.
   */
  requeueUnschedulable(entry: QueuedPod, unschedulablePlugins: ReadonlySet<string>): void {
    const current = this.takeInFlight(entry.key);
    if (current === undefined) return;
    current.unschedulablePlugins = unschedulablePlugins;
    if (isGated(current.pod)) this.gated.set(current.key, current);
    else if (this.moveRequestCycle >= current.cycle) this.backoff.push(current);
    else this.unschedulable.set(current.key, current);
  }

  /** The attempt failed for a reason other than fit (a plugin error, a failed binding): retry after backoff. */
  requeueAfterError(entry: QueuedPod): void {
    const current = this.takeInFlight(entry.key);
    if (current === undefined) return;
    current.unschedulablePlugins = new Set();
    this.backoff.push(current);
  }

  /** The cluster changed: wake the unschedulable pods the change may help. Returns how many woke. */
  moveAllToActiveOrBackoff(event: ClusterEvent): number {
    this.moveRequestCycle = this.schedulingCycle;
    let moved = 0;
    for (const [key, entry] of this.unschedulable) {
      if (entry.unschedulablePlugins.size > 0 && !this.isRelevant(event, entry.unschedulablePlugins)) continue;
      this.unschedulable.delete(key);
      this.activateOrBackoff(entry);
      moved++;
    }
    return moved;
  }

  /**
   * Periodic upkeep (kube runs it every second): pods whose backoff ended
   * become active, and pods unschedulable for too long are retried anyway.
   */
  flush(): void {
    this.flushBackoff();
    const now = this.now();
    for (const [key, entry] of this.unschedulable) {
      if (now - entry.timestamp < this.maxUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.activateOrBackoff(entry);
    }
  }

  /** When the earliest backoff ends, for the caller's timer; undefined when nothing backs off. */
  nextBackoffExpiry(): number | undefined {
    const top = this.backoff.peek();
    return top === undefined ? undefined : this.backoffExpiry(top);
  }

  has(key: string): boolean {
    return this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key) || this.gated.has(key) || this.inFlight.has(key);
  }

  stats(): QueueStats {
    return {
      active: this.active.size,
      backoff: this.backoff.size,
      unschedulable: this.unschedulable.size,
      gated: this.gated.size,
      inFlight: this.inFlight.size,
    };
  }

  /** 1 s after the first failure, doubling per attempt, at most 10 s. */
  backoffDuration(attempts: number): number {
    let duration = this.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      duration *= 2;
      if (duration >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return Math.min(duration, this.maxBackoffMs);
  }

  private backoffExpiry(entry: QueuedPod): number {
    return entry.timestamp + this.backoffDuration(entry.attempts);
  }

  private takeInFlight(key: string): QueuedPod | undefined {
    const current = this.inFlight.get(key);
    // Deleted while being scheduled: nothing to requeue.
    if (current === undefined) return undefined;
    this.inFlight.delete(key);
    current.timestamp = this.now();
    return current;
  }

  private activateOrBackoff(entry: QueuedPod): void {
    if (entry.attempts > 0 && this.backoffExpiry(entry) > this.now()) this.backoff.push(entry);
    else this.active.push(entry);
  }

  private flushBackoff(): void {
    const now = this.now();
    for (let top = this.backoff.peek(); top !== undefined && this.backoffExpiry(top) <= now; top = this.backoff.peek()) {
      this.backoff.pop();
      this.active.push(top);
    }
  }
}
