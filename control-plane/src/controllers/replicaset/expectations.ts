// What a controller has asked for and not yet seen in its informer cache
// (ControllerExpectations with UID tracking of deletions): a sync does not
// act again on a key while its own creations and deletions are in flight,
// so a cache that lags never makes it create or delete twice.

/** Kubernetes' ExpectationsTimeout: a lost event cannot block a key for longer. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Record {
  add: number;
  del: number;
  at: number;
}

export class Expectations {
  private readonly records = new Map<string, Record>();
  /** Controller key → keys (namespace/name) of the pods it is deleting. */
  private readonly deleting = new Map<string, Set<string>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  /** True when nothing is outstanding for `key` (or what is has expired). */
  satisfied(key: string): boolean {
    const record = this.records.get(key);
    if (!record) return true;
    if (record.add <= 0 && record.del <= 0) return true;
    return this.now() - record.at > this.ttlMs;
  }

  /** When the outstanding expectations of `key` stop blocking it, if any are outstanding. */
  expiresAt(key: string): number | undefined {
    const record = this.records.get(key);
    if (!record || (record.add <= 0 && record.del <= 0)) return undefined;
    return record.at + this.ttlMs;
  }

  expectCreations(key: string, count: number): void {
    this.records.set(key, { add: count, del: 0, at: this.now() });
  }

  expectDeletions(key: string, podKeys: readonly string[]): void {
    this.deleting.set(key, new Set(podKeys));
    this.records.set(key, { add: 0, del: podKeys.length, at: this.now() });
  }

  creationObserved(key: string): void {
    const record = this.records.get(key);
    if (record) record.add--;
  }

  /** Counts only deletions this controller asked for, each once (a delete may be seen as an update, then a delete). */
  deletionObserved(key: string, podKey: string): void {
    if (!this.deleting.get(key)?.delete(podKey)) return;
    const record = this.records.get(key);
    if (record) record.del--;
  }

  forget(key: string): void {
    this.records.delete(key);
    this.deleting.delete(key);
  }
}
