// Proxy benchmark: `bun run bench:proxy`. In one run, on loopback, against
// one backend (a plain Bun HTTP server in its own process, standing in for a
// pod on a pod IP): requests/s and p50/p99 latency straight to the pod IP and
// through the Service's ClusterIP (the node agent's userspace proxy, watching
// an in-process API as it does in an agent), at 1 and 64 keep-alive
// connections, and new connections/s (a fresh connection per request). The
// load generator is a separate process: wrk when installed (Debian's `wrk`),
// else a small Bun client (`--load`). Direct and proxied runs alternate, so
// a change in what else the machine does shows in both. When HAProxy is
// installed (Debian's `haproxy`), it runs in TCP mode with one thread in the
// same rounds, as a reference: what a mature userspace proxy reaches on the
// same machine. Prints a table and one JSON line.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { KubeClient, resourceOf } from "../../client/kube-client.ts";
import { createApp } from "../../control-plane/src/api/app.ts";
import { bootstrap } from "../../control-plane/src/api/bootstrap.ts";
import { openStore } from "../../control-plane/src/storage/open.ts";
import { ServiceProxy } from "../../node-agent/src/proxy/service-proxy.ts";
import { lines } from "./lines.ts";
import { textTable } from "./report.ts";

const TARGETS = { throughputRatio: 0.8, addedP50Ms: 0.3 };
/** Seconds per measurement; each scenario is measured ROUNDS times, direct and proxied alternating. */
const DURATION_S = Number(process.env.BENCH_PROXY_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? 5);
const POD_IP = "127.1.250.10";
const HAPROXY_IP = "127.1.250.20";
const HAPROXY_PORT = 8090;
const POD_PORT = 8080;
const SERVICE_CIDR = "127.97.0.0/16";
const BODY = "ok\n";
const OTHER_BODY = "other\n";
const CHANGES = 20;

interface Run {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

interface Scenario {
  name: string;
  connections: number;
  /** A new connection for every request. */
  fresh: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: "keep-alive, 1 connection", connections: 1, fresh: false },
  { name: "keep-alive, 64 connections", connections: 64, fresh: false },
  { name: "new connection per request, 16 at once", connections: 16, fresh: true },
];

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

// ---- the backend (a child process): a plain HTTP server on the pod IP ----
function backend(ip: string, port: number): void {
  Bun.serve({ hostname: ip, port, fetch: () => new Response(BODY) });
  // A second "pod" on the next address, answering differently: where a change of endpoints shows.
  Bun.serve({ hostname: ip, port: port + 1, fetch: () => new Response(OTHER_BODY) });
  console.log("ready");
}

// ---- the fallback load generator (a child process) ----
/** Keeps `connections` HTTP/1.1 connections busy for `seconds` (or opens one per request); prints one JSON line of figures. */
async function load(url: string, connections: number, seconds: number, fresh: boolean): Promise<void> {
  const { hostname, port } = new URL(url);
  const request = `GET / HTTP/1.1\r\nHost: ${hostname}\r\n${fresh ? "Connection: close\r\n" : ""}\r\n`;
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    let socket: Awaited<ReturnType<typeof Bun.connect>> | undefined;
    let onResponse: (() => void) | undefined;
    let received = "";
    const open = () =>
      Bun.connect({
        hostname,
        port: Number(port || 80),
        socket: {
          data(_s, data) {
            received += data.toString();
            // One small fixed answer: complete once the body is in.
            if (received.endsWith(BODY) && received.includes("\r\n\r\n")) {
              received = "";
              onResponse?.();
            }
          },
          close() {
            socket = undefined;
          },
        },
      });
    while (performance.now() < end) {
      try {
        if (!socket || fresh) socket = await open();
        const started = performance.now();
        const answered = new Promise<void>((resolve) => (onResponse = resolve));
        socket.write(request);
        await answered;
        latencies.push(performance.now() - started);
        if (fresh) socket.end();
      } catch {
        errors++;
        socket = undefined;
      }
    }
    socket?.end();
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? Number.NaN;
  console.log(JSON.stringify({ requests: latencies.length, errors, requestsPerSecond: latencies.length / elapsed, p50Ms: at(50), p99Ms: at(99) }));
}

// ---- the driver ----
/** A fresh connection's answer through the proxy (no keep-alive, so every request is balanced anew). */
async function ask(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const { promise, resolve } = Promise.withResolvers<string>();
  let answer = "";
  await Bun.connect({
    hostname,
    port: Number(port || 80),
    socket: {
      open: (s) => void s.write(`GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      data: (_s, d) => void (answer += d.toString()),
      close: () => resolve(answer),
      error: () => resolve(""),
    },
  }).catch(() => resolve(""));
  return promise;
}

interface ChangeLatency {
  changes: number;
  /** API write acknowledged → first new connection answered by the new endpoint (includes the watch's delivery). */
  fromWriteP50Ms: number;
  fromWriteMaxMs: number;
  /** The proxy's informer got the watch event → first new connection answered by the new endpoint (the proxy's own share). */
  fromEventP50Ms: number;
  fromEventMaxMs: number;
  /** The proxy's informer got the watch event → its sync of the Service finished (the new endpoints in place). */
  eventToSyncedP50Ms: number;
  eventToSyncedMaxMs: number;
}

/** Moves the Service between its two endpoints CHANGES times; each time, how long until new connections reach the new one. */
async function changeLatency(client: KubeClient, proxy: ServiceProxy, url: string): Promise<ChangeLatency> {
  const slices = resourceOf("discovery.k8s.io/v1", "endpointslices");
  const samples: number[] = [];
  const fromEvent: number[] = [];
  let eventAt = 0;
  const synced: number[] = [];
  proxy.slices.on({
    update: () => {
      const at = (eventAt = performance.now());
      void proxy.settled().then(() => synced.push(performance.now() - at));
    },
  });
  for (let i = 0; i < CHANGES; i++) {
    const [port, body] = i % 2 === 0 ? [POD_PORT + 1, OTHER_BODY] : [POD_PORT, BODY];
    const current = await client.get(slices, "default", "web-1");
    await client.update(slices, { ...current, ports: [{ name: "http", port, protocol: "TCP" }] });
    const acknowledged = performance.now();
    while (!(await ask(url)).endsWith(body)) {
      if (performance.now() - acknowledged > 5_000) throw new Error(`the proxy never followed endpoint change ${i}: ${JSON.stringify(await ask(url))}`);
    }
    const followed = performance.now();
    samples.push(followed - acknowledged);
    fromEvent.push(followed - eventAt);
  }
  const p50 = (xs: number[]) => round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!, 2);
  const max = (xs: number[]) => round(Math.max(...xs), 2);
  return {
    changes: CHANGES,
    fromWriteP50Ms: p50(samples),
    fromWriteMaxMs: max(samples),
    fromEventP50Ms: p50(fromEvent),
    fromEventMaxMs: max(fromEvent),
    eventToSyncedP50Ms: p50(synced),
    eventToSyncedMaxMs: max(synced),
  };
}
interface Reference {
  url: string;
  stop(): Promise<void>;
}

/** HAProxy in TCP mode, one thread, forwarding to the backend; undefined when it is not installed. */
async function startHaproxy(backendIp: string, backendPort: number): Promise<Reference | undefined> {
  const binary = Bun.which("haproxy") ?? Bun.which("haproxy", { PATH: "/usr/sbin:/usr/local/sbin" });
  if (!binary) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-haproxy-"));
  const config = join(dir, "haproxy.cfg");
  writeFileSync(
    config,
    [
      "global",
      "  nbthread 1",
      // Two descriptors per connection under the usual 20,000 open-file limit.
      "  maxconn 4000",
      "defaults",
      "  mode tcp",
      "  timeout connect 5s",
      "  timeout client 60s",
      "  timeout server 60s",
      "frontend reference",
      `  bind ${HAPROXY_IP}:${HAPROXY_PORT}`,
      "  default_backend pod",
      "backend pod",
      `  server pod ${backendIp}:${backendPort}`,
      "",
    ].join("\n"),
  );
  const child = Bun.spawn([binary, "-f", config, "-db"], { stdout: "ignore", stderr: "pipe" });
  const stop = async () => {
    child.kill();
    await child.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://${HAPROXY_IP}:${HAPROXY_PORT}/`;
  const deadline = Date.now() + 10_000;
  while (!(await ask(url)).endsWith(BODY)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      const stderr = child.exitCode !== null ? await new Response(child.stderr).text() : "";
      await stop();
      throw new Error(`haproxy never answered on ${url}: ${stderr}`);
    }
  }
  return { url, stop };
}

/** wrk unless BENCH_PROXY_LOADGEN=bun asks for the Bun client. */
const WRK = process.env.BENCH_PROXY_LOADGEN === "bun" ? null : Bun.which("wrk");

function parseWrk(output: string, fresh: boolean): Run {
  const ms = (value: string, unit: string) => Number(value) * (unit === "us" ? 0.001 : unit === "ms" ? 1 : 1000);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(output);
    return m ? ms(m[1]!, m[2]!) : Number.NaN;
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN);
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? 0);
  const errorCounts = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  // With "Connection: close" wrk counts every close by the server as a read error: those are not failures.
  const [connect, read, write, timeout] = errorCounts ? errorCounts.slice(1).map(Number) : [0, 0, 0, 0];
  const errors = connect! + (fresh ? 0 : read!) + write! + timeout! + non2xx;
  return { requestsPerSecond: rps, p50Ms: pct("50"), p99Ms: pct("99"), requests, errors };
}

async function measure(url: string, scenario: Scenario): Promise<Run> {
  if (WRK) {
    const threads = Math.min(scenario.connections, 2);
    const args = [WRK, "-t", String(threads), "-c", String(scenario.connections), "-d", `${DURATION_S}s`, "--latency", ...(scenario.fresh ? ["-H", "Connection: close"] : []), url];
    const child = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`wrk failed (${code}): ${err}`);
    return parseWrk(out, scenario.fresh);
  }
  const child = Bun.spawn([process.execPath, import.meta.path, "--load", url, String(scenario.connections), String(DURATION_S), String(scenario.fresh)], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(child.stdout).text();
  await child.exited;
  return JSON.parse(out.trim().split("\n").at(-1)!) as Run;
}

async function main(): Promise<void> {
  const pod = Bun.spawn([process.execPath, import.meta.path, "--backend", POD_IP, String(POD_PORT)], { stdout: "pipe", stderr: "inherit" });
  const store = await openStore();
  let proxy: ServiceProxy | undefined;
  let haproxy: Reference | undefined;
  try {
    for await (const line of lines(pod.stdout)) if (line === "ready") break;
    const app = createApp({ store, serviceNetwork: { serviceCIDRs: [SERVICE_CIDR] } });
    await bootstrap(app);
    const client = new KubeClient((r) => app.fetch(r), "http://ledge.bench", "bench-proxy");
    proxy = new ServiceProxy({ client, nodeName: "bench", nodeAddresses: ["127.0.0.1"], log: (m) => console.error(m) });
    await proxy.start();
    const service = (await client.create(resourceOf("v1", "services"), {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "default" },
      spec: { ports: [{ name: "http", port: 80, targetPort: POD_PORT }] },
    })) as unknown as { spec: { clusterIP: string } };
    await client.create(resourceOf("discovery.k8s.io/v1", "endpointslices"), {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "web-1", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
      addressType: "IPv4",
      ports: [{ name: "http", port: POD_PORT, protocol: "TCP" }],
      endpoints: [{ addresses: [POD_IP], conditions: { ready: true }, nodeName: "bench" }],
    });
    const direct = `http://${POD_IP}:${POD_PORT}/`;
    const viaProxy = `http://${service.spec.clusterIP}:80/`;
    const deadline = Date.now() + 10_000;
    while ((await fetch(viaProxy).then((r) => r.text()).catch(() => "")) !== BODY) {
      if (Date.now() > deadline) throw new Error(`the ClusterIP ${service.spec.clusterIP} never answered`);
      await Bun.sleep(10);
    }

    const change = await changeLatency(client, proxy, viaProxy);
    haproxy = await startHaproxy(POD_IP, POD_PORT);
    if (!haproxy) console.log("haproxy not installed (apt-get install haproxy): no reference column");
    const loadBefore = loadavg();
    const results: {
      scenario: string;
      connections: number;
      direct: Run;
      proxy: Run;
      throughputRatio: number;
      addedP50Ms: number;
      addedP99Ms: number;
      /** HAProxy's figures against the same rounds' direct runs; null without HAProxy. */
      haproxy: { run: Run; throughputRatio: number; addedP50Ms: number } | null;
      /** Ledge's proxy req/s over HAProxy's, median of the rounds. */
      ledgeVsHaproxy: number | null;
    }[] = [];
    // On a shared machine what else runs changes from second to second: short alternating rounds, and the
    // median of each path's rounds (and of the per-round ratios), so a busy moment does not decide the result.
    for (const scenario of SCENARIOS) {
      const directRuns: Run[] = [];
      const proxyRuns: Run[] = [];
      const referenceRuns: Run[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        directRuns.push(await measure(direct, scenario));
        proxyRuns.push(await measure(viaProxy, scenario));
        if (haproxy) referenceRuns.push(await measure(haproxy.url, scenario));
      }
      const d = medianRun(directRuns);
      const p = medianRun(proxyRuns);
      const ratioTo = (runs: Run[], base: Run[]) => round(median(runs.map((r, i) => r.requestsPerSecond / base[i]!.requestsPerSecond)), 3);
      const addedP50 = (runs: Run[]) => round(median(runs.map((r, i) => r.p50Ms - directRuns[i]!.p50Ms)), 3);
      results.push({
        scenario: scenario.name,
        connections: scenario.connections,
        direct: d,
        proxy: p,
        throughputRatio: ratioTo(proxyRuns, directRuns),
        addedP50Ms: addedP50(proxyRuns),
        addedP99Ms: round(median(proxyRuns.map((r, i) => r.p99Ms - directRuns[i]!.p99Ms)), 3),
        haproxy: haproxy ? { run: medianRun(referenceRuns), throughputRatio: ratioTo(referenceRuns, directRuns), addedP50Ms: addedP50(referenceRuns) } : null,
        ledgeVsHaproxy: haproxy ? ratioTo(proxyRuns, referenceRuns) : null,
      });
    }
    const loadAfter = loadavg();

    const rows = [["scenario", "path", "req/s", "p50 ms", "p99 ms", "errors", "proxy/direct", "added p50 ms", "Ledge/HAProxy", "target"]];
    for (const r of results) {
      const throughputOk = r.throughputRatio >= TARGETS.throughputRatio;
      const latencyOk = r.addedP50Ms <= TARGETS.addedP50Ms;
      rows.push([r.scenario, "pod IP", fmt(r.direct.requestsPerSecond), r.direct.p50Ms.toFixed(3), r.direct.p99Ms.toFixed(3), String(r.direct.errors), "", "", "", ""]);
      rows.push([
        "",
        "ClusterIP",
        fmt(r.proxy.requestsPerSecond),
        r.proxy.p50Ms.toFixed(3),
        r.proxy.p99Ms.toFixed(3),
        String(r.proxy.errors),
        r.throughputRatio.toFixed(2),
        r.addedP50Ms.toFixed(3),
        r.ledgeVsHaproxy === null ? "" : r.ledgeVsHaproxy.toFixed(2),
        `≥${TARGETS.throughputRatio} ${throughputOk ? "✓" : "✗"}  ≤${TARGETS.addedP50Ms} ms ${latencyOk ? "✓" : "✗"}`,
      ]);
      if (r.haproxy) {
        const h = r.haproxy;
        rows.push(["", "HAProxy (reference)", fmt(h.run.requestsPerSecond), h.run.p50Ms.toFixed(3), h.run.p99Ms.toFixed(3), String(h.run.errors), h.throughputRatio.toFixed(2), h.addedP50Ms.toFixed(3), "", ""]);
      }
    }
    console.log(textTable(rows, (c) => c >= 2 && c <= 8));
    if (haproxy) {
      console.log(
        `reference: HAProxy in TCP mode, one thread, in the same rounds reaches ${results.map((r) => `${r.haproxy!.throughputRatio.toFixed(2)} (${r.scenario})`).join(", ")} of direct: the share of the machine the extra hop itself costs`,
      );
    }
    console.log(
      `endpoints change, ${CHANGES} times: watch event → proxy synced p50 ${change.eventToSyncedP50Ms.toFixed(3)} ms, max ${change.eventToSyncedMaxMs.toFixed(3)} ms (target ≤ 100 ms ${change.eventToSyncedMaxMs <= 100 ? "✓" : "✗"}); ` +
        `first new connection answered by the new endpoint: from the watch event p50 ${change.fromEventP50Ms.toFixed(2)} ms, max ${change.fromEventMaxMs.toFixed(2)} ms, ` +
        `from the API write's acknowledgement p50 ${change.fromWriteP50Ms.toFixed(2)} ms, max ${change.fromWriteMaxMs.toFixed(2)} ms (each includes one request through the proxy)`,
    );
    console.log(`note: load generator ${WRK ? "wrk" : "the Bun client"}, ${ROUNDS} alternating rounds of ${DURATION_S} s per path (medians; ratios are medians of per-round ratios); load average ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after, on ${availableParallelism()} CPUs`);
    console.log(
      JSON.stringify({
        bench: "proxy",
        bun: Bun.version,
        cpus: availableParallelism(),
        loadAverage: { before: round(loadBefore[0]!, 2), after: round(loadAfter[0]!, 2) },
        loadGenerator: WRK ? "wrk" : "bun",
        secondsPerRun: DURATION_S,
        rounds: ROUNDS,
        targets: TARGETS,
        results,
        endpointChange: change,
      }),
    );
  } finally {
    await haproxy?.stop();
    await proxy?.stop();
    pod.kill();
    await pod.exited;
    await store.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The median of each figure over the rounds; requests and errors summed. */
function medianRun(runs: Run[]): Run {
  return {
    requestsPerSecond: round(median(runs.map((r) => r.requestsPerSecond)), 0),
    p50Ms: round(median(runs.map((r) => r.p50Ms)), 3),
    p99Ms: round(median(runs.map((r) => r.p99Ms)), 3),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

const [mode, ...rest] = process.argv.slice(2);
if (mode === "--backend") backend(rest[0]!, Number(rest[1]));
else if (mode === "--load") await load(rest[0]!, Number(rest[1]), Number(rest[2]), rest[3] === "true");
else await main();
