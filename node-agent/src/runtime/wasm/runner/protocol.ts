// What the agent and a pod's runner process say to each other. The agent writes
// one RunnerConfig to the runner's stdin; the runner writes one JSON message per
// line to its stdout with synchronous writes, so a message sent just before the
// guest starts spinning is not stuck in a buffer. stderr is the runner's own
// diagnostics; the guest's output goes to the pod's log file.
import type { Preopen } from "./preview1.ts";

/** Runner exit code for "the artifact cannot run here", before the guest started: start() rejects with InvalidImage. */
export const INVALID_IMAGE_EXIT_CODE = 3;

/** A core module's import object. */
export type Imports = Bun.WebAssembly.Imports;

export interface RunnerConfig {
  /** The runner ends itself when its parent is no longer this process. */
  agentPid: number;
  wasmPath: string;
  /** Image digest: the key of the on-disk transpile cache. */
  digest: string;
  cacheDir: string;
  args: string[];
  env: Record<string, string>;
  preopens: Preopen[];
  /** Guest path of the initial working directory, when it is inside a preopen. */
  workingDir?: string;
  logPath: string;
  /** Caps each linear memory the guest defines. */
  memoryLimitBytes?: number;
  /** Where an HTTP component serves (podIP:containerPort). */
  listen?: { hostname: string; port: number };
}

export type RunnerMessage =
  | { type: "started"; mode: "command" | "http" }
  /** A guest call began (an HTTP request); CPU it burns until "idle" counts against the runaway budget. */
  | { type: "busy" }
  | { type: "idle" }
  | { type: "exit"; exitCode: number; reason: string; message?: string };
