// What the caller writes to the API after a cycle, spelled as kube-scheduler
// spells it so `kubectl describe pod` reads the same: the Binding for
// pods/binding, the Scheduled / FailedScheduling events and the PodScheduled
// condition.

import type { Binding, Pod, PodStatus } from "../../../schemas/index.ts";

/** Event reasons and the events.k8s.io actions kube-scheduler pairs them with. */
export const SCHEDULED = "Scheduled";
export const BINDING_ACTION = "Binding";
export const FAILED_SCHEDULING = "FailedScheduling";
export const SCHEDULING_ACTION = "Scheduling";

/** PodScheduled=False reasons (v1.PodReasonUnschedulable, v1.PodReasonSchedulerError). */
export const POD_REASON_UNSCHEDULABLE = "Unschedulable";
export const POD_REASON_SCHEDULER_ERROR = "SchedulerError";

export type PodCondition = NonNullable<PodStatus["conditions"]>[number];

/** The body of POST /api/v1/namespaces/{ns}/pods/{name}/binding. */
export function bindingFor(pod: Pod, nodeName: string): Binding {
  return {
    apiVersion: "v1",
    kind: "Binding",
    metadata: {
      name: pod.metadata?.name ?? "",
      namespace: pod.metadata?.namespace ?? "default",
      ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
    },
    target: { apiVersion: "v1", kind: "Node", name: nodeName },
  };
}

/** The Normal event after a successful binding. */
export const scheduledMessage = (pod: Pod, nodeName: string): string =>
  `Successfully assigned ${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""} to ${nodeName}`;

const MAX_EVENT_MESSAGE = 1024;

/** kube-scheduler's truncateMessage: event notes are capped; the condition keeps the whole message. */
export function truncateMessage(message: string): string {
  if (message.length <= MAX_EVENT_MESSAGE) return message;
  const suffix = " ...";
  return message.slice(0, MAX_EVENT_MESSAGE - suffix.length) + suffix;
}

/** The condition to set on a pod that could not be scheduled (Unschedulable) or hit an error (SchedulerError). */
export function podScheduledFalse(reason: typeof POD_REASON_UNSCHEDULABLE | typeof POD_REASON_SCHEDULER_ERROR, message: string, now: Date): PodCondition {
  return { type: "PodScheduled", status: "False", reason, message, lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, "Z") };
}
