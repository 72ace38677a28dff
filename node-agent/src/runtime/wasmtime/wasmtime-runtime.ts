// The wasmtime engine: every pod container runs inside the agent process, on one
// wasmtime Engine per node (node-agent/native/wasmtime, an N-API addon). Where
// the jco engine needs a process per pod to stop and measure a guest, wasmtime
// does it from inside: epoch interruption meters and throttles each guest's CPU
// and stops a runaway one, a resource limiter caps its linear memory, and
// wasi:http is served by hyper in Rust with a pooled instance per request, so no
// request crosses into JS.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  type ArtifactKind,
  type ContainerConfig,
  type ContainerHandle,
  type ExitStatus,
  type Runtime,
  RuntimeError,
  type RuntimeErrorCode,
} from "../runtime.ts";
import type { NativeWasmtime } from "./native.ts";

export interface WasmtimeRuntimeOptions {
  /** Compiled modules and components, serialized, by the sha256 of the Wasm bytes and the engine build. */
  cacheDir: string;
  /**
   * A guest call (a command's whole run, or one HTTP request) that uses more CPU
   * than its limit allows over this window is stopped with CPULimitExceeded, as
   * in the jco engine. Default 30 s; 0 turns it off (throttling only).
   */
  cpuRunawayWindowMs?: number;
  /** An HTTP request whose handler has not answered by then gets a 504 and its instance is dropped. Default 60 s. */
  requestTimeoutMs?: number;
  /** The epoch tick: CPU accounting and throttling granularity, and the longest a guest runs unchecked. Default 10 ms. */
  tickMs?: number;
  /**
   * Serve HTTP requests from kept instances instead of a fresh instance each.
   * For benchmarks only: guest state then leaks from one request to the next.
   */
  reuseInstances?: boolean;
}

/** Shape of the addon's exit status (pod.rs ExitStatus). */
interface NativeExit {
  exitCode: number;
  reason: string;
  signal?: string | null;
  message?: string | null;
}

/** The addon itself, or a loader for it that throws why it cannot: the runtime then loads it on first use. */
export type NativeSource = NativeWasmtime | (() => NativeWasmtime);

export class WasmtimeRuntime implements Runtime {
  readonly name = "wasmtime";
  readonly #source: NativeSource;
  #started: { native: NativeWasmtime; info: { version: string; pooling: boolean } } | undefined;
  readonly #options: WasmtimeRuntimeOptions;
  readonly #running = new Set<WasmtimeHandle>();

  /**
   * Given the addon, starts the engine now; given a loader, with the first pod
   * (or precompile, or engineInfo): an agent that runs no Wasm pod never maps
   * the library nor starts its threads and pool (~9 MB resident).
   */
  constructor(native: NativeSource, options: WasmtimeRuntimeOptions) {
    this.#source = native;
    this.#options = options;
    if (typeof native !== "function") this.#start();
  }

  /** { version, pooling }: which wasmtime, and whether the pooling allocator got its address space. Starts the engine. */
  get engineInfo(): { version: string; pooling: boolean } {
    return this.#start().info;
  }

  #engine(): NativeWasmtime {
    return this.#start().native;
  }

  #start(): { native: NativeWasmtime; info: { version: string; pooling: boolean } } {
    if (this.#started) return this.#started;
    const native = typeof this.#source === "function" ? this.#source() : this.#source;
    mkdirSync(this.#options.cacheDir, { recursive: true });
    // One engine per process (the first options win): every runtime here shares its compiled code and pool.
    const info = JSON.parse(native.init(JSON.stringify({ cacheDir: this.#options.cacheDir, tickMs: this.#options.tickMs ?? 10 })));
    this.#started = { native, info };
    return this.#started;
  }

  handles(kind: ArtifactKind): boolean {
    return kind === "wasm-module" || kind === "wasm-component";
  }

  async start(config: ContainerConfig): Promise<ContainerHandle> {
    if (!this.handles(config.image.kind)) {
      throw new RuntimeError("InvalidImage", `the wasmtime runtime does not run ${config.image.kind} images`);
    }
    mkdirSync(dirname(config.logPath), { recursive: true });
    const port = config.ports.find((p) => p.protocol === "TCP");
    const nativeConfig = {
      path: config.image.path,
      digest: config.image.digest,
      logPath: config.logPath,
      guest: {
        args: [...(config.command ?? [config.containerName]), ...(config.args ?? [])],
        env: Object.entries(config.env),
        preopens: config.mounts.map((m) => ({ guestPath: m.containerPath, hostPath: m.hostPath, readOnly: m.readOnly })),
        workingDir: config.workingDir ?? null,
        memoryLimitBytes: config.resources.memoryLimitBytes ?? null,
      },
      listen: port ? { host: config.podIP, port: port.containerPort } : null,
      cpuLimitMillis: config.resources.cpuLimitMillis ?? null,
      cpuRunawayWindowMs: this.#options.cpuRunawayWindowMs ?? 30_000,
      requestTimeoutMs: this.#options.requestTimeoutMs ?? 60_000,
      reuseInstances: this.#options.reuseInstances ?? false,
    };
    let native: NativeWasmtime;
    try {
      native = this.#engine();
    } catch (error) {
      throw new RuntimeError("StartFailed", (error as Error).message ?? String(error), { cause: error });
    }
    let id: number;
    try {
      id = await native.start(JSON.stringify(nativeConfig));
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      const match = /^(InvalidImage|StartFailed): ([\s\S]*)$/.exec(message);
      const code: RuntimeErrorCode = (match?.[1] as RuntimeErrorCode | undefined) ?? "StartFailed";
      throw new RuntimeError(code, match?.[2] ?? message, { cause: error });
    }
    const handle = new WasmtimeHandle(config.id, id, native);
    this.#running.add(handle);
    void handle.exited.then(() => this.#running.delete(handle));
    return handle;
  }

  /** Compiles an image into the caches ahead of its first start (what start() would do first). */
  async precompile(image: ContainerConfig["image"]): Promise<void> {
    await this.#engine().precompile(image.path, image.digest);
  }

  /** Kills every container still running. The engine itself lives as long as the process. */
  async close(): Promise<void> {
    await Promise.all([...this.#running].map((h) => h.stop(0)));
  }
}

class WasmtimeHandle implements ContainerHandle {
  readonly startedAt = new Date().toISOString();
  readonly exited: Promise<ExitStatus>;
  #done = false;

  constructor(
    readonly id: string,
    private readonly nativeId: number,
    private readonly native: NativeWasmtime,
  ) {
    this.exited = native.wait(nativeId).then((json) => {
      this.#done = true;
      const exit = JSON.parse(json) as NativeExit;
      return {
        exitCode: exit.exitCode,
        reason: exit.reason,
        ...(exit.signal ? { signal: exit.signal } : {}),
        ...(exit.message ? { message: exit.message } : {}),
        finishedAt: new Date().toISOString(),
      };
    });
  }

  async stop(gracePeriodMs: number): Promise<ExitStatus> {
    if (!this.#done) {
      try {
        this.native.stop(this.nativeId, Math.max(0, Math.round(gracePeriodMs)));
      } catch {
        // Exited between the check and the call: the status is on its way.
      }
    }
    return this.exited;
  }

  async stats(): Promise<{ memoryBytes: number; cpuMillis: number } | undefined> {
    if (this.#done) return undefined;
    const json = this.native.stats(this.nativeId);
    return json === null ? undefined : (JSON.parse(json) as { memoryBytes: number; cpuMillis: number });
  }
}
