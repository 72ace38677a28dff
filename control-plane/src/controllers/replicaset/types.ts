// The shapes the workload controllers read, from the schemas, with metadata
// made present (every object from the API has it).
import type { ObjectMeta } from "../../../../schemas/meta-v1.ts";
import type { Deployment as DeploymentSchema, ReplicaSet as ReplicaSetSchema } from "../../../../schemas/apps-v1.ts";
import type { Pod as PodSchema, PodTemplateSpec } from "../../../../schemas/core-v1-pod.ts";
import type { KubeObject } from "../../../../client/kube-client.ts";

type WithMeta<T> = Omit<T, "metadata"> & { metadata: ObjectMeta };

export type Pod = WithMeta<PodSchema>;
export type ReplicaSet = WithMeta<ReplicaSetSchema>;
export type Deployment = WithMeta<DeploymentSchema>;
export type { ObjectMeta, PodTemplateSpec };
export type OwnerReference = NonNullable<ObjectMeta["ownerReferences"]>[number];

/** Informer objects are untyped JSON; these views are compile-time only. */
export const asPod = (o: KubeObject) => o as unknown as Pod;
export const asReplicaSet = (o: KubeObject) => o as unknown as ReplicaSet;
export const asDeployment = (o: KubeObject) => o as unknown as Deployment;
export const asObject = (o: { metadata: ObjectMeta }) => o as unknown as KubeObject;

/** metav1.GetControllerOf: the owner reference with controller=true. */
export const controllerOf = (meta: ObjectMeta | undefined): OwnerReference | undefined =>
  meta?.ownerReferences?.find((ref) => ref.controller === true);

/** The key the work queues use: namespace/name. */
export const keyOf = (meta: ObjectMeta): string => `${meta.namespace ?? ""}/${meta.name ?? ""}`;

export function splitKey(key: string): [namespace: string, name: string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}

/** Kubernetes' second-precision timestamps, as the store writes them. */
export const timestamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export const parseTime = (value: string | undefined): number | undefined => {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
};
