// The cluster changes that can make an unschedulable pod schedulable, named
// after kube-scheduler's cluster events. Informer handlers classify what they
// see with these and hand the event to the queue, which wakes only the pods
// whose rejecting plugins registered for it.

import type { Node, Pod } from "../../../schemas/index.ts";

export type ClusterEvent =
  | "NodeAdd"
  | "NodeUpdate"
  | "NodeDelete"
  | "AssignedPodAdd"
  | "AssignedPodUpdate"
  | "AssignedPodDelete";

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Whether a node update can change a scheduling decision. Agents rewrite
 * status (conditions, heartbeats) often; only labels, taints, the
 * unschedulable flag, allocatable resources and images matter to the plugins,
 * so anything else must not wake every unschedulable pod.
 */
export function nodeUpdateMatters(oldNode: Node, newNode: Node): boolean {
  return (
    Boolean(oldNode.spec?.unschedulable) !== Boolean(newNode.spec?.unschedulable) ||
    !sameJson(oldNode.metadata?.labels, newNode.metadata?.labels) ||
    !sameJson(oldNode.spec?.taints, newNode.spec?.taints) ||
    !sameJson(oldNode.status?.allocatable ?? oldNode.status?.capacity, newNode.status?.allocatable ?? newNode.status?.capacity)
  );
}

/**
 * Whether an assigned pod's update can change a decision: its labels (spread,
 * affinity) or its being on a different node. Status churn of running pods
 * must not wake anything.
 */
export function assignedPodUpdateMatters(oldPod: Pod, newPod: Pod): boolean {
  return (
    oldPod.spec?.nodeName !== newPod.spec?.nodeName ||
    oldPod.status?.phase !== newPod.status?.phase ||
    !sameJson(oldPod.metadata?.labels, newPod.metadata?.labels) ||
    (oldPod.metadata?.deletionTimestamp === undefined) !== (newPod.metadata?.deletionTimestamp === undefined)
  );
}

/**
 * Whether an update to a pod still waiting to be scheduled can change its
 * fate: its spec, labels or annotations. The scheduler itself writes the
 * PodScheduled condition on every failure; reacting to that status write
 * would retry the pod in a loop with no backoff.
 */
export function pendingPodUpdateMatters(oldPod: Pod, newPod: Pod): boolean {
  return (
    !sameJson(oldPod.spec, newPod.spec) ||
    !sameJson(oldPod.metadata?.labels, newPod.metadata?.labels) ||
    !sameJson(oldPod.metadata?.annotations, newPod.metadata?.annotations)
  );
}
