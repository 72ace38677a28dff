// Node agent benchmark: `bun run bench:agent`. `ledge up --no-agent` runs the
// control plane and `ledge agent` runs as its own process beside it, as on an
// edge machine, so that its memory and its runners' can be read from /proc.
// Images come from a private registry on loopback (e2e/harness/registry.ts).
// Pods name a RuntimeClass with handler jco (LEDGE_BENCH_AGENT_HANDLER picks
// another engine), so what is measured does not change with the node's default.
// Two guests serve the same wasi:http echo: the JS fixture
// (node-agent/src/runtime/testdata/js/http-echo.js, componentize-js) and a
// compiled one (guest/http-echo.c, clang + jco's wasm-tools).
//   - startup: pods created one at a time at the API with spec.nodeName set
//     (the scheduler is not measured), from `create` to the first watch event
//     saying Running and to the first HTTP response from the pod's IP; cold
//     (each pod a new image: pull, transpile) and warm (image cached);
//   - density: resident memory of the agent idle, then with N idle HTTP pods
//     (each has served one request): the agent and every process under it,
//     summed VmRSS and summed PSS (RSS counts Bun's shared binary pages once per
//     runner; PSS splits them) from /proc;
//   - requests/s of one pod against the same handler in a plain Bun server (a
//     child process), each driven by ApacheBench for the same time.
// Prints a table, then exactly one JSON line with every figure.
import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { clientFromKubeconfig } from "../../client/kubeconfig.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../client/kube-client.ts";
import { buildImage } from "../../node-agent/src/images/build-image.ts";
import { pushImage } from "../../node-agent/src/images/push.ts";
import { buildFixtures, fixtureCacheDir, witDir } from "../../node-agent/src/runtime/testdata/fixtures.ts";
import { type Cluster, startCluster } from "../harness/cluster.ts";
import { type RegistryServer, startRegistry } from "../harness/registry.ts";
import { lines } from "./lines.ts";
import { textTable } from "./report.ts";

const TARGETS = { warmRunningP50Ms: 50, warmRunningP99Ms: 200, agentIdleMiB: 60, perPodMiB: 2 };
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/** Pods per startup series (each of cold and warm, each guest). */
const STARTUP_PODS = env("LEDGE_BENCH_AGENT_STARTUP_PODS", 100);
/** Idle pods for the density figure; a JS pod's runner takes ~100 MiB, so far fewer of those fit. */
const DENSITY_PODS = { c: env("LEDGE_BENCH_AGENT_DENSITY_C", 200), js: env("LEDGE_BENCH_AGENT_DENSITY_JS", 40) };
/** Density stops adding pods while the machine has less than this available (other work shares it). */
const MEMORY_RESERVE_BYTES = 6 * 2 ** 30;
const DENSITY_BATCH = 10;
const PUSH_CONCURRENCY = 4;
const RPS_SECONDS = env("LEDGE_BENCH_AGENT_RPS_SECONDS", 10);
const RPS_CONCURRENCY = 10;
/** After the last request, runners collect (250 ms idle) and the agent's loops run; memory is read after this. */
const SETTLE_MS = 5_000;
const POD_DEADLINE_MS = 180_000;
/** The Wasm engine measured, by RuntimeClass handler: jco by default (an agent without the named engine falls back to its other Wasm engine). */
const HANDLER = process.env.LEDGE_BENCH_AGENT_HANDLER ?? "jco";
const RUNTIME_CLASS = `bench-agent-${HANDLER}`;
const NODE = "bench-agent";
const NAMESPACE = "bench-agent";
const PORT = 8080;
const GREETING = "hello";
const REPO_ROOT = resolve(import.meta.dir, "../..");
const CLI = join(REPO_ROOT, "control-plane/src/cli/main.ts");
const pods = resourceOf("v1", "pods");
const nodes = resourceOf("v1", "nodes");
const namespaces = resourceOf("v1", "namespaces");
const runtimeClasses = resourceOf("node.k8s.io/v1", "runtimeclasses");

type Guest = "c" | "js";
/**
 * The guests measured (LEDGE_BENCH_AGENT_GUESTS=c,js). With wasmtime, a cold
 * JS pod is a Cranelift compile of its 12 MB guest (35 s or more each), so a
 * wasmtime run measures the C guest; bench:wasm has the JS guest on wasmtime.
 */
const GUESTS = (process.env.LEDGE_BENCH_AGENT_GUESTS ?? "c,js").split(",").filter((g): g is Guest => g === "c" || g === "js");
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const progress = (message: string) => process.stderr.write(`bench:agent: ${message}\n`);

// ---------------------------------------------------------------- the plain Bun server

/** The JS guest's handler (http-echo.js) for Bun.serve; `served` is per request, as each pod request gets a fresh instance. */
async function echo(request: Request): Promise<Response> {
  let served = 0;
  served++;
  const url = new URL(request.url);
  const text = `${request.method.toLowerCase()} ${url.pathname}${url.search} served=${served} greeting=${process.env.GREETING ?? ""} body=${await request.text()}`;
  return new Response(text, { headers: { "content-type": "text/plain" } });
}

if (process.argv[2] === "--plain-server") {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: echo });
  process.stdout.write(`${server.port}\n`);
  await new Promise(() => {});
}

// ---------------------------------------------------------------- the compiled guest

const CLANG_ARGS = ["--target=wasm32", "-nostdlib", "-O2", "-Wl,--no-entry", "-Wl,--strip-all", "-Wl,--export-dynamic"];

/** guest/http-echo.c as a wasi:http component, cached by a hash of its inputs like the test fixtures. */
async function buildCGuest(): Promise<string> {
  const source = join(import.meta.dir, "guest", "http-echo.c");
  const wit = witDir();
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(readFileSync(source));
  hasher.update(CLANG_ARGS.join(" "));
  hasher.update(wit);
  const out = join(fixtureCacheDir, `bench-http-echo-c-${hasher.digest("hex").slice(0, 16)}.wasm`);
  if (existsSync(out)) return out;
  if (!Bun.which("clang")) throw new Error("clang is missing (apt-get install clang lld)");
  const core = `${out}.${process.pid}.core.wasm`;
  const temporary = `${out}.${process.pid}.tmp`;
  try {
    await run(["clang", ...CLANG_ARGS, source, "-o", core], "clang http-echo.c");
    await run([process.execPath, join(import.meta.dir, "guest", "componentize.ts"), core, wit, "http-echo", temporary], "componentizing http-echo.c");
    renameSync(temporary, out);
  } finally {
    rmSync(core, { force: true });
  }
  return out;
}

async function run(command: string[], what: string): Promise<string> {
  const child = Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`${what} failed (exit ${code}):\n${out}${err}`);
  return out;
}

// ---------------------------------------------------------------- images

const leb128 = (n: number): number[] => {
  const bytes: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    bytes.push(byte);
  } while (n);
  return bytes;
};

/** The same component with a custom section naming `nonce` at its end: another digest, so another pull and transpile. */
function variantOf(bytes: Uint8Array, nonce: string): Uint8Array {
  const name = new TextEncoder().encode("ledge-bench");
  const payload = [...leb128(name.length), ...name, ...new TextEncoder().encode(nonce)];
  return new Uint8Array([...bytes, 0, ...leb128(payload.length), ...payload]);
}

async function push(path: string, reference: string): Promise<void> {
  const image = await buildImage(path);
  try {
    await pushImage(image, reference);
  } finally {
    image.dispose();
  }
}

interface GuestImages {
  warm: string;
  cold: string[];
}

async function pushGuest(guest: Guest, wasm: string, registry: RegistryServer, dir: string): Promise<GuestImages> {
  const warm = `${registry.host}/bench/${guest}-echo:warm`;
  await push(wasm, warm);
  const bytes = new Uint8Array(readFileSync(wasm));
  const cold = Array.from({ length: STARTUP_PODS }, (_, i) => `${registry.host}/bench/${guest}-echo-cold:${i}`);
  let next = 0;
  const pusher = async () => {
    for (let i = next++; i < cold.length; i = next++) {
      const file = join(dir, `${guest}-${i}.wasm`);
      writeFileSync(file, variantOf(bytes, `${guest}-${i}-${process.pid}`));
      await push(file, cold[i]!);
      rmSync(file);
    }
  };
  await Promise.all(Array.from({ length: PUSH_CONCURRENCY }, pusher));
  return { warm, cold };
}

// ---------------------------------------------------------------- the agent

interface AgentProcess {
  pid: number;
  logTail(): string;
  stop(): Promise<void>;
}

async function startAgent(kubeconfig: string, dataDir: string): Promise<AgentProcess> {
  const args = ["agent", "--kubeconfig", kubeconfig, "--name", NODE, "--data-dir", dataDir, "--node-ip", "127.0.0.1", "--port", "0", "--max-pods", "500"];
  const child: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn([process.execPath, CLI, ...args], { cwd: REPO_ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const output: string[] = [];
  void (async () => {
    for await (const line of lines(child.stderr)) output.push(line);
  })();
  const up = await new Promise<boolean>((resolve) => {
    void (async () => {
      for await (const line of lines(child.stdout)) {
        output.push(line);
        if (line.includes("running; logs served on")) resolve(true);
      }
      resolve(false);
    })();
  });
  const logTail = () => output.slice(-30).join("\n");
  if (!up) {
    await child.exited;
    throw new Error(`ledge agent did not start (exit ${child.exitCode}):\n${logTail()}`);
  }
  return {
    pid: child.pid,
    logTail,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await child.exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- memory from /proc

interface TreeMemory {
  processes: number;
  rssMiB: number;
  pssMiB: number;
  /** The agent process alone. */
  agentRssMiB: number;
  agentPssMiB: number;
}

const kib = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);

function parentOf(pid: string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

/** VmRSS and PSS (smaps_rollup) of `root` and every process below it. */
function treeMemory(root: number): TreeMemory {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(entry);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  for (const queue = [root]; queue.length; ) {
    const pid = queue.pop()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  let rss = 0;
  let pss = 0;
  let agentRss = 0;
  let agentPss = 0;
  let processes = 0;
  for (const pid of tree) {
    try {
      const r = kib(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS");
      const p = kib(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"), "Pss");
      rss += r;
      pss += p;
      processes++;
      if (pid === root) [agentRss, agentPss] = [r, p];
    } catch {
      // Exited between the listing and the read.
    }
  }
  return { processes, rssMiB: round(rss / 1024), pssMiB: round(pss / 1024), agentRssMiB: round(agentRss / 1024), agentPssMiB: round(agentPss / 1024) };
}

/** The median of a few readings a second apart (by total RSS). */
async function sampleMemory(root: number, samples = 3): Promise<TreeMemory> {
  const readings: TreeMemory[] = [];
  for (let i = 0; i < samples; i++) {
    if (i) await Bun.sleep(1_000);
    readings.push(treeMemory(root));
  }
  return readings.sort((a, b) => a.rssMiB - b.rssMiB)[Math.floor(samples / 2)]!;
}

const memAvailableBytes = () => kib(readFileSync("/proc/meminfo", "utf8"), "MemAvailable") * 1024;

// ---------------------------------------------------------------- pods

interface Seen {
  podIP?: string;
  runningAt?: number;
  gone?: boolean;
  last?: KubeObject;
}

/** One watch over the namespace: when each pod was first seen Running, its IP, its deletion. */
class PodWatch {
  readonly seen = new Map<string, Seen>();
  private readonly waiting = new Set<() => boolean>();
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(client: KubeClient, resourceVersion: string) {
    this.done = this.run(client, resourceVersion);
  }

  private async run(client: KubeClient, resourceVersion: string): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        for await (const event of client.watch(pods, { namespace: NAMESPACE, resourceVersion, signal: this.abort.signal })) {
          const at = performance.now();
          resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
          const name = event.object.metadata.name;
          if (!name || event.type === "BOOKMARK") continue;
          const seen = this.seen.get(name) ?? {};
          this.seen.set(name, seen);
          seen.last = event.object;
          const status = event.object.status as { phase?: string; podIP?: string } | undefined;
          if (status?.podIP) seen.podIP = status.podIP;
          if (status?.phase === "Running" && seen.runningAt === undefined) seen.runningAt = at;
          if (event.type === "DELETED") seen.gone = true;
          for (const check of this.waiting) check();
        }
      } catch (error) {
        if (this.abort.signal.aborted) return;
        progress(`pod watch ended (${(error as Error).message}); watching again`);
      }
    }
  }

  /** Resolves once `check` holds for the pod; fails after the deadline showing what was last seen. */
  until(name: string, what: string, check: (seen: Seen) => boolean, timeoutMs = POD_DEADLINE_MS): Promise<Seen> {
    const seen = () => this.seen.get(name) ?? {};
    if (check(seen())) return Promise.resolve(seen());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(test);
        reject(new Error(`pod ${name}: no ${what} within ${timeoutMs} ms; last seen status: ${JSON.stringify(seen().last?.status ?? null)}`));
      }, timeoutMs);
      const test = () => {
        if (!check(seen())) return false;
        this.waiting.delete(test);
        clearTimeout(timer);
        resolve(seen());
        return true;
      };
      this.waiting.add(test);
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

function podObject(name: string, image: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NAMESPACE },
    spec: {
      nodeName: NODE,
      runtimeClassName: RUNTIME_CLASS,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "echo", image, imagePullPolicy: "IfNotPresent", ports: [{ containerPort: PORT }], env: [{ name: "GREETING", value: GREETING }] }],
    },
  };
}

/** Polls the pod's port until it answers 200 (nothing announces that a listener is up); resolves with the time. */
async function firstResponse(ip: string, deadline: number): Promise<number> {
  for (;;) {
    const response = await fetch(`http://${ip}:${PORT}/`).catch(() => undefined);
    if (response) {
      await response.arrayBuffer();
      if (response.ok) return performance.now();
    }
    if (performance.now() > deadline) throw new Error(`${ip}:${PORT} did not answer 200 in time`);
    await Bun.sleep(1); // poll interval, bounded by the deadline
  }
}

interface Bench {
  client: KubeClient;
  watch: PodWatch;
  agent: AgentProcess;
}

let podCounter = 0;

async function createPod(bench: Bench, image: string, prefix: string): Promise<{ name: string; createdAt: number }> {
  const name = `${prefix}-${++podCounter}`;
  const createdAt = performance.now();
  await bench.client.create(pods, podObject(name, image));
  return { name, createdAt };
}

async function deletePods(bench: Bench, names: string[]): Promise<void> {
  for (let i = 0; i < names.length; i += DENSITY_BATCH) {
    const batch = names.slice(i, i + DENSITY_BATCH);
    await Promise.all(batch.map((name) => bench.client.delete(pods, NAMESPACE, name, { gracePeriodSeconds: 0 })));
  }
  await Promise.all(names.map((name) => bench.watch.until(name, "deletion", (s) => s.gone === true)));
}

// ---------------------------------------------------------------- startup

interface Latency {
  n: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function latency(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
  return { n: sorted.length, p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(sorted.at(-1) ?? Number.NaN) };
}

interface StartupFigures {
  running: Latency;
  firstResponse: Latency;
}

/** One pod at a time: create, Running, first response, delete (and gone) before the next. */
async function startupSeries(bench: Bench, images: string[], prefix: string): Promise<StartupFigures> {
  const running: number[] = [];
  const responded: number[] = [];
  for (const image of images) {
    const { name, createdAt } = await createPod(bench, image, prefix);
    const [seen, answeredAt] = await Promise.all([
      bench.watch.until(name, "Running", (s) => s.runningAt !== undefined),
      bench.watch.until(name, "a pod IP", (s) => s.podIP !== undefined).then((s) => firstResponse(s.podIP!, createdAt + POD_DEADLINE_MS)),
    ]);
    running.push(seen.runningAt! - createdAt);
    responded.push(answeredAt - createdAt);
    await deletePods(bench, [name]);
  }
  return { running: latency(running), firstResponse: latency(responded) };
}

// ---------------------------------------------------------------- density

interface DensityFigures {
  pods: number;
  asked: number;
  /** The agent (and any runner left) before the first pod, and with every pod idle. */
  before: TreeMemory;
  memory: TreeMemory;
  /** (everything with the pods − everything before) / pods. */
  perPodRssMiB: number;
  perPodPssMiB: number;
  /** What the agent process itself grew by, per pod (its records, watches, buffers). */
  agentPerPodRssMiB: number;
}

async function density(bench: Bench, image: string, asked: number, prefix: string, notes: string[]): Promise<DensityFigures> {
  const names: string[] = [];
  // The agent as the earlier phases left it (it keeps some of what they allocated), so the difference is the pods'.
  const before = await sampleMemory(bench.agent.pid);
  try {
    while (names.length < asked) {
      if (memAvailableBytes() < MEMORY_RESERVE_BYTES) {
        notes.push(`density ${prefix}: stopped at ${names.length} of ${asked} pods, the machine had less than ${MEMORY_RESERVE_BYTES / 2 ** 30} GiB available`);
        break;
      }
      const batch = await Promise.all(Array.from({ length: Math.min(DENSITY_BATCH, asked - names.length) }, () => createPod(bench, image, prefix)));
      names.push(...batch.map((b) => b.name));
      const started = await Promise.all(batch.map(({ name }) => bench.watch.until(name, "Running and a pod IP", (s) => s.runningAt !== undefined && s.podIP !== undefined)));
      await Promise.all(started.map((s) => firstResponse(s.podIP!, performance.now() + POD_DEADLINE_MS)));
      progress(`density ${prefix}: ${names.length} pods running`);
    }
    await Bun.sleep(SETTLE_MS); // a quiet period is what is measured: nothing to await
    const memory = await sampleMemory(bench.agent.pid);
    const n = Math.max(1, names.length);
    return {
      pods: names.length,
      asked,
      before,
      memory,
      perPodRssMiB: round((memory.rssMiB - before.rssMiB) / n, 2),
      perPodPssMiB: round((memory.pssMiB - before.pssMiB) / n, 2),
      agentPerPodRssMiB: round((memory.agentRssMiB - before.agentRssMiB) / n, 3),
    };
  } finally {
    await deletePods(bench, names);
  }
}

// ---------------------------------------------------------------- requests/s

interface RpsFigures {
  seconds: number;
  concurrency: number;
  requests: number;
  failed: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** ApacheBench without keep-alive (the pods' server answers chunked, which ab's HTTP/1.0 cannot keep alive), the same for every server. */
async function ab(url: string): Promise<RpsFigures> {
  const out = await run(["ab", "-q", "-c", String(RPS_CONCURRENCY), "-t", String(RPS_SECONDS), "-n", "100000000", url], `ab ${url}`);
  const field = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? Number.NaN);
  const non2xx = field(/^Non-2xx responses:\s+(\d+)/m);
  return {
    seconds: RPS_SECONDS,
    concurrency: RPS_CONCURRENCY,
    requests: field(/^Complete requests:\s+(\d+)/m),
    failed: field(/^Failed requests:\s+(\d+)/m) + (Number.isNaN(non2xx) ? 0 : non2xx),
    perSecond: round(field(/^Requests per second:\s+([\d.]+)/m)),
    p50Ms: field(/^\s+50%\s+(\d+)/m),
    p99Ms: field(/^\s+99%\s+(\d+)/m),
  };
}

/** Every server compared answers the same bytes: a pod, and the plain server, must be running the same handler. */
async function sameAnswer(url: string): Promise<void> {
  const expected = `get /hi served=1 greeting=${GREETING} body=`;
  const text = await (await fetch(url)).text();
  if (text !== expected) throw new Error(`${url} answered ${JSON.stringify(text)}, not ${JSON.stringify(expected)}`);
}

async function plainServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = Bun.spawn([process.execPath, import.meta.path, "--plain-server"], { stdin: "ignore", stdout: "pipe", stderr: "inherit", env: { ...process.env, GREETING } });
  let port: string | undefined;
  for await (const line of lines(child.stdout)) {
    port = line.trim();
    break;
  }
  if (!port) throw new Error("the plain Bun server did not start");
  return {
    url: `http://127.0.0.1:${port}/hi`,
    async stop() {
      child.kill();
      await child.exited;
    },
  };
}

async function podRps(bench: Bench, image: string, prefix: string): Promise<RpsFigures> {
  const { name } = await createPod(bench, image, prefix);
  try {
    const seen = await bench.watch.until(name, "Running and a pod IP", (s) => s.runningAt !== undefined && s.podIP !== undefined);
    await firstResponse(seen.podIP!, performance.now() + POD_DEADLINE_MS);
    await sameAnswer(`http://${seen.podIP}:${PORT}/hi`);
    return await ab(`http://${seen.podIP}:${PORT}/hi`);
  } finally {
    await deletePods(bench, [name]);
  }
}

// ---------------------------------------------------------------- report

interface Results {
  machine: { loadavgStart: number[]; loadavgEnd: number[] };
  agentIdle: TreeMemory;
  startup: Partial<Record<Guest, { cold: StartupFigures; warm: StartupFigures }>>;
  rps: { bun?: RpsFigures } & Partial<Record<Guest, RpsFigures>>;
  density: Partial<Record<Guest, DensityFigures>>;
}

const mark = (ok: boolean) => (ok ? "✓" : "✗");

function table(r: Results): string {
  const rows: string[][] = [["measure", "n", "p50 / value", "p99", "max", "target"]];
  for (const guest of GUESTS) {
    const s = r.startup[guest];
    if (!s) continue;
    for (const phase of ["cold", "warm"] as const) {
      const { running, firstResponse } = s[phase];
      const target = phase === "warm" ? `p50 ≤ ${TARGETS.warmRunningP50Ms} ${mark(running.p50Ms <= TARGETS.warmRunningP50Ms)}, p99 ≤ ${TARGETS.warmRunningP99Ms} ${mark(running.p99Ms <= TARGETS.warmRunningP99Ms)}` : "";
      rows.push([`startup ${guest} ${phase}: create → Running (ms)`, String(running.n), String(running.p50Ms), String(running.p99Ms), String(running.maxMs), target]);
      rows.push([`startup ${guest} ${phase}: create → first HTTP response (ms)`, String(firstResponse.n), String(firstResponse.p50Ms), String(firstResponse.p99Ms), String(firstResponse.maxMs), ""]);
    }
  }
  const idle = r.agentIdle;
  rows.push(["agent idle, no pods: RSS MiB (PSS)", "1", `${idle.rssMiB} (${idle.pssMiB})`, "", "", `≤ ${TARGETS.agentIdleMiB} ${mark(idle.rssMiB <= TARGETS.agentIdleMiB)}`]);
  for (const guest of GUESTS) {
    const d = r.density[guest];
    if (!d) continue;
    rows.push([`before ${guest} density: agent RSS MiB (PSS)`, String(d.before.processes), `${d.before.rssMiB} (${d.before.pssMiB})`, "", "", ""]);
    rows.push([`${d.pods} idle ${guest} pods: agent + runners RSS MiB (PSS)`, String(d.memory.processes), `${d.memory.rssMiB} (${d.memory.pssMiB})`, "", "", ""]);
    rows.push([`  added per ${guest} pod: RSS MiB (PSS); agent's own share`, String(d.pods), `${d.perPodRssMiB} (${d.perPodPssMiB}); ${d.agentPerPodRssMiB}`, "", "", `≤ ${TARGETS.perPodMiB} ${mark(d.perPodRssMiB <= TARGETS.perPodMiB)}`]);
  }
  const bun = r.rps.bun;
  for (const [name, f] of [["plain Bun server", bun], ["c pod", r.rps.c], ["js pod", r.rps.js]] as const) {
    if (!f) continue;
    const ratio = bun && f !== bun ? ` (${round((f.perSecond / bun.perSecond) * 100, 2)}% of Bun)` : "";
    rows.push([`requests/s, ${name}, c=${f.concurrency}, ${f.seconds} s${ratio}; failed ${f.failed}`, String(f.requests), String(f.perSecond), String(f.p99Ms), "", `p50 ${f.p50Ms} ms`]);
  }
  return textTable(rows, (c) => c >= 1 && c <= 4);
}

// ---------------------------------------------------------------- main

async function nodeReady(client: KubeClient): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const node = await client.get(nodes, undefined, NODE).catch(() => undefined);
    const conditions = (node?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    if (conditions.some((c) => c.type === "Ready" && c.status === "True")) return;
    if (Date.now() > deadline) throw new Error(`node ${NODE} not Ready within 60 s`);
    await Bun.sleep(100); // the node's status is written on the agent's schedule
  }
}

async function main(): Promise<void> {
  if (!Bun.which("ab")) throw new Error("ab (ApacheBench) is missing: apt-get install apache2-utils");
  const notes: string[] = [];
  const loadavgStart = loadavg().map((l) => round(l, 2));
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-agent-"));
  let cluster: Cluster | undefined;
  let registry: RegistryServer | undefined;
  let agent: AgentProcess | undefined;
  let watch: PodWatch | undefined;
  try {
    progress("building guests");
    const wasm: Partial<Record<Guest, string>> = GUESTS.includes("js") ? { js: (await buildFixtures())["http-echo"].path } : {};
    if (GUESTS.includes("c")) {
      try {
        wasm.c = await buildCGuest();
      } catch (error) {
        notes.push(`no compiled guest: ${(error as Error).message}`);
      }
    }
    [registry, cluster] = await Promise.all([startRegistry(), startCluster("up")]);
    progress("pushing images");
    const images: Partial<Record<Guest, GuestImages>> = {};
    for (const guest of GUESTS) {
      const path = wasm[guest];
      if (path) images[guest] = await pushGuest(guest, path, registry, dir);
    }
    const client = clientFromKubeconfig(cluster.kubeconfig, "ledge-bench-agent");
    await client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } });
    await client.create(runtimeClasses, { apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name: RUNTIME_CLASS }, handler: HANDLER } as KubeObject);
    const list = await client.list(pods, { namespace: NAMESPACE });
    watch = new PodWatch(client, list.resourceVersion);
    agent = await startAgent(cluster.kubeconfig, join(dir, "agent"));
    await nodeReady(client);
    const bench: Bench = { client, watch, agent };

    progress("agent idle memory");
    await Bun.sleep(SETTLE_MS); // start-up work (registration, first status, first stats) done
    const agentIdle = await sampleMemory(agent.pid, 5);

    const results: Results = { machine: { loadavgStart, loadavgEnd: [] }, agentIdle, startup: {}, rps: {}, density: {} };
    for (const guest of GUESTS) {
      const guestImages = images[guest];
      if (!guestImages) continue;
      progress(`startup ${guest}: ${STARTUP_PODS} cold`);
      const cold = await startupSeries(bench, guestImages.cold, `${guest}-cold`);
      // One unmeasured pod caches the warm image (pull, transpile) first.
      await startupSeries(bench, [guestImages.warm], `${guest}-prime`);
      progress(`startup ${guest}: ${STARTUP_PODS} warm`);
      const warm = await startupSeries(bench, Array.from({ length: STARTUP_PODS }, () => guestImages.warm), `${guest}-warm`);
      results.startup[guest] = { cold, warm };
    }

    progress("requests/s");
    const plain = await plainServer();
    try {
      await sameAnswer(plain.url);
      results.rps.bun = await ab(plain.url);
    } finally {
      await plain.stop();
    }
    for (const guest of GUESTS) {
      const guestImages = images[guest];
      if (guestImages) results.rps[guest] = await podRps(bench, guestImages.warm, `${guest}-rps`);
    }

    for (const guest of GUESTS) {
      const guestImages = images[guest];
      if (!guestImages) continue;
      progress(`density ${guest}: ${DENSITY_PODS[guest]} pods`);
      results.density[guest] = await density(bench, guestImages.warm, DENSITY_PODS[guest], `${guest}-density`, notes);
    }
    results.machine.loadavgEnd = loadavg().map((l) => round(l, 2));

    console.log(table(results));
    notes.push(
      `engine: RuntimeClass handler ${HANDLER} (LEDGE_BENCH_AGENT_HANDLER)`,
      "startup: pods one at a time, spec.nodeName set at create (no scheduler); Running = first watch event with phase Running; first response = first 200 from podIP:8080, polled every ms once the IP is known",
      "memory: the `ledge agent` process and every process under it (one Bun runner per pod), VmRSS and PSS (smaps_rollup) summed; RSS counts Bun's binary pages again in every runner, PSS shares them out",
      `machine: ${availableParallelism()} cores shared with other work; load average (1/5/15 min) ${loadavgStart.join(" ")} at the start, ${results.machine.loadavgEnd.join(" ")} at the end`,
    );
    for (const note of notes) console.log(`note: ${note}`);
    console.log(JSON.stringify({ bench: "agent", bun: Bun.version, cpus: availableParallelism(), handler: HANDLER, targets: TARGETS, results, notes }));
  } catch (error) {
    if (agent) progress(`the agent's last lines:\n${agent.logTail()}`);
    throw error;
  } finally {
    await watch?.stop();
    await agent?.stop();
    await cluster?.stop();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
