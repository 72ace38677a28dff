// For tests, until nodes run pods: what a kubelet would report, written
// through the pod status subresource as a kubelet writes it.
import { type KubeClient, resourceOf } from "../../../../client/kube-client.ts";
import { timestamp } from "./types.ts";

const pods = resourceOf("v1", "pods");

export interface ReadinessOptions {
  /** When the pod became ready (default now): lets minReadySeconds tests start from the past. */
  since?: number;
}

/** Phase Running with Ready=True, as a kubelet reports a started, ready pod. */
export async function markPodReady(client: KubeClient, namespace: string, name: string, options: ReadinessOptions = {}): Promise<void> {
  const at = timestamp(options.since ?? Date.now());
  await client.patch(
    pods,
    namespace,
    name,
    "merge",
    {
      status: {
        phase: "Running",
        startTime: at,
        conditions: [
          { type: "PodScheduled", status: "True", lastTransitionTime: at },
          { type: "Initialized", status: "True", lastTransitionTime: at },
          { type: "ContainersReady", status: "True", lastTransitionTime: at },
          { type: "Ready", status: "True", lastTransitionTime: at },
        ],
      },
    },
    { subresource: "status" },
  );
}

/** Running but failing its readiness probe. */
export async function markPodNotReady(client: KubeClient, namespace: string, name: string): Promise<void> {
  const at = timestamp(Date.now());
  await client.patch(
    pods,
    namespace,
    name,
    "merge",
    { status: { phase: "Running", conditions: [{ type: "Ready", status: "False", lastTransitionTime: at }] } },
    { subresource: "status" },
  );
}
