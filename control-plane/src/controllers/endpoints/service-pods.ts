// What the Endpoints and EndpointSlice controllers share (Kubernetes'
// pkg/controller/util/endpoint): which pods back a Service, the port a
// Service port reaches on a pod, the pod address of a family, and an index
// from pods to the Services that select them.
import type { KubeObject } from "../../../../client/kube-client.ts";
import type { Service, ServicePort } from "../../../../schemas/core-v1-service.ts";
import type { ObjectMeta } from "../../../../schemas/meta-v1.ts";
import { isPodReady } from "../replicaset/pod-status.ts";
import type { Pod } from "../replicaset/types.ts";

export type { Pod };
export type ServiceObject = Omit<Service, "metadata"> & { metadata: ObjectMeta };
export const asService = (o: KubeObject) => o as unknown as ServiceObject;
export type IPFamily = "IPv4" | "IPv6";

export const HEADLESS_LABEL = "service.kubernetes.io/headless";

/** A Service with a non-empty selector (and not ExternalName) has its endpoints managed; others are the user's. */
export function selectorOf(service: ServiceObject): Record<string, string> | undefined {
  const spec = service.spec;
  if (!spec || spec.type === "ExternalName") return undefined;
  const selector = spec.selector;
  return selector && Object.keys(selector).length > 0 ? selector : undefined;
}

export function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const [key, value] of Object.entries(selector)) if (labels?.[key] !== value) return false;
  return true;
}

export const isHeadless = (service: ServiceObject): boolean => service.spec?.clusterIP === "None";

/** endpointutil.ShouldPodBeInEndpoints: has an address, has not finished, and (unless asked) is not terminating. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

const familyOf = (ip: string): IPFamily => (ip.includes(":") ? "IPv6" : "IPv4");

/** The pod's addresses of one family, podIPs first (podIP is podIPs[0] when both are set). */
export function podAddresses(pod: Pod, family: IPFamily): string[] {
  const all = pod.status?.podIPs?.map((p) => p.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []);
  return [...new Set(all.filter((ip) => ip && familyOf(ip) === family))];
}

/** The families a Service's endpoints are published in. */
export function serviceFamilies(service: ServiceObject): IPFamily[] {
  const families = (service.spec?.ipFamilies ?? []).filter((f): f is IPFamily => f === "IPv4" || f === "IPv6");
  if (families.length) return families;
  const clusterIP = service.spec?.clusterIP;
  return [clusterIP && clusterIP !== "None" ? familyOf(clusterIP) : "IPv4"];
}

/**
 * podutil.FindPort: a numeric targetPort is the port; a named one is the
 * container port of that name and protocol (in app and sidecar containers).
 * Undefined when the pod has no such port.
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === "number") return target;
  const protocol = servicePort.protocol ?? "TCP";
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  for (const container of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? "TCP") === protocol) return port.containerPort;
    }
  }
  return undefined;
}

/** endpointutil.ShouldSetHostname: the pod asked for this Service as its subdomain. */
export const shouldSetHostname = (pod: Pod, service: ServiceObject): boolean =>
  !!pod.spec?.hostname && pod.spec.subdomain === service.metadata.name && pod.metadata.namespace === service.metadata.namespace;

export const podTargetRef = (pod: Pod) => ({ kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid });

export { isPodReady };

/**
 * The parts of a pod its endpoints are made of: a pod update that changes
 * none of them (most status writes) wakes no Service.
 */
export function endpointView(pod: Pod): string {
  return JSON.stringify([
    pod.metadata.labels ?? {},
    pod.metadata.deletionTimestamp ?? "",
    pod.status?.podIP ?? "",
    pod.status?.podIPs ?? [],
    pod.status?.phase ?? "",
    isPodReady(pod),
    pod.spec?.nodeName ?? "",
    pod.spec?.hostname ?? "",
    pod.spec?.subdomain ?? "",
  ]);
}

/**
 * Which Services (namespace/name) select which pods: the Services of a
 * namespace with their selectors, kept from the Service informer's events.
 */
export class ServiceIndex {
  private readonly byNamespace = new Map<string, Map<string, Record<string, string>>>();

  set(service: ServiceObject): void {
    const namespace = service.metadata.namespace ?? "";
    const name = service.metadata.name ?? "";
    const selector = selectorOf(service);
    let services = this.byNamespace.get(namespace);
    if (!selector) {
      services?.delete(name);
      return;
    }
    if (!services) this.byNamespace.set(namespace, (services = new Map()));
    services.set(name, selector);
  }

  delete(service: ServiceObject): void {
    this.byNamespace.get(service.metadata.namespace ?? "")?.delete(service.metadata.name ?? "");
  }

  /** Keys of the Services selecting a pod with these labels. */
  servicesFor(namespace: string, labels: Record<string, string> | undefined): string[] {
    const keys: string[] = [];
    for (const [name, selector] of this.byNamespace.get(namespace) ?? []) {
      if (selects(selector, labels)) keys.push(`${namespace}/${name}`);
    }
    return keys;
  }
}

/** Enqueues the Services a pod change matters to (old and new labels both count). */
export function podChangeKeys(index: ServiceIndex, previous: Pod | undefined, pod: Pod): string[] {
  if (previous && endpointView(previous) === endpointView(pod)) return [];
  const namespace = pod.metadata.namespace ?? "";
  const keys = new Set(index.servicesFor(namespace, pod.metadata.labels));
  if (previous) for (const key of index.servicesFor(namespace, previous.metadata.labels)) keys.add(key);
  return [...keys];
}
