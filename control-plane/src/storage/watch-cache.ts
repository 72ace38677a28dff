// One per process: tails the change log once and fans it out to every watch.
// The log is the truth; notifications and the safety poll only say "look now".
import {
  type ChangeEvent,
  type KubeObject,
  StoreError,
  type Watch,
  type WatchEvent,
  type WatchOptions,
} from "./store.ts";

/** Where the cache reads from. */
export interface ChangeSource {
  /** Up to `limit` changes with revision > `after`, in revision order. */
  readChanges(after: number, limit: number): Promise<ChangeEvent[]>;
  currentRevision(): Promise<number>;
  compactedRevision(): Promise<number>;
  /** Calls `wake` on every notification and reconnect; resolves to an unsubscribe. */
  subscribe(wake: (revision?: number) => void): Promise<() => Promise<void>>;
}

export interface WatchCacheOptions {
  /** Recent events kept in memory; watches from older revisions read the log. */
  capacity?: number;
  /** The safety poll that covers lost notifications. */
  pollIntervalMs?: number;
  bookmarkIntervalMs?: number;
  /** Events a watcher may have pending before it is closed as too slow. */
  watcherBufferSize?: number;
  /** Reports the first failure of the tailing loop, which retries on the next wake. */
  onError?: (error: unknown) => void;
  /** Reports that reading works again after a failure. */
  onRecover?: () => void;
}

const READ_BATCH = 1000;

export class WatchCache {
  private readonly capacity: number;
  private readonly pollIntervalMs: number;
  private readonly bookmarkIntervalMs: number;
  private readonly bufferSize: number;
  private readonly onError: (error: unknown) => void;
  private readonly onRecover: () => void;

  /** Ring of recent events; `ring[ringStart]` is the oldest. */
  private ring: ChangeEvent[] = [];
  private ringStart = 0;
  /** The ring holds every event with revision in (base, last]. */
  private base = 0;
  private last = 0;
  private readonly watchers = new Set<CacheWatcher>();
  private pulling = false;
  private again = false;
  private stopped = false;
  private failing = false;
  private pullDone: Promise<void> = Promise.resolve();
  private timers: ReturnType<typeof setInterval>[] = [];
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly caughtUpWaiters: { revision: number; resolve: () => void }[] = [];

  constructor(
    private readonly source: ChangeSource,
    options: WatchCacheOptions = {},
  ) {
    this.capacity = options.capacity ?? 10_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
    this.bufferSize = options.watcherBufferSize ?? 10_000;
    this.onError =
      options.onError ?? ((e) => console.error(`watch cache: reading the change log failed (retrying): ${(e as Error).message ?? e}`));
    this.onRecover = options.onRecover ?? (() => console.error("watch cache: reading the change log works again"));
  }

  async start(): Promise<void> {
    // Subscribe before reading the revision, so a write in between still wakes us.
    let started = false;
    this.unsubscribe = await this.source.subscribe((revision) => {
      if (started && (revision === undefined || revision > this.last)) this.wake();
    });
    this.last = this.base = await this.source.currentRevision();
    started = true;
    this.wake();
    this.timers.push(setInterval(() => this.wake(), this.pollIntervalMs));
    this.timers.push(setInterval(() => this.sendBookmarks(), this.bookmarkIntervalMs));
    for (const t of this.timers) t.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const w of [...this.watchers]) w.close();
    await this.unsubscribe?.();
    // A read already under way must finish before the caller closes the database.
    await this.pullDone;
  }

  /** The newest revision the cache has delivered. */
  get revision(): number {
    return this.last;
  }

  /** Resolves once the cache has delivered `revision` (used after a write to read one's own change). */
  waitFor(revision: number): Promise<void> {
    if (revision <= this.last) return Promise.resolve();
    this.wake();
    return new Promise((resolve) => this.caughtUpWaiters.push({ revision, resolve }));
  }

  wake(): void {
    if (this.stopped) return;
    if (this.pulling) {
      this.again = true;
      return;
    }
    this.pullDone = this.pull();
  }

  private async pull(): Promise<void> {
    this.pulling = true;
    try {
      do {
        this.again = false;
        for (;;) {
          const batch = await this.source.readChanges(this.last, READ_BATCH);
          for (const event of batch) this.append(event);
          if (batch.length < READ_BATCH) break;
        }
      } while (this.again);
      if (this.failing) {
        this.failing = false;
        this.onRecover();
      }
    } catch (error) {
      // The next notification, reconnect or poll tries again from `last`;
      // an outage is reported once, not on every poll.
      if (!this.failing) this.onError(error);
      this.failing = true;
    } finally {
      this.pulling = false;
    }
    this.releaseWaiters();
  }

  private append(event: ChangeEvent): void {
    if (event.revision <= this.last) return;
    this.ring.push(event);
    if (this.ring.length - this.ringStart > this.capacity) {
      this.base = this.ring[this.ringStart]!.revision;
      this.ringStart++;
      // Drop the evicted prefix in one go now and then, not on every event.
      if (this.ringStart > this.capacity) {
        this.ring = this.ring.slice(this.ringStart);
        this.ringStart = 0;
      }
    }
    this.last = event.revision;
    for (const w of this.watchers) w.offer(event);
  }

  private releaseWaiters(): void {
    for (let i = this.caughtUpWaiters.length - 1; i >= 0; i--) {
      const waiter = this.caughtUpWaiters[i]!;
      if (waiter.revision <= this.last) {
        this.caughtUpWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private sendBookmarks(): void {
    for (const w of this.watchers) w.bookmark();
  }

  /** Starts a watch after `options.fromRevision` (default: the newest revision in the database). */
  async watch(options: WatchOptions): Promise<Watch> {
    const from = options.fromRevision ?? (await this.source.currentRevision());
    const watcher = new CacheWatcher(options, from, this.bufferSize, () => this.watchers.delete(watcher));
    if (from >= this.base) {
      // The ring covers everything after `from`: replay and subscribe without
      // yielding, so no event can fall between the two.
      for (let i = this.ringStart; i < this.ring.length; i++) watcher.offer(this.ring[i]!);
      this.watchers.add(watcher);
      return watcher;
    }
    const compacted = await this.source.compactedRevision();
    if (from < compacted) {
      throw new StoreError("Expired", `too old resource version: ${from} (${compacted})`);
    }
    // Older than the ring: hold live events while the reader pages through
    // the log from `from`, at its own pace.
    watcher.catchUpFrom((after) => this.source.readChanges(after, READ_BATCH));
    this.watchers.add(watcher);
    return watcher;
  }
}

class CacheWatcher implements Watch {
  readonly startRevision: number;
  /** The revision of the newest event offered to this watcher. */
  position: number;
  error: StoreError | undefined;
  private queue: WatchEvent[] = [];
  private head = 0;
  private held: ChangeEvent[] | undefined;
  private backlog: ((after: number) => Promise<ChangeEvent[]>) | undefined;
  private closed = false;
  private wakeReader: (() => void) | undefined;
  private readonly onAbort = () => this.close();

  constructor(
    private readonly options: WatchOptions,
    from: number,
    private readonly bufferSize: number,
    private readonly detach: () => void,
  ) {
    this.startRevision = from;
    this.position = from;
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
    if (options.signal?.aborted) this.close();
  }

  catchUpFrom(read: (after: number) => Promise<ChangeEvent[]>): void {
    this.held = [];
    this.backlog = read;
  }

  /** Reads one page of the log; when it is the last, switches to live events. */
  private async readBacklog(read: (after: number) => Promise<ChangeEvent[]>): Promise<void> {
    let batch: ChangeEvent[];
    try {
      batch = await read(this.position);
    } catch (error) {
      this.error =
        error instanceof StoreError ? error : new StoreError("Unavailable", "reading the change log failed", { cause: error });
      this.close();
      return;
    }
    for (const event of batch) this.deliver(event);
    if (batch.length < READ_BATCH) {
      const held = this.held ?? [];
      this.held = undefined;
      this.backlog = undefined;
      for (const event of held) this.deliver(event);
    }
  }

  offer(event: ChangeEvent): void {
    if (this.closed) return;
    if (this.held) {
      this.held.push(event);
      if (this.held.length > this.bufferSize) this.fail();
      return;
    }
    this.deliver(event);
  }

  deliver(event: ChangeEvent): void {
    if (this.closed || event.revision <= this.position) return;
    this.position = event.revision;
    const converted = this.convert(event);
    if (!converted) return;
    if (this.queue.length - this.head >= this.bufferSize) return this.fail();
    this.queue.push(converted);
    this.wake();
  }

  bookmark(): void {
    if (this.closed || !this.options.bookmarks || this.held || this.queue.length > this.head) return;
    this.queue.push({ type: "BOOKMARK", revision: this.position });
    this.wake();
  }

  /** Applies the resource, namespace and predicate filters, Kubernetes' way. */
  private convert(event: ChangeEvent): ChangeEvent | undefined {
    const { resource, namespace, predicate } = this.options;
    if (resource !== undefined && event.resource !== resource) return undefined;
    if (namespace !== undefined && event.namespace !== namespace) return undefined;
    if (!predicate) return event;
    const now = predicate(event.object);
    if (event.type !== "MODIFIED") return now ? event : undefined;
    const before = event.previous !== null && predicate(event.previous);
    if (now) return before ? event : { ...event, type: "ADDED" };
    if (!before) return undefined;
    // Left the selection: a DELETED carrying its last matching state at this revision.
    const last: KubeObject = {
      ...event.previous!,
      metadata: { ...event.previous!.metadata, resourceVersion: String(event.revision) },
    };
    // Another object than the stored one: its text must be made afresh.
    return { ...event, type: "DELETED", object: last, json: undefined };
  }

  private fail(): void {
    this.error = new StoreError("TooSlow", "the watcher fell too far behind and was closed; re-list and watch again");
    this.close();
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.held = undefined;
    this.options.signal?.removeEventListener("abort", this.onAbort);
    this.detach();
    this.wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    try {
      for (;;) {
        if (this.head < this.queue.length) {
          const event = this.queue[this.head]!;
          this.queue[this.head++] = undefined as unknown as WatchEvent;
          if (this.head > 1024 && this.head * 2 > this.queue.length) {
            this.queue = this.queue.slice(this.head);
            this.head = 0;
          }
          yield event;
        } else if (this.closed) {
          return;
        } else if (this.backlog) {
          await this.readBacklog(this.backlog);
        } else {
          await new Promise<void>((resolve) => (this.wakeReader = resolve));
        }
      }
    } finally {
      this.close();
    }
  }
}
