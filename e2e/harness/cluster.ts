// A Ledge cluster in a child process, started the way a user starts one:
// `ledge up` on a temp data dir (embedded PGlite), or `ledge server` on a
// database of the Postgres harness. Tests drive it through real kubectl and
// the kubeconfig Ledge writes, so what passes here works for users too.
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fixtureWasmtimeCacheDir } from "../../node-agent/src/runtime/testdata/fixtures.ts";
import { freshDatabase } from "./postgres.ts";

export type ClusterMode = "up" | "server";

export interface StartOptions {
  /** `server` mode only: the database to use; by default a fresh one on the shared Postgres harness server. */
  databaseUrl?: string;
  /** How long Ledge may take to print its URL. */
  startTimeoutMs?: number;
  /** `up` mode only: run its node agent (off by default, so tests that play the kubelet have the pods to themselves). */
  agent?: boolean;
  /** More options for ledge (e.g. `--bind`, `--cluster-cidr`). */
  args?: string[];
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  stdin?: string;
  /** kubectl is killed and the call fails after this long (default 30 s), so a hang fails one test, not the run. */
  timeoutMs?: number;
}

/** A kubectl that keeps running (`get -w`): its output so far, and a way to end it. */
export interface KubectlStream {
  stdout(): string;
  /** Resolves with the output once `check` holds for it; fails after the deadline, showing the output. */
  waitFor(what: string, check: (stdout: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Kills kubectl and resolves with everything it printed. */
  stop(): Promise<KubectlResult>;
}

export interface Cluster {
  readonly mode: ClusterMode;
  /** The API server's base URL, as Ledge printed it. */
  readonly url: string;
  /** The kubeconfig Ledge wrote. */
  readonly kubeconfig: string;
  /** Ledge's process id, for /proc figures such as its resident memory. */
  readonly pid: number;
  /** Sends Ledge `signal` and resolves once it has exited; SIGKILL is a crash (no clean-up, no lease released). */
  kill(signal: NodeJS.Signals): Promise<void>;
  kubectl(args: string[], options?: KubectlOptions): Promise<KubectlResult>;
  kubectlStream(args: string[]): KubectlStream;
  /** Creates a namespace with a fresh name (one per test); returns the name. */
  namespace(prefix?: string): Promise<string>;
  /** Writes `text` to a file inside the cluster's temp dir (removed by stop) and returns its path, for `-f`. */
  file(name: string, text: string): string;
  /** The last `lines` lines Ledge printed on stdout and on stderr, for failure messages. */
  logs(lines?: number): string;
  /** Stops Ledge and every kubectl stream, and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const REPO_ROOT = resolve(import.meta.dir, "../..");
const CLI = join(REPO_ROOT, "control-plane/src/cli/main.ts");
/** Below a test file's hook timeout, so a start that hangs still cleans up after itself. */
const DEFAULT_START_TIMEOUT_MS = 45_000;
const DEFAULT_KUBECTL_TIMEOUT_MS = 30_000;
/** After SIGTERM, Ledge gets this long to close its store before SIGKILL. */
const STOP_GRACE_MS = 10_000;

/**
 * Stops Ledge and removes the temp dir if the test process goes first: `bun
 * test` runs no exit handlers, and a crashed or killed run must not leave a
 * server (or its data) behind. While the test process lives, stop() does the
 * cleaning, so the two never delete the same files at once. Started detached
 * (its own session, its parent gone at once), so neither a Ctrl-C aimed at the
 * run nor bun's clean-up of a timed-out test's processes takes it down first.
 * Nothing to wait on but the liveness of two processes it did not start, so it polls.
 */
const WATCHDOG = `
while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
kill -0 "$1" 2>/dev/null && exit 0
kill -KILL "$2" 2>/dev/null
rm -rf "$3"
`;

/**
 * The environment of every `ledge` process a test starts: its agent's wasmtime
 * engine compiles into, and loads from, the cache buildFixtures() fills with the
 * test components, so a pod's start deadline never pays a JS guest's compile.
 */
export function ledgeEnv(): Record<string, string | undefined> {
  return { ...process.env, LEDGE_WASMTIME_CACHE: fixtureWasmtimeCacheDir };
}

let nameCounter = 0;

/** A DNS-label name no other test (or earlier run against the same database) uses. */
export function uniqueName(prefix: string): string {
  nameCounter += 1;
  return `${prefix}-${nameCounter}-${Math.random().toString(36).slice(2, 7)}`;
}

export async function startCluster(mode: ClusterMode = "up", options: StartOptions = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), `ledge-e2e-${mode}-`));
  const dataDir = join(dir, "data");
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  let args: string[];
  try {
    args =
      mode === "up"
        ? ["up", "--data-dir", dataDir, "--port", "0", ...(options.agent ? [] : ["--no-agent"])]
        : ["server", "--database-url", options.databaseUrl ?? (await freshDatabase("e2e")), "--data-dir", dataDir, "--port", "0"];
    args.push(...(options.args ?? []));
  } catch (error) {
    removeDir();
    throw error;
  }

  const child = Bun.spawn([process.execPath, CLI, ...args], {
    cwd: REPO_ROOT,
    env: ledgeEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const detach = 'setsid sh -c "$0" ledge-e2e-watchdog "$@" </dev/null >/dev/null 2>&1 &';
  Bun.spawnSync(["sh", "-c", detach, WATCHDOG, String(process.pid), String(child.pid), dir]);

  const output = { stdout: "", stderr: "" };
  const drained = Promise.all([drain(child.stdout, (s) => (output.stdout += s)), drain(child.stderr, (s) => (output.stderr += s))]);
  const tail = (text: string, lines: number) => text.split("\n").slice(-lines - 1).join("\n");
  const logs = (lines = 40) => `--- ledge stdout ---\n${tail(output.stdout, lines)}\n--- ledge stderr ---\n${tail(output.stderr, lines)}`;

  const streams = new Set<KubectlStream>();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all([...streams].map((s) => s.stop()));
    await terminate(child, STOP_GRACE_MS);
    await drained;
    removeDir();
  };

  let url: string;
  let kubeconfig: string;
  try {
    [url, kubeconfig] = await announced(child, () => output.stdout, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, logs);
  } catch (error) {
    await stop();
    throw error;
  }

  // kubectl's discovery cache lives with the cluster: a stale one from another run on the same port would mislead it.
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, KUBECACHEDIR: join(dir, "kube-cache"), KUBECONFIG: kubeconfig };
  const kubectlArgv = (args: string[]) => ["kubectl", "--kubeconfig", kubeconfig, ...args];

  const kubectl = async (args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> => {
    const proc = Bun.spawn(kubectlArgv(args), {
      env,
      stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
      stdout: "pipe",
      stderr: "pipe",
    });
    const timeoutMs = opts.timeoutMs ?? DEFAULT_KUBECTL_TIMEOUT_MS;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill("SIGKILL");
    }, timeoutMs);
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    if (timedOut) {
      throw new Error(`kubectl ${args.join(" ")} did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    return { code, stdout, stderr };
  };

  const kubectlStream = (args: string[]): KubectlStream => {
    const proc = Bun.spawn(kubectlArgv(args), { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const seen = { stdout: "", stderr: "" };
    const done = Promise.all([drain(proc.stdout, (s) => (seen.stdout += s)), drain(proc.stderr, (s) => (seen.stderr += s))]);
    const stream: KubectlStream = {
      stdout: () => seen.stdout,
      async waitFor(what, check, timeoutMs = 15_000) {
        try {
          await eventually(what, () => check(seen.stdout) || proc.exitCode !== null, timeoutMs);
        } catch (error) {
          throw new Error(`kubectl ${args.join(" ")}: ${(error as Error).message}\nstdout:\n${seen.stdout}\nstderr:\n${seen.stderr}`, { cause: error });
        }
        if (!check(seen.stdout)) {
          throw new Error(`kubectl ${args.join(" ")} exited (${proc.exitCode}) before ${what}\nstdout:\n${seen.stdout}\nstderr:\n${seen.stderr}`);
        }
        return seen.stdout;
      },
      async stop() {
        streams.delete(stream);
        proc.kill("SIGKILL");
        const code = await proc.exited;
        await done;
        return { code, ...seen };
      },
    };
    streams.add(stream);
    return stream;
  };

  const namespace = async (prefix = "e2e"): Promise<string> => {
    const name = uniqueName(prefix);
    const result = await kubectl(["create", "-f", "-"], { stdin: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name } }) });
    if (result.code !== 0) throw new Error(`creating namespace ${name} failed (${result.code}): ${result.stderr}`);
    return name;
  };

  const file = (name: string, text: string): string => {
    const path = join(dir, name.replaceAll("/", "_"));
    writeFileSync(path, text);
    return path;
  };

  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await child.exited;
  };

  return { mode, url, kubeconfig, pid: child.pid, kill, kubectl, kubectlStream, namespace, file, logs, stop };
}

/** Polls `check` until it holds; fails naming `what` after the deadline. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}

async function drain(stream: ReadableStream<Uint8Array>, sink: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) sink(decoder.decode(chunk, { stream: true }));
  sink(decoder.decode());
}

/** The URL and kubeconfig path from Ledge's start-up lines, once both are printed. */
async function announced(child: Subprocess, stdout: () => string, timeoutMs: number, logs: () => string): Promise<[string, string]> {
  const parse = () => {
    const url = /listening on (\S+)/.exec(stdout())?.[1];
    const kubeconfig = /^kubeconfig: (\S+)$/m.exec(stdout())?.[1];
    return url && kubeconfig ? ([url, kubeconfig] as [string, string]) : undefined;
  };
  try {
    await eventually("Ledge to print its URL and kubeconfig", () => parse() !== undefined || child.exitCode !== null, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${logs()}`, { cause: error });
  }
  const parsed = parse();
  if (!parsed) throw new Error(`ledge exited with code ${child.exitCode} before it was listening\n${logs()}`);
  return parsed;
}

/** SIGTERM (Ledge closes its store), then SIGKILL if it does not exit in time. */
async function terminate(child: Subprocess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}
