// Wasm engine benchmark: `bun run bench:wasm [--seconds N] [--pods N] [--jco-pods N]`.
// The wasmtime engine (node-agent/native/wasmtime), the jco engine and plain
// Bun.serve side by side: instantiate (cold and warm) of a WASI module and of
// components, pod start to first response, HTTP echo throughput and latency
// (JS guest and compiled guest; instance per request and reused), and memory per
// idle HTTP pod. Load comes from wrk (Debian package `wrk`) in its own process.
// Prints a table, then one JSON line.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { transpileBytes } from "@bytecodealliance/jco-transpile";
import type { ContainerConfig, ContainerHandle, Runtime } from "../../node-agent/src/runtime/runtime.ts";
import { buildFixtures, fixtureCacheDir, imageOf, type WasmFixture } from "../../node-agent/src/runtime/testdata/fixtures.ts";
import { JcoWasmRuntime } from "../../node-agent/src/runtime/wasm/jco-wasm-runtime.ts";
import { residentBytes } from "../../node-agent/src/runtime/wasm/proc-usage.ts";
import { Preview1Host } from "../../node-agent/src/runtime/wasm/runner/preview1.ts";
import { loadNativeWasmtime } from "../../node-agent/src/runtime/wasmtime/native.ts";
import { WasmtimeRuntime } from "../../node-agent/src/runtime/wasmtime/wasmtime-runtime.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    pods: { type: "string", default: "200" },
    "jco-pods": { type: "string", default: "5" },
  },
});
const SECONDS = Number(values.seconds);
const PODS = Number(values.pods);
const JCO_PODS = Number(values["jco-pods"]);
const CONNECTIONS = 10;
const PORT = 8080;

const load = loadNativeWasmtime();
if (!load.ok) throw new Error(`bench:wasm needs the wasmtime engine: ${load.reason}`);
if (!Bun.which("wrk")) throw new Error("bench:wasm needs wrk for load: apt-get install wrk");
const native = load.native;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = <T>(fn: () => T): [T, number] => {
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
};

/** Rows of the table: what, then one column per engine. */
type Column = "wasmtime" | "jco" | "bun";
const rows: { label: string; cells: Partial<Record<Column, string>> }[] = [];
const results: Record<string, number | string> = {};
const fmt = (value: number, unit: string) => `${value < 10 ? value.toFixed(value < 0.1 ? 3 : 2) : Math.round(value).toLocaleString("en")} ${unit}`;
function record(label: string, cells: Partial<Record<Column, [key: string, value: number, unit: string] | string>>): void {
  const row: (typeof rows)[number] = { label, cells: {} };
  for (const [column, cell] of Object.entries(cells) as [Column, [string, number, string] | string][]) {
    if (typeof cell === "string") {
      row.cells[column] = cell;
      continue;
    }
    const [key, value, unit] = cell;
    results[key] = Number(value.toFixed(3));
    row.cells[column] = fmt(value, unit);
  }
  rows.push(row);
}

/** The Rust echo guest (node-agent/native/http-echo-guest) for wasm32-wasip2, when that target is installed. */
async function buildCompiledGuest(): Promise<WasmFixture | undefined> {
  const crate = resolve(import.meta.dir, "../../node-agent/native/http-echo-guest");
  const cargo = Bun.which("cargo");
  if (!cargo) return undefined;
  const targetDir = process.env.LEDGE_CARGO_TARGET_DIR ? `${process.env.LEDGE_CARGO_TARGET_DIR}-guest` : join(process.env.HOME ?? "/tmp", ".cache/ledge/cargo-target-guest");
  const child = Bun.spawn([cargo, "build", "--release", "--target", "wasm32-wasip2", "-j", "2"], {
    cwd: crate,
    env: { ...process.env, CARGO_TARGET_DIR: targetDir },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [err, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  if (code !== 0) {
    console.warn(`bench:wasm: no compiled guest (cargo build --target wasm32-wasip2 failed; rustup target add wasm32-wasip2?):\n${err.slice(-800)}`);
    return undefined;
  }
  const built = join(targetDir, "wasm32-wasip2/release/ledge_http_echo_guest.wasm");
  const bytes = readFileSync(built);
  const digest = createHash("sha256").update(bytes).digest("hex");
  const path = join(fixtureCacheDir, `http-echo-rust-${digest.slice(0, 16)}.wasm`);
  if (!existsSync(path)) {
    writeFileSync(`${path}.tmp`, bytes);
    renameSync(`${path}.tmp`, path);
  }
  return { name: "http-echo", path, digest: `sha256:${digest}`, kind: "wasm-component" };
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** wrk for SECONDS at CONNECTIONS connections, POSTing "ping". */
async function hammer(url: string): Promise<Load> {
  const script = join(scratch, "post.lua");
  writeFileSync(script, 'wrk.method = "POST"\nwrk.body = "ping"\nwrk.headers["Content-Type"] = "text/plain"\n');
  const child = Bun.spawn(["wrk", "-t", "1", "-c", String(CONNECTIONS), "-d", `${SECONDS}s`, "--latency", "-s", script, url], { stdout: "pipe", stderr: "pipe" });
  const [out] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  const ms = (text: string | undefined) => {
    const m = /([\d.]+)(us|ms|s)/.exec(text ?? "");
    if (!m) return Number.NaN;
    return Number(m[1]) * (m[2] === "us" ? 1e-3 : m[2] === "s" ? 1e3 : 1);
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const p50 = ms(/^\s+50%\s+(\S+)/m.exec(out)?.[1]);
  const p99 = ms(/^\s+99%\s+(\S+)/m.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0);
  if (Number.isNaN(rps)) throw new Error(`wrk gave no result for ${url}:\n${out}`);
  return { rps, p50, p99, errors };
}

const scratch = mkdtempSync(join(tmpdir(), "ledge-bench-wasm-"));
let podN = 0;
const configFor = (fixture: WasmFixture, overrides: Partial<ContainerConfig> = {}): ContainerConfig => {
  const n = ++podN;
  return {
    id: `bench-${n}`, podUid: `bench-${n}`, podName: `bench-${n}`, namespace: "bench", containerName: fixture.name,
    image: imageOf(fixture), env: {}, mounts: [], ports: [], podIP: `127.78.${n >> 8}.${n & 255}`, resources: {},
    logPath: join(scratch, "logs", `${n}.log`), ...overrides,
  };
};
const httpConfig = (fixture: WasmFixture) => configFor(fixture, { ports: [{ containerPort: PORT, protocol: "TCP" }] });

/** Start → listening, and start → first response, median of `times` fresh pods (the compile cache warm). */
async function podStart(runtime: Runtime, fixture: WasmFixture, times: number): Promise<{ listening: number; firstResponse: number }> {
  await runtime.start(httpConfig(fixture)).then((h) => h.stop(0)); // fills the caches
  const listening: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < times; i++) {
    const config = httpConfig(fixture);
    const start = performance.now();
    const handle = await runtime.start(config);
    listening.push(performance.now() - start);
    await (await fetch(`http://${config.podIP}:${PORT}/`)).text();
    first.push(performance.now() - start);
    await handle.stop(0);
  }
  return { listening: median(listening), firstResponse: median(first) };
}

async function echo(runtime: Runtime, fixture: WasmFixture): Promise<Load> {
  const config = httpConfig(fixture);
  const handle = await runtime.start(config);
  try {
    const check = await (await fetch(`http://${config.podIP}:${PORT}/check`, { method: "POST", body: "ping" })).text();
    if (!check.startsWith("post /check served=")) throw new Error(`unexpected echo: ${check}`);
    return await hammer(`http://${config.podIP}:${PORT}/echo`);
  } finally {
    await handle.stop(0);
  }
}

/** Process RSS growth per idle HTTP pod, after each has answered one request. */
async function idleMemory(runtime: WasmtimeRuntime, fixture: WasmFixture, pods: number): Promise<{ perPodKiB: number; totalMiB: number }> {
  Bun.gc(true);
  const before = residentBytes(process.pid) ?? 0;
  const handles: ContainerHandle[] = [];
  for (let i = 0; i < pods; i++) {
    const config = httpConfig(fixture);
    handles.push(await runtime.start(config));
    await (await fetch(`http://${config.podIP}:${PORT}/`)).text();
  }
  Bun.gc(true);
  const after = residentBytes(process.pid) ?? 0;
  await Promise.all(handles.map((h) => h.stop(0)));
  return { perPodKiB: (after - before) / pods / 1024, totalMiB: (after - before) / 2 ** 20 };
}

const fixtures = await buildFixtures();
const compiled = await buildCompiledGuest();
const wasmtime = new WasmtimeRuntime(native, { cacheDir: join(scratch, "wasmtime-cache") });
const wasmtimeReuse = new WasmtimeRuntime(native, { cacheDir: join(scratch, "wasmtime-cache"), reuseInstances: true });
const jco = new JcoWasmRuntime({ cacheDir: join(scratch, "jco-cache") });
let plain: Bun.Subprocess<"ignore", "pipe", "inherit"> | undefined;

try {
  // Instantiate: wasmtime measured inside the engine (Rust clock), jco as its runner does it.
  const nat = async (f: WasmFixture) =>
    JSON.parse(await native.benchInstantiate(f.path, f.digest, 2000)) as {
      compileMs: number; diskLoadMs: number; firstInstantiateUs: number; warmInstantiateUsP50: number; warmInstantiateUsMin: number;
    };
  const p1 = await nat(fixtures.hello);
  const helloBytes = readFileSync(fixtures.hello.path);
  const host = () => new Preview1Host({ args: ["hello"], env: {}, preopens: [], stdout: () => {}, stderr: () => {} });
  const [module, jcoCompileMs] = time(() => new WebAssembly.Module(helloBytes));
  const [, jcoColdMs] = time(() => new WebAssembly.Instance(module, { wasi_snapshot_preview1: host().imports(module) }));
  const jcoWarm = median(Array.from({ length: 500 }, () => time(() => new WebAssembly.Instance(module, { wasi_snapshot_preview1: host().imports(module) }))[1]));
  const kb = Math.round(helloBytes.length / 1024);
  record(`WASI module (${kb} KB): compile`, { wasmtime: ["wasmtimeP1CompileMs", p1.compileMs, "ms"], jco: ["jcoP1CompileMs", jcoCompileMs, "ms"] });
  record("WASI module: load from disk cache (agent restart)", { wasmtime: ["wasmtimeP1DiskLoadMs", p1.diskLoadMs, "ms"], jco: "compiles again" });
  record("WASI module: cold instantiate (first)", { wasmtime: ["wasmtimeP1ColdUs", p1.firstInstantiateUs, "µs"], jco: ["jcoP1ColdUs", jcoColdMs * 1000, "µs"] });
  record("WASI module: warm instantiate (median)", { wasmtime: ["wasmtimeP1WarmUs", p1.warmInstantiateUsP50, "µs"], jco: ["jcoP1WarmUs", jcoWarm * 1000, "µs"] });

  const jsEcho = fixtures["http-echo"];
  const js = await nat(jsEcho);
  const jsBytes = readFileSync(jsEcho.path);
  const transpileStart = performance.now();
  const { files } = await transpileBytes(jsBytes, { name: "component", instantiation: { tag: "sync" } as never });
  const jcoTranspileMs = performance.now() - transpileStart;
  const [, jcoCoreCompileMs] = time(() => {
    for (const [name, bytes] of Object.entries(files)) if (name.endsWith(".wasm")) new WebAssembly.Module(bytes);
  });
  const mb = (jsBytes.length / 2 ** 20).toFixed(0);
  record(`JS component (${mb} MB): compile`, { wasmtime: ["wasmtimeJsCompileMs", js.compileMs, "ms"], jco: ["jcoJsTranspileCompileMs", jcoTranspileMs + jcoCoreCompileMs, "ms"] });
  record("JS component: load from disk cache", { wasmtime: ["wasmtimeJsDiskLoadMs", js.diskLoadMs, "ms"], jco: ["jcoJsCompileMs", jcoCoreCompileMs, "ms"] });
  record("JS component: cold instantiate (first)", { wasmtime: ["wasmtimeJsColdUs", js.firstInstantiateUs, "µs"] });
  record("JS component: warm instantiate (median)", { wasmtime: ["wasmtimeJsWarmUs", js.warmInstantiateUsP50, "µs"], jco: "~11.7 ms (notes)" });
  if (compiled) {
    const rust = await nat(compiled);
    const kb = Math.round(readFileSync(compiled.path).length / 1024);
    record(`Rust component (${kb} KB): compile`, { wasmtime: ["wasmtimeRustCompileMs", rust.compileMs, "ms"] });
    record("Rust component: load from disk cache", { wasmtime: ["wasmtimeRustDiskLoadMs", rust.diskLoadMs, "ms"] });
    record("Rust component: cold instantiate (first)", { wasmtime: ["wasmtimeRustColdUs", rust.firstInstantiateUs, "µs"] });
    record("Rust component: warm instantiate (median)", { wasmtime: ["wasmtimeRustWarmUs", rust.warmInstantiateUsP50, "µs"] });
  }

  // Pod start: a command run to its exit; an HTTP pod to listening and to its first response.
  const commandRun = async (runtime: Runtime) => {
    await (await runtime.start(configFor(fixtures.hello))).exited;
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const start = performance.now();
      await (await runtime.start(configFor(fixtures.hello))).exited;
      times.push(performance.now() - start);
    }
    return median(times);
  };
  record("WASI pod: start → exit (median of 10)", { wasmtime: ["wasmtimeP1PodRunMs", await commandRun(wasmtime), "ms"], jco: ["jcoP1PodRunMs", await commandRun(jco), "ms"] });
  const wtJsStart = await podStart(wasmtime, jsEcho, 5);
  const jcoJsStart = await podStart(jco, jsEcho, 3);
  record("JS HTTP pod: start → listening (median)", { wasmtime: ["wasmtimeJsPodListenMs", wtJsStart.listening, "ms"], jco: ["jcoJsPodListenMs", jcoJsStart.listening, "ms"] });
  record("JS HTTP pod: start → first response", { wasmtime: ["wasmtimeJsPodFirstMs", wtJsStart.firstResponse, "ms"], jco: ["jcoJsPodFirstMs", jcoJsStart.firstResponse, "ms"] });
  if (compiled) {
    const s = await podStart(wasmtime, compiled, 5);
    record("Rust HTTP pod: start → listening (median)", { wasmtime: ["wasmtimeRustPodListenMs", s.listening, "ms"] });
    record("Rust HTTP pod: start → first response", { wasmtime: ["wasmtimeRustPodFirstMs", s.firstResponse, "ms"] });
  }

  // Throughput: the same echo everywhere, wrk -c ${CONNECTIONS}.
  const plainIP = "127.78.250.1";
  plain = Bun.spawn<"ignore", "pipe", "inherit">(
    [process.execPath, "-e", `Bun.serve({ hostname: "${plainIP}", port: ${PORT}, async fetch(r) { const u = new URL(r.url); return new Response(r.method.toLowerCase() + " " + u.pathname + u.search + " served=1 greeting= body=" + await r.text(), { headers: { "content-type": "text/plain" } }); } }); console.log("up");`],
    { stdin: "ignore", stdout: "pipe", stderr: "inherit" },
  );
  await plain.stdout.getReader().read();
  const bun = await hammer(`http://${plainIP}:${PORT}/echo`);
  plain.kill();
  const loadCells = (prefix: string, l: Load): [string, number, string] => [`${prefix}Rps`, l.rps, `req/s (p50 ${l.p50.toFixed(2)} / p99 ${l.p99.toFixed(2)} ms${l.errors ? `, ${l.errors} errors` : ""})`];
  const latency = (prefix: string, l: Load) => {
    results[`${prefix}P50Ms`] = Number(l.p50.toFixed(3));
    results[`${prefix}P99Ms`] = Number(l.p99.toFixed(3));
    results[`${prefix}Errors`] = l.errors;
  };
  latency("bun", bun);
  record("echo: plain Bun.serve", { bun: loadCells("bun", bun) });
  const wtJs = await echo(wasmtime, jsEcho);
  latency("wasmtimeJsPerRequest", wtJs);
  const jcoJs = await echo(jco, jsEcho);
  latency("jcoJsPerRequest", jcoJs);
  record("echo: JS guest, instance per request", { wasmtime: loadCells("wasmtimeJsPerRequest", wtJs), jco: loadCells("jcoJsPerRequest", jcoJs) });
  const wtJsReuse = await echo(wasmtimeReuse, jsEcho);
  latency("wasmtimeJsReuse", wtJsReuse);
  record("echo: JS guest, instance reused", { wasmtime: loadCells("wasmtimeJsReuse", wtJsReuse), jco: "(jco serves per request)" });
  if (compiled) {
    const wtRust = await echo(wasmtime, compiled);
    latency("wasmtimeRustPerRequest", wtRust);
    record("echo: Rust guest, instance per request", { wasmtime: loadCells("wasmtimeRustPerRequest", wtRust) });
    const wtRustReuse = await echo(wasmtimeReuse, compiled);
    latency("wasmtimeRustReuse", wtRustReuse);
    record("echo: Rust guest, instance reused", { wasmtime: loadCells("wasmtimeRustReuse", wtRustReuse) });
    results.rustPerRequestVsBun = Number((wtRust.rps / bun.rps).toFixed(3));
  }

  // Density: idle HTTP pods in the agent process (wasmtime) or one runner process each (jco).
  if (compiled) {
    const m = await idleMemory(wasmtime, compiled, PODS);
    record(`idle Rust HTTP pod, ${PODS} pods: agent RSS growth per pod`, { wasmtime: ["wasmtimeRustIdlePodKiB", m.perPodKiB, "KiB"] });
  }
  const mJs = await idleMemory(wasmtime, jsEcho, PODS);
  const jcoIdle: ContainerHandle[] = [];
  for (let i = 0; i < JCO_PODS; i++) {
    const config = httpConfig(jsEcho);
    jcoIdle.push(await jco.start(config));
    await (await fetch(`http://${config.podIP}:${PORT}/`)).text();
  }
  const jcoRss = (await Promise.all(jcoIdle.map((h) => h.stats?.()))).map((s) => s?.memoryBytes ?? 0);
  await Promise.all(jcoIdle.map((h) => h.stop(0)));
  record(`idle JS HTTP pod (wasmtime: ${PODS} pods, jco: ${JCO_PODS} runner processes)`, {
    wasmtime: ["wasmtimeJsIdlePodKiB", mJs.perPodKiB, "KiB"],
    jco: ["jcoJsIdlePodKiB", median(jcoRss) / 1024, "KiB"],
  });
  record("this process (agent side) RSS at the end", { wasmtime: ["benchRssMiB", (residentBytes(process.pid) ?? 0) / 2 ** 20, "MiB"] });
} finally {
  plain?.kill();
  await Promise.all([wasmtime.close(), wasmtimeReuse.close(), jco.close()]);
  rmSync(scratch, { recursive: true, force: true });
}

const columns: Column[] = ["wasmtime", "jco", "bun"];
const header = ["", "wasmtime", "jco", "Bun.serve"];
const table = rows.map((r) => [r.label, ...columns.map((c) => r.cells[c] ?? "")]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
console.log(`Wasm engines (wasmtime ${native.version()}, pooling ${wasmtime.engineInfo.pooling}; bun ${Bun.version}; ${navigator.hardwareConcurrency} cores; wrk -c ${CONNECTIONS} for ${SECONDS} s)`);
console.log(line(header));
for (const r of table) console.log(line(r));
console.log(JSON.stringify({ wasmtimeVersion: native.version(), seconds: SECONDS, pods: PODS, ...results }));
process.exit(0);
