// A pod's status, computed from its record alone (the states of its machine
// and its containers'), as the kubelet's generateAPIPodStatus does; and the
// step that carries condition transition times over from what the API holds.
import type { Container, ContainerStatus, Pod, PodStatus } from "../../../schemas/index.ts";
import { quantityValue } from "../../../schemas/checks/quantity.ts";
import type { ContainerState } from "./containers/container-states.ts";
import type { ContainerRecord, PodRecord } from "./pod-record.ts";
import type { PodPhase } from "./pod-states.ts";

export const PodConditionType = {
  PodScheduled: "PodScheduled",
  Initialized: "Initialized",
  ContainersReady: "ContainersReady",
  Ready: "Ready",
} as const;

/** The condition types this agent owns; others (set by the scheduler, the node controller, users' gates) are left as they are. */
const OWNED = new Set<string>([PodConditionType.Initialized, PodConditionType.ContainersReady, PodConditionType.Ready]);

type Condition = NonNullable<PodStatus["conditions"]>[number];

export function computePodStatus(record: PodRecord, pod: Pod): PodStatus {
  const spec = pod.spec;
  const specOf = (c: ContainerRecord): Container | undefined =>
    (c.init ? spec?.initContainers : spec?.containers)?.find((s) => s.name === c.name);
  const inits = record.containers.filter((c) => c.init);
  const apps = record.containers.filter((c) => !c.init);
  const phase = phaseOf(record);
  const terminal = phase === "Succeeded" || phase === "Failed";

  const conditions: Condition[] = [];
  const pending = inits.filter((c) => !(c.state.name === "exited" && c.state.termination.exitCode === 0)).map((c) => c.name);
  conditions.push(
    record.initialized || pending.length === 0
      ? condition(PodConditionType.Initialized, true)
      : condition(PodConditionType.Initialized, false, "ContainersNotInitialized", `containers with incomplete status: [${pending.join(" ")}]`),
  );
  const unready = apps.filter((c) => !(c.state.name === "running" && c.ready)).map((c) => c.name);
  const containersReady = unready.length === 0;
  const notReadyReason = terminal ? "PodCompleted" : "ContainersNotReady";
  const notReadyMessage = terminal ? undefined : `containers with unready status: [${unready.join(" ")}]`;
  conditions.push(
    containersReady ? condition(PodConditionType.ContainersReady, true) : condition(PodConditionType.ContainersReady, false, notReadyReason, notReadyMessage),
  );
  const gates = (spec?.readinessGates ?? []).map((g) => g.conditionType);
  const gatesOpen = gates.every((gate) => pod.status?.conditions?.some((c) => c.type === gate && c.status === "True"));
  if (containersReady && gatesOpen) conditions.push(condition(PodConditionType.Ready, true));
  else if (!containersReady) conditions.push(condition(PodConditionType.Ready, false, notReadyReason, notReadyMessage));
  else conditions.push(condition(PodConditionType.Ready, false, "ReadinessGatesNotReady", `corresponding condition of pod readiness gate "${gates.join(", ")}" does not exist.`));

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: record.hostIP,
    hostIPs: [{ ip: record.hostIP }],
    startTime: record.startTime,
    qosClass: qosClassOf(pod),
    containerStatuses: apps.map((c) => containerStatus(c, specOf(c), record)),
  };
  if (record.podIPs.length > 0) {
    status.podIP = record.podIPs[0];
    status.podIPs = record.podIPs.map((ip) => ({ ip }));
  }
  if (inits.length > 0) status.initContainerStatuses = inits.map((c) => containerStatus(c, specOf(c), record));
  if (record.state.name === "completed" && record.state.reason) status.reason = record.state.reason;
  if (record.state.name === "completed" && record.state.message) status.message = record.state.message;
  return status;
}

function phaseOf(record: PodRecord): PodPhase {
  const state = record.state;
  if (state.name === "completed") return state.phase;
  const apps = record.containers.filter((c) => !c.init);
  if (state.name === "terminating" || state.name === "terminated") {
    // Stopped for deletion: the kubelet ends with a terminal phase once nothing runs.
    if (apps.some((c) => c.state.name !== "exited")) return record.ranContainers ? "Running" : "Pending";
    return apps.every((c) => c.state.name === "exited" && c.state.termination.exitCode === 0) ? "Succeeded" : "Failed";
  }
  if (!record.initialized || !record.ranContainers) return "Pending";
  return "Running";
}

function containerStatus(record: ContainerRecord, spec: Container | undefined, pod: PodRecord): ContainerStatus {
  const state = record.state;
  const status: ContainerStatus = {
    name: record.name,
    state: stateOf(state, record, pod),
    lastState: record.lastTermination ? { terminated: record.lastTermination } : {},
    ready: state.name === "running" && record.ready,
    restartCount: record.restartCount,
    image: spec?.image ?? record.image?.reference ?? "",
    imageID: record.image ? imageIdOf(record.image.reference, record.image.digest) : "",
    started: state.name === "running" && record.started,
  };
  const containerID =
    state.name === "running" ? state.containerID : state.name === "exited" ? state.termination.containerID : record.lastTermination?.containerID;
  if (containerID) status.containerID = containerID;
  return status;
}

function stateOf(state: ContainerState, record: ContainerRecord, pod: PodRecord): NonNullable<ContainerStatus["state"]> {
  switch (state.name) {
    case "waiting":
      return { waiting: { reason: record.init || !pod.initialized ? "PodInitializing" : "ContainerCreating" } };
    case "image-pull":
      return { waiting: state.lastError ? { reason: "ErrImagePull", message: state.lastError } : { reason: "ContainerCreating" } };
    case "starting":
      return { waiting: { reason: "ContainerCreating" } };
    case "image-pull-backoff":
    case "crash-loop-backoff":
      return { waiting: { reason: state.reason, message: state.message } };
    case "running":
      return { running: { startedAt: state.startedAt } };
    case "exited":
      return { terminated: state.termination };
  }
}

/** "registry/repo@sha256:…", as containerStatuses[].imageID reads. */
export function imageIdOf(reference: string, digest: string): string {
  const withoutDigest = reference.split("@")[0]!;
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  return `${repository}@${digest}`;
}

/** Kubernetes' QoS class: Guaranteed when every container's cpu and memory limits equal their requests, BestEffort with none at all. */
export function qosClassOf(pod: Pod): "Guaranteed" | "Burstable" | "BestEffort" {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const container of containers) {
    const { requests = {}, limits = {} } = container.resources ?? {};
    for (const resource of ["cpu", "memory"]) {
      const request = requests[resource] ?? limits[resource];
      const limit = limits[resource];
      if (request !== undefined || limit !== undefined) any = true;
      if (limit === undefined || request === undefined || quantityValue(request as string) !== quantityValue(limit as string)) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

const condition = (type: string, ok: boolean, reason?: string, message?: string): Condition => ({
  type,
  status: ok ? "True" : "False",
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {}),
});

/**
 * The status to write: `desired` over what the API holds, keeping fields and
 * conditions this agent does not own, and each condition's
 * lastTransitionTime unless its status changed.
 */
export function statusToWrite(desired: PodStatus, current: PodStatus | undefined, now: string): PodStatus {
  const previous = new Map((current?.conditions ?? []).map((c) => [c.type, c]));
  const conditions: Condition[] = [];
  for (const c of current?.conditions ?? []) if (!OWNED.has(c.type)) conditions.push(c);
  if (!previous.has(PodConditionType.PodScheduled)) conditions.push({ type: PodConditionType.PodScheduled, status: "True", lastTransitionTime: now });
  for (const c of desired.conditions ?? []) {
    const before = previous.get(c.type);
    conditions.push({ ...c, lastTransitionTime: before?.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now });
  }
  const order = [PodConditionType.PodScheduled, PodConditionType.Initialized, PodConditionType.ContainersReady, PodConditionType.Ready] as string[];
  conditions.sort((a, b) => rank(order, a.type) - rank(order, b.type));
  const { reason: _reason, message: _message, ...rest } = current ?? {};
  return { ...rest, ...desired, conditions };
}

const rank = (order: string[], type: string) => {
  const i = order.indexOf(type);
  return i === -1 ? order.length : i;
};
