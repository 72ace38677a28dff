// An in-memory Runtime for the pod state machine's tests: containers that
// run until a test makes them exit, starts that fail on demand, stop() that
// obeys the grace period on the test's clock, exec results and stats set by
// hand, and (when asked) a real HTTP server on the pod's IP for probes.
import { type Clock, realClock, rfc3339 } from "../clock.ts";
import { CriLogWriter, type LogStream } from "../runtime/cri-log.ts";
import {
  type ArtifactKind,
  type ContainerConfig,
  type ContainerHandle,
  type ExitStatus,
  type Runtime,
  RuntimeError,
  type RuntimeErrorCode,
} from "../runtime/runtime.ts";

export interface FakeRuntimeOptions {
  name?: string;
  kinds?: ArtifactKind[];
  clock?: Clock;
  /** Containers get exec() (exec probes) unless false. */
  exec?: boolean;
}

export class FakeRuntime implements Runtime {
  readonly name: string;
  readonly started: FakeContainer[] = [];
  readonly #kinds: ArtifactKind[];
  readonly #clock: Clock;
  readonly #exec: boolean;
  readonly #failures = new Map<string, { code: RuntimeErrorCode; message: string }[]>();
  #watchers: (() => void)[] = [];
  closed = false;

  constructor(options: FakeRuntimeOptions = {}) {
    this.name = options.name ?? "fake";
    this.#kinds = options.kinds ?? ["wasm-module", "wasm-component", "oci-rootfs"];
    this.#clock = options.clock ?? realClock;
    this.#exec = options.exec ?? true;
  }

  handles(kind: ArtifactKind): boolean {
    return this.#kinds.includes(kind);
  }

  async start(config: ContainerConfig): Promise<ContainerHandle> {
    const failure = this.#failures.get(config.containerName)?.shift();
    if (failure) throw new RuntimeError(failure.code, failure.message);
    const container = new FakeContainer(config, this.#clock, this.#exec);
    this.started.push(container);
    for (const wake of this.#watchers.splice(0)) wake();
    return container;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const container of this.started) if (container.running) container.exit(137, "Error");
  }

  /** The next start of `container` (by name, in any pod) fails. */
  failNextStart(container: string, message = "fake start failure", code: RuntimeErrorCode = "StartFailed"): void {
    const list = this.#failures.get(container) ?? [];
    list.push({ code, message });
    this.#failures.set(container, list);
  }

  instances(pod: string, container: string): FakeContainer[] {
    return this.started.filter((c) => c.config.podName === pod && c.config.containerName === container);
  }

  /** Resolves with the `n`th instance (1-based) of a container once it has started. */
  async instance(pod: string, container: string, n = 1): Promise<FakeContainer> {
    for (;;) {
      const found = this.instances(pod, container)[n - 1];
      if (found) return found;
      await new Promise<void>((resolve) => this.#watchers.push(resolve));
    }
  }

  running(): FakeContainer[] {
    return this.started.filter((c) => c.running);
  }
}

export class FakeContainer implements ContainerHandle {
  readonly id: string;
  readonly startedAt: string;
  readonly exited: Promise<ExitStatus>;
  readonly stops: number[] = [];
  /** Exit code when asked to stop and it obeys (default 0: a graceful shutdown). */
  termExitCode = 0;
  /** When true, SIGTERM is ignored and only the kill at the end of the grace period stops it. */
  ignoresTerm = false;
  execResult: { exitCode: number; output: string } = { exitCode: 0, output: "" };
  usage = { memoryBytes: 10 * 1024 * 1024, cpuMillis: 0 };
  exec?: ContainerHandle["exec"];
  #resolve!: (exit: ExitStatus) => void;
  #status: ExitStatus | undefined;
  #log: CriLogWriter;
  #servers: ReturnType<typeof Bun.serve>[] = [];
  /** What its HTTP servers answer: 200 when healthy, 500 when not. */
  healthy = true;

  constructor(
    readonly config: ContainerConfig,
    private readonly clock: Clock,
    exec: boolean,
  ) {
    this.id = config.id;
    this.startedAt = rfc3339(clock.now());
    this.exited = new Promise((resolve) => (this.#resolve = resolve));
    this.#log = new CriLogWriter(config.logPath);
    if (exec) this.exec = async () => this.execResult;
  }

  get running(): boolean {
    return this.#status === undefined;
  }

  /** Ends the instance with `exitCode` (reason Completed for 0, else Error unless given). */
  exit(exitCode: number, reason = exitCode === 0 ? "Completed" : "Error"): ExitStatus {
    if (this.#status) return this.#status;
    this.#status = { exitCode, reason, finishedAt: rfc3339(this.clock.now()) };
    for (const server of this.#servers) void server.stop(true);
    this.#log.close();
    this.#resolve(this.#status);
    return this.#status;
  }

  async stop(gracePeriodMs: number): Promise<ExitStatus> {
    this.stops.push(gracePeriodMs);
    if (this.#status) return this.#status;
    if (!this.ignoresTerm) return this.exit(this.termExitCode);
    await Promise.race([this.exited, this.clock.sleep(gracePeriodMs)]);
    return this.exit(137, "Error");
  }

  async stats(): Promise<{ memoryBytes: number; cpuMillis: number } | undefined> {
    return this.running ? this.usage : undefined;
  }

  /** Writes a line to its log, as a runtime does with the guest's output. */
  log(text: string, stream: LogStream = "stdout"): void {
    this.#log.write(stream, new TextEncoder().encode(`${text}\n`));
  }

  /** Serves HTTP on the pod's IP at `port` (a probe target), answering by `healthy`. */
  serve(port: number): number {
    const server = Bun.serve({
      hostname: this.config.podIP,
      port,
      fetch: () => new Response(this.healthy ? "ok" : "unhealthy", { status: this.healthy ? 200 : 500 }),
    });
    this.#servers.push(server);
    return server.port ?? port;
  }
}

/** A FakeRuntime whose containers outlive the agent, as runc's do: a restarted agent re-attaches by id. */
export class RecoverableFakeRuntime extends FakeRuntime {
  async recover(id: string): Promise<ContainerHandle | undefined> {
    return this.started.find((c) => c.id === id);
  }

  list(): string[] {
    return this.started.filter((c) => c.running).map((c) => c.id);
  }

  /** Containers run on by design. */
  override async close(): Promise<void> {}
}
