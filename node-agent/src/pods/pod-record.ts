// The agent's own account of a pod, saved after every transition: the state
// of the pod's machine and of each container's, restart counts, the image
// each container resolved to, the pod's addresses. Status is computed from
// it (status.ts); after a restart the agent resumes from it.
import type { Pod } from "../../../schemas/index.ts";
import type { ResolvedImage } from "../runtime/runtime.ts";
import type { ContainerState, Termination } from "./containers/container-states.ts";
import type { PodState } from "./pod-states.ts";

export const RECORD_VERSION = 1;

export interface ContainerRecord {
  name: string;
  init: boolean;
  state: ContainerState;
  /** Instances started so far; the next instance's log file is numbered by it. */
  instances: number;
  restartCount: number;
  /** The previous instance's end (containerStatuses[].lastState). */
  lastTermination?: Termination;
  /** What the image reference resolved to at the first pull; restarts reuse it. */
  image?: ResolvedImage;
  /** Consecutive failed pulls, for their back-off. */
  pullFailures: number;
  /** Consecutive restarts without a long enough run in between, for CrashLoopBackOff. */
  crashes: number;
  /** The startup probe has passed (or there is none) for the current instance. */
  started: boolean;
  /** The readiness probe passes (or there is none) for the current instance. */
  ready: boolean;
}

export interface PodRecord {
  version: typeof RECORD_VERSION;
  uid: string;
  namespace: string;
  name: string;
  state: PodState;
  podIPs: string[];
  /** The network namespace its containers join (bridge mode). */
  netnsPath?: string;
  hostIP: string;
  /** status.startTime: when this agent accepted the pod. */
  startTime: string;
  /** All init containers have succeeded. */
  initialized: boolean;
  /** An app container has run: the phase never goes back to Pending. */
  ranContainers: boolean;
  containers: ContainerRecord[];
}

const containerRecord = (name: string, init: boolean): ContainerRecord => ({
  name,
  init,
  state: { name: "waiting" },
  instances: 0,
  restartCount: 0,
  pullFailures: 0,
  crashes: 0,
  started: false,
  ready: false,
});

export function newPodRecord(pod: Pod, hostIP: string, startTime: string): PodRecord {
  const spec = pod.spec;
  return {
    version: RECORD_VERSION,
    uid: pod.metadata?.uid ?? "",
    namespace: pod.metadata?.namespace ?? "default",
    name: pod.metadata?.name ?? "",
    state: { name: "registered" },
    podIPs: [],
    hostIP,
    startTime,
    initialized: (spec?.initContainers ?? []).length === 0,
    ranContainers: false,
    containers: [
      ...(spec?.initContainers ?? []).map((c) => containerRecord(c.name, true)),
      ...(spec?.containers ?? []).map((c) => containerRecord(c.name, false)),
    ],
  };
}

/** Reads a record back from the agent's database; undefined when it is not one this agent can resume. */
export function readPodRecord(value: unknown): PodRecord | undefined {
  const record = value as Partial<PodRecord> | null;
  if (!record || typeof record !== "object" || record.version !== RECORD_VERSION) return undefined;
  if (typeof record.uid !== "string" || !record.state || !Array.isArray(record.containers)) return undefined;
  return record as PodRecord;
}

export const podKey = (r: { namespace: string; name: string }): string => `${r.namespace}/${r.name}`;
export const podFullName = (r: { namespace: string; name: string; uid: string }): string => `${r.name}_${r.namespace}(${r.uid})`;
