// The stress test behind "revisions become visible in order": two API servers
// (two Store instances) on one Postgres, concurrent writers on a shared key
// space, watchers on both. Every watcher must see exactly the change log, in
// order, once; folding its events must give what a list says. The second test
// restarts the server in the middle and expects the same.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import {
  POSTGRES_UNAVAILABLE,
  type PostgresServer,
  postgresAvailable,
  privatePostgresAvailable,
  startPostgres,
} from "../../../e2e/harness/postgres.ts";
import { openStore } from "./open.ts";
import { type ChangeEvent, type EventType, isStoreError, type KubeObject, type Store, type WatchOptions } from "./store.ts";

const RESOURCE = "configmaps";
const NAMESPACE = "stress";
const WRITERS = 8;
const OPS_PER_WRITER = 400;
const KEYS = 48;
/** Retried unavailability is bounded too: a writer that cannot get through for this long fails the test. */
const OUTAGE_DEADLINE_MS = 20_000;
/** Bun ignores bunfig's [test] timeout, so each test states its own. */
const TEST_TIMEOUT_MS = 45_000;

if (!postgresAvailable()) console.warn(POSTGRES_UNAVAILABLE);

/** A small seeded PRNG: each writer runs the same operations on every run; only the interleaving varies. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What identifies one write in the log without trusting its revision: the
 * writer's unique mark in the object for creates and updates, the deleted
 * version for deletes. A write whose outcome is unknown is found by it.
 */
type Identity = `${EventType}/${string}/${string}`;
const identity = (type: EventType, name: string, mark: string): Identity => `${type}/${name}/${mark}`;

interface LogEntry {
  revision: number;
  type: EventType;
  name: string;
  identity: Identity;
}

interface Ledger {
  /** Writes the store confirmed, by identity, with the revision it reported. */
  confirmed: Map<Identity, number>;
  /** Writes that failed in a way that leaves their outcome unknown. */
  uncertain: Set<Identity>;
  /** Errors the writers retried, by kind, to show the outage really was seen. */
  retried: Map<string, number>;
  completedOps: number;
}

const newLedger = (): Ledger => ({ confirmed: new Map(), uncertain: new Set(), retried: new Map(), completedOps: 0 });

/** Connection loss and server shutdown: the write may or may not have committed. */
function unavailableKind(error: unknown): string | undefined {
  if (isStoreError(error, "Unavailable")) return "StoreError(Unavailable)";
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(CONNECTION_|CONNECT_TIMEOUT|ECONN|EPIPE|57P0|08)/.test(code)) return `raw ${code}`;
  }
  return undefined;
}

const objectFor = (name: string, writer: number, mark: string, counter: number): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: NAMESPACE, labels: { writer: String(writer) } },
  data: { mark, counter: String(counter), payload: "x".repeat(200) },
});

const markOf = (object: KubeObject): string => String((object.data as Record<string, string> | undefined)?.mark);

/**
 * One writer: a random mix of creates, guaranteed updates, CAS updates and
 * deletes over the shared keys. Conflicts are retried; AlreadyExists and
 * NotFound are ordinary outcomes of racing the other writers.
 */
async function runWriter(store: Store, writer: number, seed: number, ledger: Ledger): Promise<void> {
  const next = random(seed);
  let attempts = 0;
  const mark = () => `w${writer}-${++attempts}`;
  const confirm = (type: EventType, name: string, m: string, revision: number) => ledger.confirmed.set(identity(type, name, m), revision);

  // Runs one attempt of an operation; on unavailability records its identity
  // as uncertain, waits a little and lets the caller try again afresh.
  const attempt = async (uncertainIdentity: () => Identity | undefined, fn: () => Promise<void>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (error) {
      const kind = unavailableKind(error);
      if (kind === undefined) throw error;
      const id = uncertainIdentity();
      if (id) ledger.uncertain.add(id);
      ledger.retried.set(kind, (ledger.retried.get(kind) ?? 0) + 1);
      // Backoff while the server is away, not a wait for a condition.
      await Bun.sleep(20);
      return false;
    }
  };

  const retryUntilAnswered = async (op: () => Promise<boolean>): Promise<void> => {
    const deadline = performance.now() + OUTAGE_DEADLINE_MS;
    while (!(await op())) {
      if (performance.now() > deadline) throw new Error(`writer ${writer}: the store stayed unavailable for ${OUTAGE_DEADLINE_MS} ms`);
    }
  };

  for (let op = 0; op < OPS_PER_WRITER; op++) {
    const name = `cm-${Math.floor(next() * KEYS)}`;
    const key = { resource: RESOURCE, namespace: NAMESPACE, name };
    const roll = next();
    if (roll < 0.35) {
      await retryUntilAnswered(async () => {
        const m = mark();
        return attempt(
          () => identity("ADDED", name, m),
          async () => {
            try {
              const created = await store.create(RESOURCE, objectFor(name, writer, m, 0));
              confirm("ADDED", name, m, Number(created.metadata.resourceVersion));
            } catch (error) {
              if (!isStoreError(error, "AlreadyExists")) throw error;
            }
          },
        );
      });
    } else if (roll < 0.6) {
      await retryUntilAnswered(async () => {
        const m = mark();
        return attempt(
          () => identity("MODIFIED", name, m),
          async () => {
            try {
              const updated = await store.guaranteedUpdate(key, (current) => ({
                ...current,
                data: { ...(current.data as Record<string, string>), mark: m, counter: String(Number((current.data as Record<string, string>).counter) + 1) },
              }));
              confirm("MODIFIED", name, m, Number(updated.metadata.resourceVersion));
            } catch (error) {
              if (!isStoreError(error, "NotFound")) throw error;
            }
          },
        );
      });
    } else if (roll < 0.8) {
      // Compare-and-swap by hand: read, write with the version read, start over on Conflict.
      for (let done = false; !done; ) {
        await retryUntilAnswered(async () => {
          const m = mark();
          return attempt(
            () => identity("MODIFIED", name, m),
            async () => {
              try {
                const current = await store.get(key);
                const updated = await store.update(key, objectFor(name, writer, m, Number((current.data as Record<string, string>).counter) + 1), {
                  resourceVersion: current.metadata.resourceVersion,
                });
                confirm("MODIFIED", name, m, Number(updated.metadata.resourceVersion));
                done = true;
              } catch (error) {
                if (isStoreError(error, "NotFound")) done = true;
                else if (!isStoreError(error, "Conflict")) throw error;
              }
            },
          );
        });
      }
    } else {
      // Deletes carry the version they delete as a precondition: it identifies the write in the log.
      for (let done = false; !done; ) {
        let version: string | undefined;
        await retryUntilAnswered(async () =>
          attempt(
            () => (version === undefined ? undefined : identity("DELETED", name, version)),
            async () => {
              version = undefined;
              try {
                const current = await store.get(key);
                version = current.metadata.resourceVersion!;
                const result = await store.delete(key, { preconditions: { resourceVersion: version } });
                expect(result.deleted).toBe(true);
                confirm("DELETED", name, version, Number(result.object.metadata.resourceVersion));
                done = true;
              } catch (error) {
                if (isStoreError(error, "NotFound")) done = true;
                else if (!isStoreError(error, "Conflict")) throw error;
              }
            },
          ),
        );
      }
    }
    ledger.completedOps++;
  }
}

interface Recorder {
  label: string;
  events: ChangeEvent[];
  last: number;
  /** Watches re-opened from the last revision after ending Unavailable. */
  resumes: number;
  failure?: unknown;
  done: Promise<void>;
}

/**
 * Follows one watch as a client would: every event is recorded; a watch that
 * ends Unavailable is re-opened after the last revision seen; any other end
 * before `signal` fires is a failure.
 */
function record(store: Store, label: string, from: number, options: Omit<WatchOptions, "fromRevision" | "signal">, signal: AbortSignal): Recorder {
  const recorder: Recorder = { label, events: [], last: from, resumes: 0, done: Promise.resolve() };
  recorder.done = (async () => {
    while (!signal.aborted) {
      let watch;
      try {
        watch = await store.watch({ ...options, fromRevision: recorder.last, signal });
      } catch (error) {
        if (unavailableKind(error) === undefined) throw error;
        await Bun.sleep(50);
        continue;
      }
      for await (const event of watch) {
        if (event.type === "BOOKMARK") continue;
        recorder.events.push(event);
        recorder.last = event.revision;
      }
      if (signal.aborted) return;
      if (watch.error && isStoreError(watch.error, "Unavailable")) {
        recorder.resumes++;
        continue;
      }
      throw watch.error ?? new Error(`${label}: the watch ended by itself`);
    }
  })().catch((error) => {
    recorder.failure = error;
  });
  return recorder;
}

/** Polls `check` until it holds or the deadline passes. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** The change log after `from`, straight from the table: the truth watchers are held to. */
async function readLog(url: string, from: number): Promise<LogEntry[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ revision: string; type: EventType; name: string; mark: string | null; prev_rv: string | null }[]>`
      SELECT revision, type, name, data::jsonb->'data'->>'mark' AS mark, prev::jsonb->'metadata'->>'resourceVersion' AS prev_rv
      FROM ledge_changes WHERE revision > ${from} ORDER BY revision`;
    return rows.map((row) => ({
      revision: Number(row.revision),
      type: row.type,
      name: row.name,
      identity: identity(row.type, row.name, row.type === "DELETED" ? String(row.prev_rv) : String(row.mark)),
    }));
  } finally {
    await sql.end();
  }
}

const summary = (e: { revision: number; type: string; name: string }) => `${e.revision} ${e.type} ${e.name}`;

interface Run {
  stores: [Store, Store];
  url: string;
  /** Called once the writers are under way; may disturb the server. */
  during?: (ledger: Ledger) => Promise<void>;
  seed: number;
}

async function stress({ stores, url, during, seed }: Run): Promise<{ ledger: Ledger; recorders: Recorder[]; log: LogEntry[] }> {
  const [a, b] = stores;
  const start = await a.currentRevision();
  const stop = new AbortController();
  const scoped = { resource: RESOURCE, namespace: NAMESPACE };
  const recorders = [record(a, "A/all", start, {}, stop.signal), record(b, "B/scoped", start, scoped, stop.signal), record(a, "A/scoped", start, scoped, stop.signal)];

  const ledger = newLedger();
  const writers = Array.from({ length: WRITERS }, (_, i) => runWriter(stores[i % 2]!, i, seed + i, ledger));
  // The fourth watcher joins late, from the same revision: it must replay what it missed, then follow.
  await eventually("the writers to get going", () => ledger.completedOps >= (WRITERS * OPS_PER_WRITER) / 4);
  recorders.push(record(b, "B/all-late", start, {}, stop.signal));
  await during?.(ledger);
  await Promise.all(writers);

  const final = await a.currentRevision();
  try {
    await eventually(`every watcher to reach revision ${final}`, () => recorders.every((r) => r.failure !== undefined || r.last >= final));
  } finally {
    stop.abort();
    await Promise.all(recorders.map((r) => r.done));
  }
  for (const r of recorders) expect(r.failure, `${r.label} failed`).toBeUndefined();

  const log = await readLog(url, start);
  expect(log.length).toBeGreaterThan(WRITERS * OPS_PER_WRITER * 0.3);
  expect(log.at(-1)!.revision).toBe(final);

  // Every change exactly once, in strictly increasing revision order: each watcher's sequence is the log.
  for (const r of recorders) {
    for (let i = 1; i < r.events.length; i++) {
      if (r.events[i]!.revision <= r.events[i - 1]!.revision) {
        throw new Error(`${r.label}: revision ${r.events[i]!.revision} after ${r.events[i - 1]!.revision}`);
      }
    }
    expect(r.events.map(summary), r.label).toEqual(log.map(summary));
    for (const event of r.events) expect(event.object.metadata.resourceVersion).toBe(String(event.revision));
  }

  // The log holds what the writers were told, and beyond that only writes whose outcome was unknown.
  const logged = new Map(log.map((e) => [e.identity, e]));
  expect(logged.size).toBe(log.length);
  for (const [id, revision] of ledger.confirmed) {
    const entry = logged.get(id);
    expect(entry, `confirmed write ${id} is missing from the log`).toBeDefined();
    expect(entry!.revision, `revision reported for ${id}`).toBe(revision);
  }
  const unexplained = log.filter((e) => !ledger.confirmed.has(e.identity) && !ledger.uncertain.has(e.identity));
  expect(unexplained.map(summary)).toEqual([]);

  // Folding each watcher's events gives the state a fresh list reads at the final revision.
  const listed = await b.list({ resource: RESOURCE, namespace: NAMESPACE });
  expect(listed.revision).toBe(final);
  const expected = Object.fromEntries(listed.items.map((o) => [o.metadata.name!, o]));
  for (const r of recorders) {
    const folded: Record<string, KubeObject> = {};
    for (const event of r.events) {
      if (event.type === "DELETED") delete folded[event.name];
      else folded[event.name] = event.object;
    }
    expect(folded, r.label).toEqual(expected);
  }
  for (const object of listed.items) expect(markOf(object)).toMatch(/^w\d+-\d+$/);

  return { ledger, recorders, log };
}

describe.if(postgresAvailable())("SqlStore under concurrent writers on Postgres", () => {
  let server: PostgresServer;
  /** Two "API servers" on one database for the length of `fn`. */
  const withStores = async <T>(url: string, fn: (stores: [Store, Store]) => Promise<T>): Promise<T> => {
    // Both start at once: their migrations must serialise between them.
    const options = { databaseUrl: url, pollIntervalMs: 250, watcherBufferSize: 100_000 };
    const opening = await Promise.allSettled([openStore(options), openStore(options)]);
    const opened: Store[] = opening.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    try {
      const [a, b] = opened;
      if (!a || !b) throw opening.find((o) => o.status === "rejected")!.reason;
      return await fn([a, b]);
    } finally {
      await Promise.all(opened.map((store) => store.close()));
    }
  };

  beforeAll(async () => {
    // A private server whenever binaries exist, since the second test restarts it.
    server = await startPostgres({ needsRestart: privatePostgresAvailable() });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await server?.dispose();
  }, TEST_TIMEOUT_MS);

  test("every watcher on either instance sees every change once, in order", async () => {
    const url = await server.createDatabase("stress");
    const { ledger } = await withStores(url, (stores) => stress({ stores, url, seed: 0x1ed9e }));
    // Nothing was disturbed, so no write may have an unknown outcome.
    expect(ledger.uncertain.size).toBe(0);
    expect([...ledger.retried.keys()]).toEqual([]);
  }, TEST_TIMEOUT_MS);

  if (!privatePostgresAvailable()) console.warn("DATABASE_URL is an external server, which cannot be restarted: not testing watches across a Postgres restart");

  test.if(privatePostgresAvailable())("watchers resume with nothing lost when Postgres restarts mid-run", async () => {
    const url = await server.createDatabase("restart");
    const { ledger } = await withStores(url, (stores) =>
      stress({
        stores,
        url,
        seed: 0x5eed,
        during: async (ledger) => {
          await eventually("half the writes", () => ledger.completedOps >= (WRITERS * OPS_PER_WRITER) / 2);
          await server.stop();
          // Keep it down until the writers have felt it, so the outage is real, not a blip between queries.
          await eventually("a writer to see the outage", () => ledger.retried.size > 0);
          await server.start();
        },
      }),
    );
    expect(ledger.retried.size).toBeGreaterThan(0);
    // Connection failures are translated at the store's boundary: callers only ever see Unavailable.
    expect([...ledger.retried.keys()]).toEqual(["StoreError(Unavailable)"]);
  }, TEST_TIMEOUT_MS);
});
