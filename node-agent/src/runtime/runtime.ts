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

export interface ExitStatus {
  exitCode: number;
  /** "Completed", "Error", "OOMKilled", "CPULimitExceeded"… as containerStatuses report it. */
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
  stats?(): Promise<{ memoryBytes: number; cpuMillis: number }>;
}

export interface Runtime {
  /** The RuntimeClass handler name ("jco", "wasmtime", "runc"). */
  readonly name: string;
  handles(kind: ArtifactKind): boolean;
  start(config: ContainerConfig): Promise<ContainerHandle>;
  /** Frees what the runtime keeps (caches, helper processes). */
  close?(): Promise<void>;
}
