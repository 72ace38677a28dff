// What a DaemonSet sync decides, as pure functions of the DaemonSet, its
// nodes and its pods grouped by node: the pods to create and delete so each
// eligible node runs one (manage), which old pods to replace in a rolling
// update (maxUnavailable / maxSurge), and the status.
import { isPodAvailable, isPodReady } from "../replicaset/pod-status.ts";
import { parseTime, type Pod } from "../replicaset/types.ts";
import { CONTROLLER_REVISION_HASH, type DaemonSet, type NodeObject, nodeShouldRunDaemonPod } from "./daemon-pods.ts";

/** node name → the DaemonSet's pods meant for it. */
export type PodsByNode = ReadonlyMap<string, readonly Pod[]>;

export interface SyncPlan {
  /** Nodes that get a new daemon pod. */
  create: string[];
  /** Pods to delete, and why (for the events). */
  delete: { pod: Pod; failed?: boolean }[];
}

export const isUpdated = (pod: Pod, hash: string): boolean => pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;

const isTerminating = (pod: Pod) => !!pod.metadata.deletionTimestamp;

/** podByCreationTimestampAndPhase: bound pods first, then the oldest, then by name. */
export function byAgeAndPhase(a: Pod, b: Pod): number {
  const boundA = !!a.spec?.nodeName;
  const boundB = !!b.spec?.nodeName;
  if (boundA !== boundB) return boundA ? -1 : 1;
  const ta = parseTime(a.metadata.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : (a.metadata.name ?? "") > (b.metadata.name ?? "") ? 1 : 0;
}

/** MaxSurge is allowed (and used) only by a RollingUpdate with a non-zero maxSurge. */
export function allowsSurge(ds: DaemonSet): boolean {
  const strategy = ds.spec?.updateStrategy;
  if ((strategy?.type ?? "RollingUpdate") !== "RollingUpdate") return false;
  const surge = strategy?.rollingUpdate?.maxSurge;
  return surge !== undefined && surge !== 0 && surge !== "0%" && surge !== "0";
}

/**
 * manage(): per node, a missing pod to create, failed or surplus pods to
 * delete, all pods off nodes that should not run one; and pods meant for
 * nodes that no longer exist (never bound) go too.
 * `inBackoff(node)` holds back replacing failed pods on a node.
 */
export function planManage(ds: DaemonSet, nodes: readonly NodeObject[], podsByNode: PodsByNode, hash: string, inBackoff: (node: string) => boolean = () => false): SyncPlan {
  const plan: SyncPlan = { create: [], delete: [] };
  const surge = allowsSurge(ds);
  const known = new Set<string>();
  for (const node of nodes) {
    const name = node.metadata.name ?? "";
    known.add(name);
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const pods = podsByNode.get(name) ?? [];
    if (shouldRun && pods.length === 0) {
      plan.create.push(name);
    } else if (shouldContinueRunning) {
      const running: Pod[] = [];
      for (const pod of pods) {
        if (isTerminating(pod)) continue;
        const phase = pod.status?.phase;
        if (phase === "Failed" || phase === "Succeeded") {
          // A daemon pod that stopped is replaced (after a back-off, so a node that keeps rejecting it is not hammered).
          if (!inBackoff(name)) plan.delete.push({ pod, failed: phase === "Failed" });
        } else {
          running.push(pod);
        }
      }
      if (running.length <= 1) continue;
      running.sort(byAgeAndPhase);
      if (!surge) {
        for (const extra of running.slice(1)) plan.delete.push({ pod: extra });
        continue;
      }
      // Surging: keep the oldest updated pod and the oldest old one (the rolling update retires it).
      let keptNew = false;
      let keptOld = false;
      for (const pod of running) {
        if (isUpdated(pod, hash)) {
          if (!keptNew) {
            keptNew = true;
            continue;
          }
        } else if (!keptOld) {
          keptOld = true;
          continue;
        }
        plan.delete.push({ pod });
      }
    } else {
      for (const pod of pods) if (!isTerminating(pod)) plan.delete.push({ pod });
    }
  }
  for (const [name, pods] of podsByNode) {
    if (known.has(name)) continue;
    // Bound pods on a vanished node are the pod garbage collector's; unbound ones would wait forever.
    for (const pod of pods) if (!pod.spec?.nodeName && !isTerminating(pod)) plan.delete.push({ pod });
  }
  return plan;
}

/** intstr.GetScaledValueFromIntOrPercent, rounding up. */
export function scaledValue(value: number | string | undefined, total: number): number {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  const match = /^(\d+)%$/.exec(value);
  if (match) return Math.ceil((Number(match[1]) * total) / 100);
  const n = Number(value);
  return Number.isInteger(n) ? n : 0;
}

/** updatedDesiredNodeCounts: maxSurge and maxUnavailable over the nodes that should run the daemon. */
export function updateBudget(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const rollingUpdate = ds.spec?.updateStrategy?.rollingUpdate;
  const maxSurge = allowsSurge(ds) ? scaledValue(rollingUpdate?.maxSurge, desired) : 0;
  let maxUnavailable = scaledValue(rollingUpdate?.maxUnavailable ?? 1, desired);
  // Neither surge nor unavailability allowed would never progress: Kubernetes accepts one unavailable.
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** findUpdatedPodsOnNode: the node's (non-terminating) new and old pod; ok=false with more than one of either. */
function updatedPodsOnNode(pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (isTerminating(pod)) continue;
    if (isUpdated(pod, hash)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

/**
 * rollingUpdate(): old pods to delete (maxSurge 0: up to maxUnavailable
 * nodes down at once, unavailable old pods first) or nodes to surge a new
 * pod onto (maxSurge > 0: the old pod goes once the new one is available).
 */
export function planRollingUpdate(ds: DaemonSet, nodes: readonly NodeObject[], podsByNode: PodsByNode, hash: string, now: number): SyncPlan {
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  const wanted = new Map<string, readonly Pod[]>();
  for (const node of nodes) {
    if (nodeShouldRunDaemonPod(node, ds).shouldRun) wanted.set(node.metadata.name ?? "", podsByNode.get(node.metadata.name ?? "") ?? []);
  }
  // Nodes with pods that should not have them count too (the manage step removes those).
  for (const [name, pods] of podsByNode) if (!wanted.has(name)) wanted.set(name, pods);
  let desired = 0;
  for (const node of nodes) if (nodeShouldRunDaemonPod(node, ds).shouldRun) desired++;
  const { maxSurge, maxUnavailable } = updateBudget(ds, desired);
  const available = (pod: Pod) => isPodAvailable(pod, minReadySeconds, now);
  const names = [...wanted.keys()].sort();

  if (maxSurge === 0) {
    let unavailable = 0;
    const replaceNow: Pod[] = [];
    const candidates: Pod[] = [];
    for (const name of names) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(wanted.get(name) ?? [], hash);
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) {
        unavailable++;
      } else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) replaceNow.push(oldPod);
        else if (unavailable < maxUnavailable) candidates.push(oldPod);
      }
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { create: [], delete: [...replaceNow, ...candidates.slice(0, room)].map((pod) => ({ pod })) };
  }

  let surging = 0;
  const replaceNow: string[] = [];
  const candidates: string[] = [];
  const retire: Pod[] = [];
  for (const name of names) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(wanted.get(name) ?? [], hash);
    if (!ok) {
      surging++;
    } else if (!oldPod) {
      // Nothing old here: the manage step creates what is missing.
    } else if (!newPod) {
      if (!available(oldPod)) replaceNow.push(name);
      else if (surging < maxSurge) candidates.push(name);
    } else if (!available(newPod)) {
      surging++;
    } else {
      retire.push(oldPod);
    }
  }
  const room = Math.min(Math.max(0, maxSurge - surging), candidates.length);
  return { create: [...replaceNow, ...candidates.slice(0, room)], delete: retire.map((pod) => ({ pod })) };
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
  collisionCount?: number;
  conditions?: unknown[];
}

/** updateDaemonSetStatus: counts per node, looking at each node's oldest daemon pod. */
export function computeStatus(ds: DaemonSet, nodes: readonly NodeObject[], podsByNode: PodsByNode, hash: string, now: number, observedGeneration: number | undefined): DaemonSetStatus {
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const node of nodes) {
    const pods = [...(podsByNode.get(node.metadata.name ?? "") ?? [])];
    const scheduled = pods.length > 0;
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (scheduled) misscheduled++;
      continue;
    }
    desired++;
    if (!scheduled) continue;
    current++;
    const pod = pods.sort(byAgeAndPhase)[0]!;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
    if (isUpdated(pod, hash)) updated++;
  }
  const status: DaemonSetStatus = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  const previous = ds.status;
  const generation = observedGeneration ?? previous?.observedGeneration;
  if (generation !== undefined) status.observedGeneration = generation;
  if (previous?.collisionCount !== undefined) status.collisionCount = previous.collisionCount;
  if (previous?.conditions?.length) status.conditions = previous.conditions;
  return status;
}
