// Pod manifests and lookups for the agent's tests.
import { isNotFound } from "../../../client/errors.ts";
import type { KubeClient, KubeObject } from "../../../client/kube-client.ts";
import { resourceOf } from "../../../client/kube-client.ts";
import type { Container, Pod, PodSpec } from "../../../schemas/index.ts";

export const podsResource = resourceOf("v1", "pods");
export const eventsResource = resourceOf("v1", "events");

let counter = 0;
/** A name no other test in this process uses. */
export const unique = (prefix: string): string => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 6)}`;

/** A pod bound to `nodeName` with one container "app" unless the spec says otherwise. */
export function testPod(name: string, nodeName: string, spec: Partial<PodSpec> = {}, namespace = "default"): KubeObject {
  const containers: Container[] = spec.containers ?? [{ name: "app", image: "example.com/app:1" }];
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace }, spec: { nodeName, ...spec, containers } } as unknown as KubeObject;
}

export async function getPod(client: KubeClient, name: string, namespace = "default"): Promise<Pod | undefined> {
  try {
    return (await client.get(podsResource, namespace, name)) as unknown as Pod;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export const conditionOf = (pod: Pod | undefined, type: string): string | undefined => pod?.status?.conditions?.find((c) => c.type === type)?.status;

export const containerStatusOf = (pod: Pod | undefined, name = "app") =>
  pod?.status?.containerStatuses?.find((c) => c.name === name) ?? pod?.status?.initContainerStatuses?.find((c) => c.name === name);

/** The events recorded about a pod, oldest first, as "Reason: message". */
export async function podEvents(client: KubeClient, name: string, namespace = "default"): Promise<string[]> {
  const list = await client.list(eventsResource, { namespace });
  return list.items
    .filter((e) => (e.involvedObject as { name?: string }).name === name)
    .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)))
    .map((e) => `${e.reason}: ${e.message}`);
}
