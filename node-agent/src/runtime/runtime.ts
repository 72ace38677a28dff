// The one interface every container runtime implements (Wasm engines, runc).
// The pod state machine drives it; the Runtime contract suite checks it.

/** What an image turned out to be once pulled. */
export type ArtifactKind = "wasm-module" | "wasm-component" | "oci-rootfs";

export interface ResolvedImage {
  /** As the pod spec names it. */
  reference: string;
  /** The manifest digest it resolved to ("sha256:…"). */
  digest: string;
  kind: ArtifactKind;
  /** Wasm: the .wasm file. OCI: the unpacked root file system directory. */
  path: string;
  /** The image config's defaults (entrypoint, cmd, env, workingDir, user), OCI only. */
  config?: { entrypoint?: string[]; cmd?: string[]; env?: string[]; workingDir?: string; user?: string };
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface PortMapping {
  containerPort: number;
  protocol: "TCP" | "UDP" | "SCTP";
  name?: string;
}

export interface ContainerConfig {
  /** Unique per container instance (pod uid + container name + attempt). */
  id: string;
  podUid: string;
  podName: string;
  namespace: string;
  containerName: string;
  image: ResolvedImage;
  /**
   * As in OCI: argv is command ++ args. Wasm has no image entrypoint, so without
   * a command argv[0] is the container name.
   */
  command?: string[];
  args?: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  ports: PortMapping[];
  /** The pod's IP: where its servers listen (loopback mode: an address in 127.0.0.0/8). */
  podIP: string;
  resources: {
    /** resources.limits.memory in bytes. */
    memoryLimitBytes?: number;
    /** resources.limits.cpu in millicores. */
    cpuLimitMillis?: number;
  };
  securityContext?: {
    runAsUser?: number;
    runAsGroup?: number;
    readOnlyRootFilesystem?: boolean;
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
  /** stdout and stderr are appended here, one line per record, with timestamps. */
  logPath: string;
  /** The network namespace to join (bridge mode); absent: the host's. */
  netnsPath?: string;
}

/**
 * containerStatuses[].state.terminated.reason values. Kubernetes' own spellings
 * where one exists; CPULimitExceeded is ours: a guest that burned more CPU in one
 * call than its limit allows over the runtime's runaway window (see
 * JcoWasmRuntime) is killed, since Wasm guests cannot be preempted otherwise.
 */
export const ExitReason = {
  Completed: "Completed",
  Error: "Error",
  OOMKilled: "OOMKilled",
  CPULimitExceeded: "CPULimitExceeded",
} as const;

export interface ExitStatus {
  exitCode: number;
  /** One of ExitReason, as containerStatuses report it. */
  reason: string;
  signal?: string;
  message?: string;
  finishedAt: string;
}

export interface ContainerHandle {
  readonly id: string;
  readonly startedAt: string;
  /** Resolves once the container has exited, for whatever reason. */
  readonly exited: Promise<ExitStatus>;
  /** SIGTERM (or the engine's equivalent), then kill after the grace period. */
  stop(gracePeriodMs: number): Promise<ExitStatus>;
  /** Runs a command inside (exec probes); runtimes that cannot say so. */
  exec?(command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  /** Resident memory and CPU time used so far; undefined once exited. */
  stats?(): Promise<{ memoryBytes: number; cpuMillis: number } | undefined>;
}

/** Why start() refused: a closed set, so the pod state machine can map each to a waiting reason. */
export type RuntimeErrorCode =
  /** The artifact is not something this runtime runs (bad bytes, unknown world, missing port). */
  | "InvalidImage"
  /** The container could not be started (spawn failed, bind failed, runner crashed early). */
  | "StartFailed";

export class RuntimeError extends Error {
  override readonly name = "RuntimeError";
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface Runtime {
  /** The RuntimeClass handler name ("jco", "wasmtime", "runc"). */
  readonly name: string;
  handles(kind: ArtifactKind): boolean;
  /**
   * Resolves once the container runs (an HTTP component: once it listens);
   * rejects with RuntimeError when it never got that far.
   */
  start(config: ContainerConfig): Promise<ContainerHandle>;
  /**
   * Re-attaches, after an agent restart, to a container an earlier agent
   * process started (ContainerConfig.id), whether it still runs or has exited
   * since; undefined when the runtime knows no such container. Only runtimes
   * whose containers outlive the agent (runc) offer it; the others' pods are
   * started again.
   */
  recover?(id: string): Promise<ContainerHandle | undefined>;
  /** Frees what the runtime keeps (caches, helper processes). */
  close?(): Promise<void>;
}
