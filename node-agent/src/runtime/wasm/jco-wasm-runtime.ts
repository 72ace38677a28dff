// The jco engine: every pod container is a runner process (runner/main.ts) that
// runs one WASI module or component under Bun with a WASI host granting only what
// the pod spec grants. Process isolation is the point: a spinning guest cannot be
// interrupted from JS, so a pod is something the agent can SIGSTOP, SIGKILL and
// measure in /proc (limit-governor.ts), and a crash takes down only itself.
import { mkdirSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import {
  type ArtifactKind,
  type ContainerConfig,
  type ContainerHandle,
  ExitReason,
  type ExitStatus,
  type Runtime,
  RuntimeError,
} from "../runtime.ts";
import { type Governed, type KillReason, LimitGovernor } from "./limit-governor.ts";
import { cpuMillis, procAvailable, residentBytes } from "./proc-usage.ts";
import { INVALID_IMAGE_EXIT_CODE, type RunnerConfig, type RunnerMessage } from "./runner/protocol.ts";

const RUNNER = join(import.meta.dir, "runner", "main.ts");
const STDERR_TAIL_BYTES = 4096;

export interface JcoWasmRuntimeOptions {
  /** Transpiled components, by image digest; shared by replicas and restarts. */
  cacheDir: string;
  /**
   * A guest call (a command's whole run, or one HTTP request) that uses more CPU
   * than its limit allows over this window is killed with CPULimitExceeded.
   * Default 30 s; 0 turns it off (throttling only). Pods without a CPU limit are
   * never killed for CPU.
   */
  cpuRunawayWindowMs?: number;
  /**
   * A pod's process may use its memory limit plus this much (Bun itself, the
   * compiled guest; a JS component's runner idles at ~100 MB) before it is
   * killed as OOMKilled. Linear memory is capped at the limit itself.
   */
  processOverheadBytes?: number;
  /** How often limits are sampled (default 100 ms). */
  governorPeriodMs?: number;
}

const signalNumber = (name: string) => constants.signals[name as keyof typeof constants.signals] ?? 0;

export class JcoWasmRuntime implements Runtime {
  readonly name = "jco";
  readonly #options: JcoWasmRuntimeOptions;
  readonly #governor: LimitGovernor;
  readonly #running = new Set<RunnerHandle>();
  /** First start per component digest, which transpiles into the cache; later ones wait for it. */
  readonly #coldStarts = new Map<string, Promise<unknown>>();

  constructor(options: JcoWasmRuntimeOptions) {
    this.#options = options;
    mkdirSync(options.cacheDir, { recursive: true });
    if (!procAvailable) console.warn("ledge: /proc is missing: Wasm pods run without CPU and process-memory enforcement");
    this.#governor = new LimitGovernor({
      periodMs: options.governorPeriodMs ?? 100,
      runawayWindowMs: options.cpuRunawayWindowMs ?? 30_000,
      processOverheadBytes: options.processOverheadBytes ?? 256 * 1024 * 1024,
      memoryEveryPeriods: 5,
      readCpuMillis: cpuMillis,
      readResidentBytes: residentBytes,
      signal: (pid, signal) => {
        try {
          process.kill(pid, signal);
        } catch (error) {
          // Already gone: its exit is on the way.
          if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
        }
      },
      autoStart: procAvailable,
    });
  }

  handles(kind: ArtifactKind): boolean {
    return kind === "wasm-module" || kind === "wasm-component";
  }

  async start(config: ContainerConfig): Promise<ContainerHandle> {
    if (!this.handles(config.image.kind)) {
      throw new RuntimeError("InvalidImage", `the jco runtime does not run ${config.image.kind} images`);
    }
    const port = config.ports.find((p) => p.protocol === "TCP");
    const runnerConfig: RunnerConfig = {
      agentPid: process.pid,
      wasmPath: config.image.path,
      digest: config.image.digest,
      cacheDir: this.#options.cacheDir,
      args: [...(config.command ?? [config.containerName]), ...(config.args ?? [])],
      env: config.env,
      preopens: config.mounts.map((m) => ({ guestPath: m.containerPath, hostPath: m.hostPath, readOnly: m.readOnly })),
      workingDir: config.workingDir,
      logPath: config.logPath,
      memoryLimitBytes: config.resources.memoryLimitBytes,
      listen: port && { hostname: config.podIP, port: port.containerPort },
    };
    mkdirSync(dirname(config.logPath), { recursive: true });

    const cold = config.image.kind === "wasm-component" ? this.#coldStarts.get(config.image.digest) : undefined;
    if (cold) await cold.catch(() => undefined);
    const starting = this.#spawn(config, runnerConfig);
    if (config.image.kind === "wasm-component" && !cold) {
      this.#coldStarts.set(config.image.digest, starting);
      starting.catch(() => this.#coldStarts.delete(config.image.digest));
    }
    return starting;
  }

  async #spawn(config: ContainerConfig, runnerConfig: RunnerConfig): Promise<ContainerHandle> {
    let child: Bun.Subprocess<"pipe", "pipe", "pipe">;
    try {
      child = Bun.spawn([process.execPath, RUNNER], {
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
        // Nothing of the agent's environment (tokens, kubeconfig paths) reaches a pod.
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        cwd: this.#options.cacheDir,
      });
    } catch (error) {
      throw new RuntimeError("StartFailed", `cannot start a runner: ${error}`, { cause: error });
    }
    child.stdin.write(JSON.stringify(runnerConfig));
    await child.stdin.end();
    const handle = new RunnerHandle(config, child, this.#governor);
    this.#running.add(handle);
    void handle.exited.then(() => this.#running.delete(handle));
    const started = await handle.started;
    if (!started) {
      const status = await handle.exited;
      const code = status.exitCode === INVALID_IMAGE_EXIT_CODE ? "InvalidImage" : "StartFailed";
      throw new RuntimeError(code, status.message ?? `the runner exited with ${status.exitCode} before starting`);
    }
    return handle;
  }

  /** Kills every container still running and stops the limit timer. */
  async close(): Promise<void> {
    await Promise.all([...this.#running].map((h) => h.stop(0)));
    this.#governor.close();
  }
}

class RunnerHandle implements ContainerHandle {
  readonly id: string;
  readonly startedAt = new Date().toISOString();
  readonly exited: Promise<ExitStatus>;
  /** true once the guest runs; false when the runner ended first. */
  readonly started: Promise<boolean>;
  readonly #child: Bun.Subprocess<"pipe", "pipe", "pipe">;
  readonly #governed: Governed;
  #exitMessage: Extract<RunnerMessage, { type: "exit" }> | undefined;
  #killedFor: { reason: KillReason; message: string } | undefined;
  #stderrTail = "";
  #done = false;

  constructor(config: ContainerConfig, child: Bun.Subprocess<"pipe", "pipe", "pipe">, governor: LimitGovernor) {
    this.id = config.id;
    this.#child = child;
    this.#governed = governor.govern(
      child.pid,
      { cpuLimitMillis: config.resources.cpuLimitMillis, memoryLimitBytes: config.resources.memoryLimitBytes },
      (reason, message) => {
        this.#killedFor = { reason, message };
      },
    );
    let markStarted: (started: boolean) => void = () => {};
    this.started = new Promise((resolve) => (markStarted = resolve));
    const messages = this.#readMessages((message) => {
      if (message.type === "started") {
        markStarted(true);
        if (message.mode === "command") this.#governed.busy();
      } else if (message.type === "busy") this.#governed.busy();
      else if (message.type === "idle") this.#governed.idle();
      else if (message.type === "exit") this.#exitMessage = message;
    });
    const stderr = this.#readStderr();
    this.exited = Promise.all([child.exited, messages, stderr]).then(() => {
      this.#done = true;
      this.#governed.release();
      markStarted(false);
      return this.#status();
    });
  }

  async stop(gracePeriodMs: number): Promise<ExitStatus> {
    if (this.#done) return this.exited;
    // A throttled (SIGSTOPped) runner would not see SIGTERM until resumed.
    this.#governed.release();
    this.#signal(gracePeriodMs > 0 ? "SIGTERM" : "SIGKILL");
    if (gracePeriodMs > 0) {
      const timer = setTimeout(() => this.#signal("SIGKILL"), gracePeriodMs);
      await this.exited.finally(() => clearTimeout(timer));
    }
    return this.exited;
  }

  async stats(): Promise<{ memoryBytes: number; cpuMillis: number } | undefined> {
    if (this.#done) return undefined;
    const cpu = cpuMillis(this.#child.pid);
    const memory = residentBytes(this.#child.pid);
    return cpu === undefined || memory === undefined ? undefined : { cpuMillis: cpu, memoryBytes: memory };
  }

  #signal(signal: "SIGTERM" | "SIGKILL"): void {
    try {
      this.#child.kill(signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }

  #status(): ExitStatus {
    const finishedAt = new Date().toISOString();
    if (this.#killedFor) {
      return { exitCode: 137, reason: this.#killedFor.reason, signal: "SIGKILL", message: this.#killedFor.message, finishedAt };
    }
    if (this.#exitMessage) {
      const { exitCode, reason, message } = this.#exitMessage;
      return { exitCode, reason, message, finishedAt };
    }
    const code = this.#child.signalCode;
    const signal = code === null ? undefined : String(code);
    const exitCode = typeof code === "number" ? 128 + code : signal ? 128 + signalNumber(signal) : (this.#child.exitCode ?? 1);
    const message = this.#stderrTail.trim() || (signal ? `killed by ${signal}` : undefined);
    return { exitCode, reason: exitCode === 0 ? ExitReason.Completed : ExitReason.Error, signal, message, finishedAt };
  }

  async #readMessages(onMessage: (message: RunnerMessage) => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of this.#child.stdout) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf("\n")) !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (!line) continue;
        let message: RunnerMessage;
        try {
          message = JSON.parse(line) as RunnerMessage;
        } catch {
          // Not ours (a runtime warning on stdout): keep it with the diagnostics.
          this.#stderrTail = `${this.#stderrTail}${line}\n`.slice(-STDERR_TAIL_BYTES);
          continue;
        }
        onMessage(message);
      }
    }
  }

  async #readStderr(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of this.#child.stderr) {
      this.#stderrTail = (this.#stderrTail + decoder.decode(chunk, { stream: true })).slice(-STDERR_TAIL_BYTES);
    }
  }
}
