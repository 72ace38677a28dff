// API benchmark: `bun run bench:api`. A control plane runs in a child process
// (`ledge server` on a private Postgres from the harness, then `ledge up` on
// PGlite); this process loads it over loopback HTTP:
//   - open loop: 200 mutating requests/s (creates and merge patches of
//     ConfigMaps, alternating) plus 100 gets/s, each sent at its scheduled
//     time whatever the server's pace; latency counts from that time, so a
//     server that falls behind shows it (no coordinated omission);
//   - LIST of 10,000 pods as a Table and as JSON, several runs each.
// Prints a table, then exactly one JSON line with every figure.
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { POSTGRES_UNAVAILABLE, privatePostgresAvailable, startPostgres } from "../harness/postgres.ts";
import { pod } from "./pod.ts";
import { lines } from "./lines.ts";
import { percentile, textTable } from "./report.ts";

const TARGETS = { mutatingP99Ms: 25, list10kMs: 300 };
const MUTATING_PER_SECOND = 200;
const GETS_PER_SECOND = 100;
const LOAD_SECONDS = 20;
/** Requests still unanswered this long after the load ends count as failed. */
const DRAIN_MS = 30_000;
const PATCH_TARGETS = 100;
const LIST_PODS = 10_000;
const FILL_CONCURRENCY = 32;
const LIST_RUNS = 5;
const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";
const CLI = join(import.meta.dir, "..", "..", "control-plane", "src", "cli", "main.ts");

// ---------------------------------------------------------------- the server

interface Server {
  url: string;
  /** The last lines the server wrote to stderr, to explain a failure. */
  logTail(): string;
  stop(): Promise<void>;
}

/** Starts `ledge <args>` in a child process and waits for the line that names its URL. */
async function startLedge(args: string[]): Promise<Server> {
  const child = Bun.spawn([process.execPath, CLI, ...args, "--port", "0"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const stderr: string[] = [];
  // The controllers log to stderr; kept only to explain a failure.
  void (async () => {
    for await (const line of lines(child.stderr)) stderr.push(line);
  })();
  // Both pipes are read to the end: a closed pipe would kill the server with EPIPE.
  const url = await new Promise<string | undefined>((resolve) => {
    void (async () => {
      for await (const line of lines(child.stdout)) {
        const found = /listening on (\S+)/.exec(line)?.[1];
        if (found) resolve(found);
      }
      resolve(undefined);
    })();
  });
  if (!url) {
    await child.exited;
    throw new Error(`ledge ${args[0]} did not start (exit ${child.exitCode}):\n${stderr.slice(-20).join("\n")}`);
  }
  return {
    url,
    logTail: () => stderr.slice(-30).join("\n"),
    async stop() {
      child.kill("SIGTERM");
      const exited = await Promise.race([child.exited, Bun.sleep(15_000).then(() => undefined)]);
      if (exited === undefined) child.kill("SIGKILL");
    },
  };
}


// ---------------------------------------------------------------- requests

async function call(url: string, method: string, path: string, body?: unknown, contentType = "application/json", accept = "application/json") {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { "content-type": contentType, accept, "user-agent": "ledge-bench" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text };
}

async function mustCall(url: string, method: string, path: string, body?: unknown): Promise<void> {
  const { status, text } = await call(url, method, path, body);
  if (status >= 300) throw new Error(`${method} ${path}: ${status} ${text.slice(0, 500)}`);
}

const configMap = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { app: "bench" } }, data: { round: "0" } });

// ---------------------------------------------------------------- measures

interface Latency {
  count: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

function summarise(samples: number[], failed: number): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { count: samples.length, failed, p50Ms: round(percentile(sorted, 50), 2), p99Ms: round(percentile(sorted, 99), 2), maxMs: round(sorted.at(-1) ?? Number.NaN, 2) };
}

interface LoadFigures {
  seconds: number;
  create: Latency;
  patch: Latency;
  get: Latency;
  /** How late, at worst, this process sent a request after its scheduled time. */
  maxSendLagMs: number;
}

type Kind = "create" | "patch" | "get";

/** One stream of requests at a fixed rate, each sent at its scheduled time without waiting for earlier ones. */
interface Schedule {
  kind: (i: number) => Kind;
  perSecond: number;
  send: (i: number) => Promise<number>;
}

async function openLoop(schedules: Schedule[], seconds: number): Promise<LoadFigures> {
  const samples: Record<Kind, number[]> = { create: [], patch: [], get: [] };
  const failures: Record<Kind, number> = { create: 0, patch: 0, get: 0 };
  const pending: Promise<void>[] = [];
  let maxSendLagMs = 0;
  // Every request of every stream, in the order of its scheduled time.
  const plan: { at: number; schedule: Schedule; i: number }[] = [];
  for (const schedule of schedules) {
    const total = schedule.perSecond * seconds;
    for (let i = 0; i < total; i++) plan.push({ at: (i * 1000) / schedule.perSecond, schedule, i });
  }
  plan.sort((a, b) => a.at - b.at);
  const start = performance.now() + 50;
  for (const { at, schedule, i } of plan) {
    const due = start + at;
    const wait = due - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - due);
    const kind = schedule.kind(i);
    pending.push(
      schedule.send(i).then(
        (status) => {
          if (status >= 200 && status < 300) samples[kind].push(performance.now() - due);
          else failures[kind]++;
        },
        () => {
          failures[kind]++;
        },
      ),
    );
  }
  const drained = await Promise.race([Promise.all(pending).then(() => true), Bun.sleep(DRAIN_MS).then(() => false)]);
  if (!drained) throw new Error(`requests still unanswered ${DRAIN_MS} ms after the load ended`);
  return {
    seconds,
    create: summarise(samples.create, failures.create),
    patch: summarise(samples.patch, failures.patch),
    get: summarise(samples.get, failures.get),
    maxSendLagMs: round(maxSendLagMs, 2),
  };
}

async function benchLoad(url: string): Promise<LoadFigures> {
  const ns = "bench-load";
  await mustCall(url, "POST", "/api/v1/namespaces", { metadata: { name: ns } });
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  for (let i = 0; i < PATCH_TARGETS; i++) await mustCall(url, "POST", path, configMap(`target-${i}`));
  // Warm the connection pool and the server's code paths before measuring.
  for (let i = 0; i < 50; i++) await mustCall(url, "GET", `${path}/target-${i % PATCH_TARGETS}`);
  let created = 0;
  let patched = 0;
  const mutating: Schedule = {
    perSecond: MUTATING_PER_SECOND,
    kind: (i) => (i % 2 === 0 ? "create" : "patch"),
    send: async (i) =>
      i % 2 === 0
        ? (await call(url, "POST", path, configMap(`load-${created++}`))).status
        : (await call(url, "PATCH", `${path}/target-${patched % PATCH_TARGETS}`, { data: { round: String(patched++) } }, "application/merge-patch+json")).status,
  };
  const gets: Schedule = {
    perSecond: GETS_PER_SECOND,
    kind: () => "get",
    send: async (i) => (await call(url, "GET", `${path}/target-${i % PATCH_TARGETS}`)).status,
  };
  return openLoop([mutating, gets], LOAD_SECONDS);
}

interface ListFigures {
  pods: number;
  fillSeconds: number;
  table: { bytes: number; runs: number; p50Ms: number; minMs: number; maxMs: number };
  json: { bytes: number; runs: number; p50Ms: number; minMs: number; maxMs: number };
}

/** Creates the pods (closed loop, not measured), then lists them in both representations. */
async function benchList(url: string): Promise<ListFigures> {
  const ns = "bench-list";
  await mustCall(url, "POST", "/api/v1/namespaces", { metadata: { name: ns } });
  const fillStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: FILL_CONCURRENCY }, async () => {
      while (next < LIST_PODS) {
        const n = next++;
        // The pod of the store benchmark as a user creates it: no owner (the
        // garbage collector would remove it) and no status (the server sets it).
        const { status: _status, ...spec } = pod(ns, `pod-${String(n).padStart(5, "0")}`, n);
        delete spec.metadata.ownerReferences;
        await mustCall(url, "POST", `/api/v1/namespaces/${ns}/pods`, spec);
      }
    }),
  );
  const fillSeconds = round((performance.now() - fillStart) / 1000, 1);
  const measure = async (accept: string) => {
    const samples: number[] = [];
    let bytes = 0;
    // One unmeasured run first: it also pays for plans and caches.
    for (let run = 0; run <= LIST_RUNS; run++) {
      const t = performance.now();
      const { status, text } = await call(url, "GET", `/api/v1/namespaces/${ns}/pods`, undefined, "application/json", accept);
      const ms = performance.now() - t;
      if (status !== 200) throw new Error(`LIST pods (${accept}): ${status} ${text.slice(0, 300)}`);
      const body = JSON.parse(text) as { items?: unknown[]; rows?: unknown[] };
      const count = (body.items ?? body.rows ?? []).length;
      if (count !== LIST_PODS) throw new Error(`LIST pods (${accept}) returned ${count}, expected ${LIST_PODS}`);
      bytes = text.length;
      if (run > 0) samples.push(ms);
    }
    const sorted = samples.sort((a, b) => a - b);
    return { bytes, runs: samples.length, p50Ms: round(percentile(sorted, 50)), minMs: round(sorted[0]!), maxMs: round(sorted.at(-1)!) };
  };
  return { pods: LIST_PODS, fillSeconds, table: await measure(TABLE), json: await measure("application/json") };
}

// ---------------------------------------------------------------- report

interface BackendFigures {
  load: LoadFigures;
  list: ListFigures;
}

const mark = (ok: boolean) => (ok ? "✓" : "✗");

function table(results: Record<string, BackendFigures>): string {
  const rows: string[][] = [["back end", "measure", "n", "failed", "p50 ms", "p99 ms", "max ms", "target"]];
  for (const [backend, { load, list }] of Object.entries(results)) {
    const rate = `${MUTATING_PER_SECOND}/s mutating + ${GETS_PER_SECOND}/s get, ${load.seconds} s`;
    for (const kind of ["create", "patch"] as const) {
      const f = load[kind];
      rows.push([backend, `${kind} configmap (${rate})`, String(f.count), String(f.failed), f.p50Ms.toFixed(2), f.p99Ms.toFixed(2), f.maxMs.toFixed(2), `p99 ≤ ${TARGETS.mutatingP99Ms} ${mark(f.p99Ms <= TARGETS.mutatingP99Ms)}`]);
    }
    const g = load.get;
    rows.push([backend, "get configmap (same load)", String(g.count), String(g.failed), g.p50Ms.toFixed(2), g.p99Ms.toFixed(2), g.maxMs.toFixed(2), ""]);
    // Latencies count from the scheduled time, so a late generator shows up in them too; this says how late it was.
    rows.push([backend, "load generator: latest send after its scheduled time", "", "", "", "", load.maxSendLagMs.toFixed(2), ""]);
    for (const [name, l] of [["Table", list.table], ["JSON", list.json]] as const) {
      const mb = (l.bytes / 1e6).toFixed(1);
      rows.push([backend, `list ${list.pods} pods as ${name} (${mb} MB; min ${l.minMs}, max ${l.maxMs})`, String(l.runs), "0", l.p50Ms.toFixed(1), "", "", `p50 ≤ ${TARGETS.list10kMs} ${mark(l.p50Ms <= TARGETS.list10kMs)}`]);
    }
  }
  return textTable(rows, (c) => c >= 2 && c <= 6);
}

async function benchBackend(args: string[]): Promise<BackendFigures> {
  const server = await startLedge(args);
  try {
    const load = await benchLoad(server.url);
    const list = await benchList(server.url);
    return { load, list };
  } catch (error) {
    throw new Error(`benchmark of ledge ${args[0]} failed; the server's last words:\n${server.logTail()}`, { cause: error });
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const results: Record<string, BackendFigures> = {};
  const notes: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), "ledge-bench-api-"));
  try {
    if (privatePostgresAvailable()) {
      const postgres = await startPostgres({ needsRestart: true, database: "bench_api" });
      try {
        results["server/postgres"] = await benchBackend(["server", "--database-url", postgres.url, "--data-dir", join(dataDir, "server")]);
      } finally {
        await postgres.dispose();
      }
    } else {
      notes.push(POSTGRES_UNAVAILABLE);
    }
    results["up/pglite"] = await benchBackend(["up", "--data-dir", join(dataDir, "up")]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(table(results));
  for (const note of notes) console.log(`note: ${note}`);
  console.log(JSON.stringify({ bench: "api", bun: Bun.version, cpus: availableParallelism(), targets: TARGETS, results }));
}

await main();
