// Finds the log files of a container instance for the log endpoint: the
// current (or, with previous, the one before) instance of a container of a
// pod this agent runs, and whether it is still writing.
import type { PodManager } from "../pods/pod-manager.ts";
import type { LogFiles } from "./log-files.ts";

export interface LocatedLog {
  pieces: string[];
  /** Settles when the instance stops writing; undefined: it already has. */
  done?: Promise<unknown>;
}

/** Why there are no logs to serve, as an HTTP status and the kubelet's words. */
export class LogLookupError extends Error {
  override readonly name = "LogLookupError";
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

export function locateLog(pods: Pick<PodManager, "find">, files: LogFiles, namespace: string, pod: string, container: string, previous: boolean): LocatedLog {
  const worker = pods.find(namespace, pod);
  if (!worker) throw new LogLookupError(404, `pod ${namespace}/${pod} is not running on this node`);
  const record = worker.record.containers.find((c) => c.name === container);
  if (!record) throw new LogLookupError(404, `container ${container} is not valid for pod ${pod}`);
  const attempt = record.instances - (previous ? 2 : 1);
  if (attempt < 0) {
    if (previous) throw new LogLookupError(400, `previous terminated container "${container}" in pod "${pod}" not found`);
    const reason = worker.status().containerStatuses?.concat(worker.status().initContainerStatuses ?? []).find((s) => s.name === container)?.state?.waiting?.reason ?? "ContainerCreating";
    throw new LogLookupError(400, `container "${container}" in pod "${pod}" is waiting to start: ${reason}`);
  }
  const machine = worker.container(container);
  const running = !previous && record.state.name === "running" && machine?.handle;
  return { pieces: files.pieces(worker.record, container, attempt), ...(running ? { done: machine.handle.exited } : {}) };
}
