// RuncRuntime: OCI containers run by runc, each from a bundle under the agent's
// data dir, and each outliving the agent that started it.
//
// Per container a tiny shim (sh, in its own session) runs `runc run --keep` in
// the foreground: runc stays the container's parent, forwards signals, and
// exits with the container's status, which the shim writes to bundle/exit. So
// the exit status survives an agent restart (runc keeps none for detached
// containers), the agent never has to be a subreaper, and a restarted agent
// re-attaches by id (recover) from what the bundle holds: meta.json, the
// stdout/stderr pipes, the exit file.
//
// bundle/ (root/containers/<id>/):
//   config.json          the generated OCI spec        rootfs/ upper/ work/   overlay
//   stdout, stderr       named pipes into the CRI log  hosts hostname        /etc files
//   meta.json            what recover needs            pid exit runc.log     written by runc / the shim
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import type { ArtifactKind, ContainerConfig, ContainerHandle, ExitStatus, Runtime } from "../runtime.ts";
import { ExitReason, RuntimeError } from "../runtime.ts";
import { detectCgroups, oomKills, readUsage, type CgroupDirs, type CgroupSupport } from "./cgroups.ts";
import { LogPump } from "./log-pump.ts";
import { prepareRootfs, releaseBundle, type RootfsMode } from "./rootfs.ts";
import { buildSpec, hostnameOf } from "./spec.ts";
import { resolveUser } from "./user.ts";

export interface RuncRuntimeOptions {
  /** Where bundles (containers/) and runc's state (runc/) live: the agent's data dir or a dir in it. */
  root: string;
  /** The runc binary (default: runc on PATH). */
  runc?: string;
  /** Detected when absent. */
  cgroups?: CgroupSupport;
  /** The resolv.conf pods get (default the host's /etc/resolv.conf when there is one; null: none). */
  resolvConf?: string | null;
}

interface Meta {
  id: string;
  logPath: string;
  startedAt: string;
  rootfs: RootfsMode;
  cgroups: CgroupDirs;
}

/** runc's own rule for container ids. */
const ID = /^[\w+\-.]+$/;

/**
 * The shim. `1<>` opens each pipe read-write: the container never sees a pipe
 * without a reader (no SIGPIPE while the agent restarts), and opening never
 * blocks. The exit file is renamed into place so a reader never sees half of it.
 */
const SHIM = `
runc=$1; state=$2; bundle=$3; id=$4
"$runc" --root "$state" --log "$bundle/runc.log" --log-format json run --keep --bundle "$bundle" --pid-file "$bundle/pid" "$id" </dev/null 1<>"$bundle/stdout" 2<>"$bundle/stderr"
echo $? >"$bundle/exit.tmp" && mv "$bundle/exit.tmp" "$bundle/exit"
`;

const signalNames = Object.fromEntries(Object.entries(constants.signals).map(([name, number]) => [number, name]));

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

/** Resolves when bundle/<name> exists, or `orElse` settles first (then: whether it exists). */
function fileAppears(dir: string, name: string, orElse: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const path = join(dir, name);
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      watcher.close();
      resolve(existsSync(path));
    };
    const watcher = watch(dir, (_event, filename) => {
      if (filename === name && existsSync(path)) finish();
    });
    void orElse.then(finish, finish);
    if (existsSync(path)) finish();
  });
}

/** The last error runc logged (its JSON log), if any. */
function runcError(bundle: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(bundle, "runc.log"), "utf8");
  } catch {
    return undefined; // runc logged nothing
  }
  for (const line of text.trim().split("\n").reverse()) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as { level?: string; msg?: string };
    if (entry.level === "error" && entry.msg) return entry.msg;
  }
  return undefined;
}

/** The container's cgroup dirs: runc puts a relative cgroupsPath under its own (the agent's) cgroup on v1. */
function cgroupDirsFor(cgroupsPath: string, cgroups: CgroupSupport): CgroupDirs {
  if (cgroups.version === 2) return { unified: join("/sys/fs/cgroup", cgroupsPath) };
  if (cgroups.version === 0) return {};
  const dirs: CgroupDirs = {};
  for (const line of readFileSync("/proc/self/cgroup", "utf8").trim().split("\n")) {
    const [, controllers, own] = line.split(":", 3) as [string, string, string];
    if (!controllers || controllers.startsWith("name=")) continue;
    for (const controller of controllers.split(",")) dirs[controller] = join("/sys/fs/cgroup", controllers, own, cgroupsPath);
  }
  return dirs;
}

export class RuncRuntime implements Runtime {
  readonly name = "runc";
  readonly cgroups: CgroupSupport;
  readonly #runc: string;
  readonly #state: string;
  readonly #containers: string;
  readonly #resolvConf: string | undefined;
  readonly #live = new Map<string, RuncContainer>();

  constructor(options: RuncRuntimeOptions) {
    this.#runc = options.runc ?? Bun.which("runc") ?? "runc";
    this.#state = join(options.root, "runc");
    this.#containers = join(options.root, "containers");
    this.cgroups = options.cgroups ?? detectCgroups();
    this.#resolvConf = options.resolvConf === null ? undefined : (options.resolvConf ?? (existsSync("/etc/resolv.conf") ? "/etc/resolv.conf" : undefined));
    mkdirSync(this.#state, { recursive: true, mode: 0o700 });
    mkdirSync(this.#containers, { recursive: true });
  }

  handles(kind: ArtifactKind): boolean {
    return kind === "oci-rootfs";
  }

  async start(config: ContainerConfig): Promise<ContainerHandle> {
    if (config.image.kind !== "oci-rootfs") throw new RuntimeError("InvalidImage", `runc runs Linux images, not a ${config.image.kind}`);
    if (!existsSync(config.image.path) || !statSync(config.image.path).isDirectory()) {
      throw new RuntimeError("InvalidImage", `the image rootfs ${config.image.path} is not a directory`);
    }
    if (!ID.test(config.id)) throw new RuntimeError("StartFailed", `container id "${config.id}" has characters runc does not allow`);
    if (this.cgroups.version === 0) throw new RuntimeError("StartFailed", "no cgroup file system is mounted at /sys/fs/cgroup; runc cannot run containers");
    const bundle = join(this.#containers, config.id);
    if (existsSync(bundle)) throw new RuntimeError("StartFailed", `container ${config.id} already exists`);
    mkdirSync(bundle, { recursive: true, mode: 0o711 });
    let rootfs: RootfsMode | undefined;
    try {
      const user = resolveUser(config.image.path, config.image.config?.user, config.securityContext?.runAsUser, config.securityContext?.runAsGroup);
      const cgroupsPath = this.cgroups.version === 2 ? `/ledge/${config.id}` : `ledge/${config.id}`;
      const etcFiles = this.#etcFiles(bundle, config);
      const spec = buildSpec({ config, user, cgroups: this.cgroups, cgroupsPath, etcFiles });
      writeFileSync(join(bundle, "config.json"), JSON.stringify(spec, null, 1));
      rootfs = await prepareRootfs(bundle, config.image.path);
      for (const fifo of ["stdout", "stderr"]) {
        const made = await run(["mkfifo", "-m", "600", join(bundle, fifo)]);
        if (made.code !== 0) throw new Error(`mkfifo: ${made.stderr}`);
      }
      const meta: Meta = { id: config.id, logPath: config.logPath, startedAt: new Date().toISOString(), rootfs, cgroups: cgroupDirsFor(cgroupsPath, this.cgroups) };
      writeFileSync(join(bundle, "meta.json"), JSON.stringify(meta));
      const pump = new LogPump(config.logPath, { stdout: join(bundle, "stdout"), stderr: join(bundle, "stderr") });
      // Its own session: a signal to the agent's process group (Ctrl-C) must not reach the container.
      const shim = Bun.spawn(["setsid", "sh", "-c", SHIM, "ledge-runc-shim", this.#runc, this.#state, bundle, config.id], { stdio: ["ignore", "ignore", "ignore"] });
      const shimExited = shim.exited;
      if (!(await fileAppears(bundle, "pid", shimExited))) {
        await shimExited;
        await pump.done;
        const why = runcError(bundle);
        await this.delete(config.id);
        await releaseBundle(bundle, rootfs);
        throw new RuntimeError("StartFailed", `runc could not start ${config.containerName}: ${why ?? "runc exited without saying why"}`);
      }
      const container = new RuncContainer(this, bundle, meta, pump, shimExited);
      this.#track(container);
      return container;
    } catch (error) {
      if (error instanceof RuntimeError) {
        if (existsSync(bundle)) await releaseBundle(bundle, rootfs);
        throw error;
      }
      await releaseBundle(bundle, rootfs);
      throw new RuntimeError("StartFailed", `cannot start ${config.containerName}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Re-attaches to a container an earlier agent started (running or exited
   * since): logs resume, exit status and cleanup as for one started here.
   * Undefined when this runtime has no such container.
   */
  async recover(id: string): Promise<ContainerHandle | undefined> {
    const live = this.#live.get(id);
    if (live) return live;
    const bundle = join(this.#containers, id);
    if (!ID.test(id) || !existsSync(join(bundle, "meta.json"))) return undefined;
    const meta = JSON.parse(readFileSync(join(bundle, "meta.json"), "utf8")) as Meta;
    const pump = new LogPump(meta.logPath, { stdout: join(bundle, "stdout"), stderr: join(bundle, "stderr") });
    const container = new RuncContainer(this, bundle, meta, pump, undefined);
    this.#track(container);
    return container;
  }

  /** Ids of every container with a bundle here, for the agent to recover or remove after a restart. */
  list(): string[] {
    return readdirSync(this.#containers).filter((id) => existsSync(join(this.#containers, id, "meta.json")));
  }

  /** Containers run on by design; nothing to free. */
  async close(): Promise<void> {}

  /** `runc <args>` against this agent's state dir. */
  runc(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return run([this.#runc, "--root", this.#state, ...args]);
  }

  /** `runc <args>` against this agent's state dir, as a process the caller reads. */
  spawnRunc(args: string[]) {
    return Bun.spawn([this.#runc, "--root", this.#state, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  }

  /** Removes runc's record and cgroups of a container (killing what is left of it). */
  async delete(id: string): Promise<void> {
    const deleted = await this.runc(["delete", "--force", id]);
    if (deleted.code !== 0 && !/does not exist/.test(deleted.stderr)) {
      throw new Error(`runc delete ${id}: ${deleted.stderr.trim()}`);
    }
  }

  #track(container: RuncContainer): void {
    this.#live.set(container.id, container);
    void container.exited.finally(() => this.#live.delete(container.id));
  }

  #etcFiles(bundle: string, config: ContainerConfig) {
    const hosts = join(bundle, "hosts");
    const hostname = join(bundle, "hostname");
    writeFileSync(hosts, `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${config.podIP}\t${hostnameOf(config)}\n`);
    writeFileSync(hostname, `${hostnameOf(config)}\n`);
    let resolvConf: string | undefined;
    if (this.#resolvConf) {
      // A copy: the host may rewrite its own (resolvconf, systemd-resolved) under a running container.
      resolvConf = join(bundle, "resolv.conf");
      copyFileSync(this.#resolvConf, resolvConf);
    }
    return { hosts, hostname, ...(resolvConf ? { resolvConf } : {}) };
  }
}

class RuncContainer implements ContainerHandle {
  readonly id: string;
  readonly startedAt: string;
  readonly exited: Promise<ExitStatus>;
  #done = false;

  constructor(
    private readonly runtime: RuncRuntime,
    private readonly bundle: string,
    private readonly meta: Meta,
    private readonly pump: LogPump,
    shimExited: Promise<number> | undefined,
  ) {
    this.id = meta.id;
    this.startedAt = meta.startedAt;
    this.exited = this.#watch(shimExited);
    void this.exited.then(() => (this.#done = true));
  }

  async stop(gracePeriodMs: number): Promise<ExitStatus> {
    if (this.#done) return this.exited;
    await this.runtime.runc(["kill", this.id, "TERM"]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<"grace over">((resolve) => {
      timer = setTimeout(() => resolve("grace over"), gracePeriodMs);
    });
    const first = await Promise.race([this.exited, graceOver]);
    clearTimeout(timer);
    if (first === "grace over") await this.runtime.runc(["kill", "--all", this.id, "KILL"]);
    return this.exited;
  }

  async exec(command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    if (this.#done) throw new Error(`container ${this.id} has exited`);
    const pidFile = join(this.bundle, `exec-${process.pid}-${Math.random().toString(36).slice(2, 10)}.pid`);
    const child = this.runtime.spawnRunc(["exec", "--pid-file", pidFile, this.id, ...command]);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // runc exec forwards signals, but SIGKILL cannot be forwarded: kill the process it started directly.
      try {
        process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
      } catch {
        child.kill("SIGKILL"); // not started yet (no pid file): stop runc itself
      }
    }, timeoutMs);
    const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    clearTimeout(timer);
    rmSync(pidFile, { force: true });
    if (timedOut) throw new Error(`command ${JSON.stringify(command)} timed out after ${timeoutMs} ms`);
    return { exitCode, output: stdout + stderr };
  }

  async stats(): Promise<{ memoryBytes: number; cpuMillis: number } | undefined> {
    if (this.#done) return undefined;
    return readUsage(this.meta.cgroups);
  }

  async #watch(shimExited: Promise<number> | undefined): Promise<ExitStatus> {
    // A recovered container's shim is no child of ours: the exit file is the sign, and a slow
    // check of runc's state covers a shim that was killed before it could write one.
    const stopWatching = new AbortController();
    const shimGone = shimExited ?? this.#shimGone(stopWatching.signal);
    await fileAppears(this.bundle, "exit", shimGone);
    stopWatching.abort();
    const exitText = existsSync(join(this.bundle, "exit")) ? readFileSync(join(this.bundle, "exit"), "utf8").trim() : "";
    const oom = oomKills(this.meta.cgroups) > 0;
    const runcSaid = runcError(this.bundle);
    await this.runtime.delete(this.id);
    await this.pump.done;
    await releaseBundle(this.bundle, this.meta.rootfs);
    const finishedAt = new Date().toISOString();
    if (!/^\d+$/.test(exitText)) {
      return { exitCode: 137, reason: ExitReason.Error, message: "the container's exit status was lost (its runc shim was killed)", finishedAt };
    }
    const exitCode = Number(exitText);
    const signal = exitCode > 128 ? signalNames[exitCode - 128] : undefined;
    const reason = exitCode === 0 ? ExitReason.Completed : oom ? ExitReason.OOMKilled : ExitReason.Error;
    // runc's own complaint (exec format error, a mount that failed) is the most useful message there is.
    const message = exitCode !== 0 ? runcSaid : undefined;
    return { exitCode, reason, ...(signal ? { signal } : {}), ...(message ? { message } : {}), finishedAt };
  }

  /** Resolves once runc no longer runs the container (checked every few seconds; there is no event for it). */
  #shimGone(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let stoppedBefore = false;
      const check = async () => {
        if (signal.aborted) return clearInterval(timer);
        const state = await this.runtime.runc(["state", this.id]);
        const stopped = state.code !== 0 || (JSON.parse(state.stdout) as { status: string }).status === "stopped";
        // Stopped twice in a row: the shim had its chance to write the exit file.
        if (stopped && stoppedBefore) {
          clearInterval(timer);
          resolve();
        }
        stoppedBefore = stopped;
      };
      const timer = setInterval(() => void check(), 2000);
      timer.unref();
      void check();
    });
  }
}
