// The side effects of a ReplicaSet sync on pods (Kubernetes' PodControl):
// create one from the template, delete one, and record the events that
// `kubectl describe rs` shows, worded as Kubernetes words them.
import { ApiStatusError, isNotFound } from "../../../../client/errors.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import type { EventRecorder } from "../runtime/events.ts";
import { asObject, asPod, type OwnerReference, type Pod, type ReplicaSet } from "./types.ts";

const pods = resourceOf("v1", "pods");

export const SUCCESSFUL_CREATE = "SuccessfulCreate";
export const FAILED_CREATE = "FailedCreate";
export const SUCCESSFUL_DELETE = "SuccessfulDelete";
export const FAILED_DELETE = "FailedDelete";

export interface PodControl {
  /** Creates a pod from the ReplicaSet's template, owned by `controllerRef`. */
  createPod(rs: ReplicaSet, controllerRef: OwnerReference): Promise<Pod>;
  /** Deletes a pod; a pod already gone rejects with a 404 (the caller decides). */
  deletePod(rs: ReplicaSet, pod: Pod): Promise<void>;
}

/** GetPodFromTemplate: the template's labels, annotations, finalizers and spec, named after the owner. */
export function podFromTemplate(rs: ReplicaSet, controllerRef: OwnerReference): Pod {
  const template = rs.spec?.template ?? {};
  const labels = { ...template.metadata?.labels };
  if (Object.keys(labels).length === 0) throw new Error("unable to create pods, no labels");
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels,
      ownerReferences: [controllerRef],
    },
    spec: structuredClone(template.spec) as Pod["spec"],
  };
  if (template.metadata?.annotations) pod.metadata.annotations = { ...template.metadata.annotations };
  if (template.metadata?.finalizers?.length) pod.metadata.finalizers = [...template.metadata.finalizers];
  return pod;
}

/** The API refuses new objects in a namespace being deleted; nothing to retry then. */
export function isNamespaceTerminating(error: unknown): boolean {
  if (!(error instanceof ApiStatusError) || error.code !== 403) return false;
  const causes = (error.status?.details as { causes?: { type?: string }[] } | undefined)?.causes ?? [];
  return causes.some((c) => c.type === "NamespaceTerminating") || /because it is being terminated/.test(error.message);
}

export const withKind = (rs: ReplicaSet): KubeObject => ({ ...asObject(rs), apiVersion: "apps/v1", kind: "ReplicaSet" });

export function apiPodControl(client: KubeClient, recorder: EventRecorder): PodControl {
  return {
    async createPod(rs, controllerRef) {
      try {
        const created = asPod(await client.create(pods, asObject(podFromTemplate(rs, controllerRef))));
        recorder.event(withKind(rs), "Normal", SUCCESSFUL_CREATE, `Created pod: ${created.metadata.name}`);
        return created;
      } catch (error) {
        recorder.event(withKind(rs), "Warning", FAILED_CREATE, `Error creating: ${(error as Error).message}`);
        throw error;
      }
    },
    async deletePod(rs, pod) {
      const name = pod.metadata.name ?? "";
      try {
        await client.delete(pods, pod.metadata.namespace, name);
      } catch (error) {
        if (isNotFound(error)) throw error;
        recorder.event(withKind(rs), "Warning", FAILED_DELETE, `Error deleting: ${(error as Error).message}`);
        throw new Error(`unable to delete pods: ${(error as Error).message}`, { cause: error });
      }
      recorder.event(withKind(rs), "Normal", SUCCESSFUL_DELETE, `Deleted pod: ${name}`);
    },
  };
}
