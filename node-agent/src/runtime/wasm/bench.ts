// Measures the jco engine: instantiate costs, pod start, HTTP echo throughput of
// a JS component (instance per request) against the same echo as plain
// Bun.serve, and resident memory per idle HTTP pod. Prints a table and one JSON
// line. Run: bun node-agent/src/runtime/wasm/bench.ts [--seconds N] [--pods N]
// Traffic goes to loopback addresses only; every loop is bounded in time.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { transpileBytes } from "@bytecodealliance/jco-transpile";
import type { ContainerConfig, ContainerHandle } from "../runtime.ts";
import { buildFixtures, imageOf, type WasmFixture } from "../testdata/fixtures.ts";
import { JcoWasmRuntime } from "./jco-wasm-runtime.ts";
import { residentBytes } from "./proc-usage.ts";
import { Preview1Host } from "./runner/preview1.ts";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "5" }, pods: { type: "string", default: "10" } } });
const SECONDS = Number(values.seconds);
const PODS = Number(values.pods);
const CONCURRENCY = 10;

const rows: [string, string][] = [];
const results: Record<string, number> = {};
const record = (key: string, label: string, value: number, unit: string) => {
  results[key] = value;
  rows.push([label, `${value < 10 ? value.toFixed(2) : Math.round(value).toLocaleString("en")} ${unit}`]);
};
const time = <T>(fn: () => T): [T, number] => {
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const fixtures = await buildFixtures();
const scratch = mkdtempSync(join(tmpdir(), "ledge-wasm-bench-"));
const runtime = new JcoWasmRuntime({ cacheDir: join(scratch, "cache") });
let podN = 0;
const configFor = (fixture: WasmFixture, overrides: Partial<ContainerConfig> = {}): ContainerConfig => {
  const n = ++podN;
  return {
    id: `bench-${n}`, podUid: `bench-${n}`, podName: `bench-${n}`, namespace: "bench", containerName: fixture.name,
    image: imageOf(fixture), env: {}, mounts: [], ports: [], podIP: `127.77.${n >> 8}.${n & 255}`, resources: {},
    logPath: join(scratch, "logs", `${n}.log`), ...overrides,
  };
};

try {
  // Preview-1 module, in this process: what a runner does per start.
  const helloBytes = readFileSync(fixtures.hello.path);
  const host = () => new Preview1Host({ args: ["hello"], env: {}, preopens: [], stdout: () => {}, stderr: () => {} });
  const [module, compileMs] = time(() => new WebAssembly.Module(helloBytes));
  const [, coldMs] = time(() => new WebAssembly.Instance(module, { wasi_snapshot_preview1: host().imports(module) }));
  const warm = Array.from({ length: 200 }, () => time(() => new WebAssembly.Instance(module, { wasi_snapshot_preview1: host().imports(module) }))[1]);
  record("p1CompileMs", "preview-1 module (29 KB): compile", compileMs, "ms");
  record("p1ColdInstantiateMs", "preview-1 module: first instantiate", coldMs, "ms");
  record("p1WarmInstantiateMs", "preview-1 module: warm instantiate (median)", median(warm), "ms");

  // Component: transpile (once per digest, cached on disk) and compile (once per runner).
  const echoBytes = readFileSync(fixtures["http-echo"].path);
  const transpileStart = performance.now();
  const { files } = await transpileBytes(echoBytes, { name: "component", instantiation: { tag: "sync" } as never });
  record("componentTranspileMs", "JS component (12 MB): transpile, uncached", performance.now() - transpileStart, "ms");
  const [, coreCompileMs] = time(() => {
    for (const [name, bytes] of Object.entries(files)) if (name.endsWith(".wasm")) new WebAssembly.Module(bytes);
  });
  record("componentCompileMs", "JS component: compile core modules", coreCompileMs, "ms");

  // Pod start through the runtime: spawn a runner, load, run to exit.
  const commandStarts: number[] = [];
  for (let i = 0; i < 10; i++) {
    const start = performance.now();
    const handle = await runtime.start(configFor(fixtures.hello));
    await handle.exited;
    commandStarts.push(performance.now() - start);
  }
  record("p1PodRunMs", "preview-1 pod: start → exit (median of 10)", median(commandStarts), "ms");

  const port = 8080;
  const web = configFor(fixtures["http-echo"], { ports: [{ containerPort: port, protocol: "TCP" }] });
  await runtime.start(web).then((h) => h.stop(0)); // fills the transpile cache
  const webStarts: number[] = [];
  const firstResponses: number[] = [];
  let server: ContainerHandle | undefined;
  for (let i = 0; i < 5; i++) {
    await server?.stop(0);
    const start = performance.now();
    server = await runtime.start(web);
    webStarts.push(performance.now() - start);
    await (await fetch(`http://${web.podIP}:${port}/`)).text();
    firstResponses.push(performance.now() - start);
  }
  record("httpPodStartMs", "HTTP component pod: start → listening (warm cache, median)", median(webStarts), "ms");
  record("httpPodFirstResponseMs", "HTTP component pod: start → first response", median(firstResponses), "ms");

  async function load(url: string): Promise<{ rps: number; p50: number; p99: number }> {
    const latencies: number[] = [];
    const end = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const start = performance.now();
          const response = await fetch(url, { method: "POST", body: "ping" });
          await response.text();
          latencies.push(performance.now() - start);
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    return { rps: latencies.length / SECONDS, p50: latencies[Math.floor(latencies.length * 0.5)]!, p99: latencies[Math.floor(latencies.length * 0.99)]! };
  }

  const component = await load(`http://${web.podIP}:${port}/echo`);
  record("componentRps", `echo, JS component, instance per request (c=${CONCURRENCY})`, component.rps, "req/s");
  record("componentP50Ms", "  p50 / p99", component.p50, `ms / ${component.p99.toFixed(1)} ms`);
  await server?.stop(0);

  // The same echo as a plain Bun server, also in its own process.
  const plainIP = "127.77.200.1";
  const plain = Bun.spawn(
    [process.execPath, "-e", `Bun.serve({ hostname: "${plainIP}", port: ${port}, async fetch(r) { const u = new URL(r.url); return new Response(r.method.toLowerCase() + " " + u.pathname + u.search + " served=1 greeting= body=" + await r.text(), { headers: { "content-type": "text/plain" } }); } }); console.log("up");`],
    { stdout: "pipe", stderr: "inherit" },
  );
  await plain.stdout.getReader().read();
  const bun = await load(`http://${plainIP}:${port}/echo`);
  record("bunRps", `echo, plain Bun.serve (c=${CONCURRENCY})`, bun.rps, "req/s");
  record("bunP50Ms", "  p50 / p99", bun.p50, `ms / ${bun.p99.toFixed(1)} ms`);
  plain.kill();

  // Density: idle HTTP pods, each its own runner process.
  const idle: ContainerHandle[] = [];
  for (let i = 0; i < PODS; i++) {
    const config = configFor(fixtures["http-echo"], { ports: [{ containerPort: port, protocol: "TCP" }] });
    idle.push(await runtime.start(config));
    await (await fetch(`http://${config.podIP}:${port}/`)).text();
  }
  Bun.gc(true);
  await Bun.sleep(1000); // let runners settle after their first request before sampling RSS
  const rss = (await Promise.all(idle.map((h) => h.stats?.()))).map((s) => s?.memoryBytes ?? 0);
  record("idleHttpPodRssMiB", `idle HTTP component pod RSS (median of ${PODS})`, median(rss) / 2 ** 20, "MiB");
  record("agentRssMiB", "this process (runtime + bench) RSS", (residentBytes(process.pid) ?? 0) / 2 ** 20, "MiB");
  await Promise.all(idle.map((h) => h.stop(0)));
} finally {
  await runtime.close();
  rmSync(scratch, { recursive: true, force: true });
}

const width = Math.max(...rows.map(([l]) => l.length));
console.log(`jco Wasm engine (bun ${Bun.version}, ${navigator.hardwareConcurrency} cores)`);
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
console.log(JSON.stringify(results));
