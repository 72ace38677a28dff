// Store benchmark: `bun run bench:store`. Prints a table, then one JSON line
// with every figure. Postgres is a private server from the harness (fsync off,
// so write figures are an upper bound); PGlite runs in a temp data dir, as
// `ledge up` does. Invoked with --watch-child it is the far side of the watch
// latency measurement: a second process with its own store.
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../control-plane/src/storage/open.ts";
import type { KubeObject, Store } from "../../control-plane/src/storage/store.ts";
import { POSTGRES_UNAVAILABLE, privatePostgresAvailable, startPostgres } from "../harness/postgres.ts";
import { pod } from "./pod.ts";
import { lines } from "./lines.ts";
import { percentile, textTable } from "./report.ts";

const TARGETS = { watchP99Ms: 25, list10kP50Ms: 250 };
const CONCURRENCY = [1, 8, 32] as const;
/** Operations per write measurement, and a time cap so a slow back end cannot run away. */
const WRITE_OPS = 2000;
const WRITE_TIME_CAP_MS = 15_000;
const LIST_OBJECTS = 10_000;
const FILL_TIME_CAP_MS = 120_000;
const LIST_RUNS = 7;
const WATCH_EVENTS = 1000;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes on one host. */
const epochMs = (): number => performance.timeOrigin + performance.now();

interface Latency {
  ops: number;
  seconds: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

function summarise(samples: number[], seconds: number): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    ops: samples.length,
    seconds: round(seconds, 3),
    opsPerSecond: round(samples.length / seconds, 0),
    p50Ms: round(percentile(sorted, 50), 2),
    p99Ms: round(percentile(sorted, 99), 2),
  };
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Runs `total` operations split over `writers` workers; each sample is one operation's latency. */
async function timedWorkers(
  writers: number,
  total: number,
  op: (worker: number, i: number) => Promise<unknown>,
  capMs = WRITE_TIME_CAP_MS,
): Promise<Latency> {
  const samples: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, worker) => {
      const share = Math.floor(total / writers) + (worker < total % writers ? 1 : 0);
      for (let i = 0; i < share && performance.now() - started < capMs; i++) {
        const t = performance.now();
        await op(worker, i);
        samples.push(performance.now() - t);
      }
    }),
  );
  return summarise(samples, (performance.now() - started) / 1000);
}

interface WriteFigures {
  create: Record<string, Latency>;
  update: Record<string, Latency>;
}

async function benchWrites(store: Store, label: string): Promise<WriteFigures> {
  const figures: WriteFigures = { create: {}, update: {} };
  for (const writers of CONCURRENCY) {
    const namespace = `bench-${label}-w${writers}`;
    // Each worker updates only what it created, so updates measure the write path, not conflicts.
    const created: KubeObject[][] = Array.from({ length: writers }, () => []);
    figures.create[writers] = await timedWorkers(writers, WRITE_OPS, async (worker, i) => {
      created[worker]!.push(await store.create("pods", pod(namespace, `p-${worker}-${i}`, i)));
    });
    figures.update[writers] = await timedWorkers(writers, WRITE_OPS, async (worker, i) => {
      const mine = created[worker]!;
      const index = i % mine.length;
      const current = mine[index]!;
      const next = { ...current, status: { ...(current.status as object), observedRound: i } };
      mine[index] = await store.update({ resource: "pods", namespace, name: current.metadata.name! }, next, {
        resourceVersion: current.metadata.resourceVersion,
      });
    });
  }
  return figures;
}

interface ListFigures {
  objects: number;
  averageObjectBytes: number;
  runs: number;
  p50Ms: number;
  minMs: number;
  maxMs: number;
}

async function benchList(store: Store, label: string): Promise<ListFigures> {
  const namespace = `bench-${label}-list`;
  let bytes = 0;
  let next = 0;
  await timedWorkers(8, LIST_OBJECTS, async () => {
    const n = next++;
    const created = await store.create("pods", pod(namespace, `pod-${String(n).padStart(5, "0")}`, n));
    bytes += JSON.stringify(created).length;
  }, FILL_TIME_CAP_MS);
  const samples: number[] = [];
  let count = 0;
  // One unmeasured run first: the first list also pays for plans and caches.
  for (let run = 0; run <= LIST_RUNS; run++) {
    const t = performance.now();
    const result = await store.list({ resource: "pods", namespace });
    if (run > 0) samples.push(performance.now() - t);
    count = result.items.length;
  }
  if (count !== LIST_OBJECTS) throw new Error(`listed ${count} pods, expected ${LIST_OBJECTS}`);
  const sorted = samples.sort((a, b) => a - b);
  return {
    objects: count,
    averageObjectBytes: Math.round(bytes / LIST_OBJECTS),
    runs: samples.length,
    p50Ms: round(percentile(sorted, 50), 1),
    minMs: round(sorted[0]!, 1),
    maxMs: round(sorted.at(-1)!, 1),
  };
}

interface WatchFigures {
  writers: number;
  events: number;
  /** From the write's acknowledgement on A to the event on B (can be slightly negative: NOTIFY races the reply). */
  ackToEventP50Ms: number;
  ackToEventP99Ms: number;
  /** From the start of the write on A to the event on B: an upper bound on commit → event. */
  startToEventP50Ms: number;
  startToEventP99Ms: number;
}


/** Store A writes in this process; store B, in a child process, watches and reports when each revision arrives. */
async function benchWatch(store: Store, url: string, writers: number): Promise<WatchFigures> {
  const namespace = `bench-watch-w${writers}`;
  const from = await store.currentRevision();
  const child = Bun.spawn([process.execPath, import.meta.path, "--watch-child", url, namespace, String(from)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const received = new Map<number, number>();
  const output = lines(child.stdout);
  try {
    const ready = await output.next();
    if (ready.done || ready.value !== "ready") throw new Error(`watch child did not start: ${ready.value ?? "exited"}`);
    const reader = (async () => {
      for await (const line of output) {
        const [revision, at] = line.split(" ").map(Number);
        received.set(revision!, at!);
        if (received.size >= WATCH_EVENTS) return;
      }
    })();

    const written = new Map<number, { start: number; ack: number }>();
    await timedWorkers(writers, WATCH_EVENTS, async (worker, i) => {
      const start = epochMs();
      const created = await store.create("pods", pod(namespace, `w-${worker}-${i}`, i));
      written.set(Number(created.metadata.resourceVersion), { start, ack: epochMs() });
    });
    const deadline = setTimeout(() => child.kill(), 30_000);
    await reader;
    clearTimeout(deadline);
    if (received.size < written.size) throw new Error(`the watching process saw ${received.size} of ${written.size} events`);

    const ackToEvent: number[] = [];
    const startToEvent: number[] = [];
    for (const [revision, { start, ack }] of written) {
      const at = received.get(revision);
      if (at === undefined) throw new Error(`revision ${revision} never reached the watching process`);
      ackToEvent.push(at - ack);
      startToEvent.push(at - start);
    }
    ackToEvent.sort((a, b) => a - b);
    startToEvent.sort((a, b) => a - b);
    return {
      writers,
      events: written.size,
      ackToEventP50Ms: round(percentile(ackToEvent, 50), 2),
      ackToEventP99Ms: round(percentile(ackToEvent, 99), 2),
      startToEventP50Ms: round(percentile(startToEvent, 50), 2),
      startToEventP99Ms: round(percentile(startToEvent, 99), 2),
    };
  } finally {
    child.stdin.end();
    const exited = await Promise.race([child.exited, Bun.sleep(10_000).then(() => undefined)]);
    if (exited === undefined) child.kill("SIGKILL");
  }
}

/** The far side of the watch benchmark: prints "ready", then "revision epochMs" per event; stops when stdin closes. */
async function watchChild(url: string, namespace: string, from: number): Promise<void> {
  const store = await openStore({ databaseUrl: url });
  const stop = new AbortController();
  const watch = await store.watch({ resource: "pods", namespace, fromRevision: from, signal: stop.signal });
  process.stdout.write("ready\n");
  const stdinClosed = (async () => {
    for await (const _ of Bun.stdin.stream()) {
      // Nothing is sent; the parent closing stdin is the signal.
    }
    stop.abort();
  })();
  for await (const event of watch) {
    if (event.type === "BOOKMARK") continue;
    const at = epochMs();
    process.stdout.write(`${event.revision} ${at}\n`);
  }
  await stdinClosed;
  await store.close();
}

// ---------------------------------------------------------------------------

interface BackendFigures {
  writes: WriteFigures;
  list10k: ListFigures;
  watch?: WatchFigures[];
}

function table(results: Record<string, BackendFigures>): string {
  const rows: string[][] = [["back end", "measure", "writers", "ops", "ops/s", "p50 ms", "p99 ms", "target"]];
  for (const [backend, figures] of Object.entries(results)) {
    for (const kind of ["create", "update"] as const) {
      for (const writers of CONCURRENCY) {
        const f = figures.writes[kind][writers]!;
        rows.push([backend, kind, String(writers), String(f.ops), String(f.opsPerSecond), f.p50Ms.toFixed(2), f.p99Ms.toFixed(2), ""]);
      }
    }
    const l = figures.list10k;
    rows.push([
      backend,
      `list ${l.objects} (~${l.averageObjectBytes} B each; min ${l.minMs}, max ${l.maxMs})`,
      "-",
      String(l.runs),
      "",
      l.p50Ms.toFixed(1),
      "",
      `p50 ≤ ${TARGETS.list10kP50Ms} ${l.p50Ms <= TARGETS.list10kP50Ms ? "✓" : "✗"}`,
    ]);
    for (const w of figures.watch ?? []) {
      rows.push([backend, "watch A→B: write ack → event", String(w.writers), String(w.events), "", w.ackToEventP50Ms.toFixed(2), w.ackToEventP99Ms.toFixed(2), `p99 ≤ ${TARGETS.watchP99Ms} ${w.ackToEventP99Ms <= TARGETS.watchP99Ms ? "✓" : "✗"}`]);
      rows.push([backend, "watch A→B: write start → event", String(w.writers), String(w.events), "", w.startToEventP50Ms.toFixed(2), w.startToEventP99Ms.toFixed(2), ""]);
    }
  }
  return textTable(rows, (c) => c >= 2 && c <= 6);
}

async function main(): Promise<void> {
  const results: Record<string, BackendFigures> = {};
  const notes: string[] = [];

  if (privatePostgresAvailable()) {
    const server = await startPostgres({ needsRestart: true, database: "bench" });
    let store: Store | undefined;
    try {
      store = await openStore({ databaseUrl: server.url });
      const writes = await benchWrites(store, "pg");
      const list10k = await benchList(store, "pg");
      const watch = [await benchWatch(store, server.url, 1), await benchWatch(store, server.url, 8)];
      results.postgres = { writes, list10k, watch };
    } finally {
      await store?.close();
      await server.dispose();
    }
  } else {
    notes.push(POSTGRES_UNAVAILABLE);
  }

  const dataDir = mkdtempSync(join(tmpdir(), "ledge-bench-pglite-"));
  let pglite: Store | undefined;
  try {
    pglite = await openStore({ dataDir });
    results.pglite = { writes: await benchWrites(pglite, "pglite"), list10k: await benchList(pglite, "pglite") };
  } finally {
    await pglite?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  notes.push("PGlite is single-process: no cross-process watch figure.");

  console.log(table(results));
  for (const note of notes) console.log(`note: ${note}`);
  console.log(
    JSON.stringify({
      bench: "store",
      bun: Bun.version,
      cpus: availableParallelism(),
      targets: TARGETS,
      results,
    }),
  );
}

if (process.argv[2] === "--watch-child") {
  const [url, namespace, from] = process.argv.slice(3);
  await watchChild(url!, namespace!, Number(from));
} else {
  await main();
}
