// The EndpointSlices a Service should have, reconciled against the ones it
// has (Kubernetes' endpointslice reconciler, simplified): endpoints are
// grouped by address type and port set (named ports may resolve differently
// per pod); an endpoint stays in the slice it is in, changes are made in
// place, new endpoints fill slices with room before new slices are made, and
// slices never hold more than maxEndpointsPerSlice. A Service with no
// endpoints keeps one empty placeholder slice, as Kubernetes does.
import {
  findPort,
  HEADLESS_LABEL,
  isHeadless,
  isPodReady,
  type IPFamily,
  type Pod,
  podAddresses,
  podTargetRef,
  serviceFamilies,
  type ServiceObject,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from "../endpoints/service-pods.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const MANAGED_BY = "endpointslice-controller.k8s.io";
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  targetRef?: ReturnType<typeof podTargetRef>;
  nodeName?: string;
  zone?: string;
  hostname?: string;
}

export interface Slice {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
    resourceVersion?: string;
    [field: string]: unknown;
  };
  addressType: string;
  endpoints: SliceEndpoint[];
  ports?: SlicePort[];
}

export interface Plan {
  create: Slice[];
  update: Slice[];
  delete: Slice[];
}

/** One group of endpoints that can share slices. */
interface Group {
  addressType: IPFamily;
  ports: SlicePort[];
  endpoints: Map<string, SliceEndpoint>;
}

const portsKey = (ports: readonly SlicePort[] | undefined) =>
  JSON.stringify([...(ports ?? [])].map((p) => [p.name, p.port, p.protocol, p.appProtocol ?? ""]).sort());
const groupKey = (addressType: string, ports: readonly SlicePort[] | undefined) => `${addressType}|${portsKey(ports)}`;
const endpointKey = (e: SliceEndpoint) => e.targetRef?.uid ?? e.addresses.join(",");

/** The endpoint of `pod` for one address type (podToEndpoint), or undefined when it has no such address. */
export function podEndpoint(pod: Pod, service: ServiceObject, addressType: IPFamily, zoneOf: (node: string) => string | undefined): SliceEndpoint | undefined {
  const addresses = podAddresses(pod, addressType);
  if (addresses.length === 0) return undefined;
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const serving = publishNotReady || isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  // "ready" is never true for a terminating endpoint, unless the Service publishes everything.
  const ready = publishNotReady || (serving && !terminating);
  const endpoint: SliceEndpoint = { addresses, conditions: { ready, serving, terminating }, targetRef: podTargetRef(pod) };
  const nodeName = pod.spec?.nodeName;
  if (nodeName) {
    endpoint.nodeName = nodeName;
    const zone = zoneOf(nodeName);
    if (zone) endpoint.zone = zone;
  }
  if (shouldSetHostname(pod, service)) endpoint.hostname = pod.spec?.hostname;
  return endpoint;
}

/** The Service's ports as this pod serves them; ports the pod cannot serve are left out. */
export function podPorts(pod: Pod, service: ServiceObject): SlicePort[] {
  const ports: SlicePort[] = [];
  for (const servicePort of service.spec?.ports ?? []) {
    const port = findPort(pod, servicePort);
    if (port === undefined) continue;
    ports.push({ name: servicePort.name ?? "", port, protocol: servicePort.protocol ?? "TCP", ...(servicePort.appProtocol ? { appProtocol: servicePort.appProtocol } : {}) });
  }
  return ports;
}

export function desiredGroups(service: ServiceObject, pods: readonly Pod[], zoneOf: (node: string) => string | undefined): Map<string, Group> {
  const groups = new Map<string, Group>();
  const families = serviceFamilies(service);
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = podPorts(pod, service);
    for (const addressType of families) {
      const endpoint = podEndpoint(pod, service, addressType, zoneOf);
      if (!endpoint) continue;
      const key = groupKey(addressType, ports);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { addressType, ports, endpoints: new Map() }));
      group.endpoints.set(endpointKey(endpoint), endpoint);
    }
  }
  return groups;
}

export function sliceLabels(service: ServiceObject): Record<string, string> {
  const labels: Record<string, string> = { ...(service.metadata.labels ?? {}) };
  // The controller's own labels win over the Service's.
  delete labels[HEADLESS_LABEL];
  if (isHeadless(service)) labels[HEADLESS_LABEL] = "";
  labels[SERVICE_NAME_LABEL] = service.metadata.name ?? "";
  labels[MANAGED_BY_LABEL] = MANAGED_BY;
  return labels;
}

export function newSlice(service: ServiceObject, addressType: string, ports: SlicePort[], endpoints: SliceEndpoint[]): Slice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      generateName: `${service.metadata.name}-`,
      namespace: service.metadata.namespace,
      labels: sliceLabels(service),
      ownerReferences: [
        { apiVersion: "v1", kind: "Service", name: service.metadata.name ?? "", uid: service.metadata.uid ?? "", controller: true, blockOwnerDeletion: true },
      ],
    },
    addressType,
    endpoints,
    ports,
  };
}

/** The writes that take `existing` (the Service's managed slices) to what `pods` make. */
export function reconcileSlices(
  service: ServiceObject,
  pods: readonly Pod[],
  existing: readonly Slice[],
  zoneOf: (node: string) => string | undefined,
  maxEndpointsPerSlice = DEFAULT_MAX_ENDPOINTS_PER_SLICE,
): Plan {
  const plan: Plan = { create: [], update: [], delete: [] };
  const groups = desiredGroups(service, pods, zoneOf);
  const labels = sliceLabels(service);
  const totalDesired = [...groups.values()].reduce((n, g) => n + g.endpoints.size, 0);

  if (totalDesired === 0) {
    // One placeholder: reuse an empty slice of the primary address type if there is one.
    const addressType = serviceFamilies(service)[0] ?? "IPv4";
    const keep = existing.find((s) => s.endpoints.length === 0 && s.addressType === addressType && (s.ports?.length ?? 0) === 0);
    for (const slice of existing) if (slice !== keep) plan.delete.push(slice);
    if (!keep) plan.create.push(newSlice(service, addressType, [], []));
    else if (!Bun.deepEquals(keep.metadata.labels ?? {}, labels)) plan.update.push({ ...keep, metadata: { ...keep.metadata, labels } });
    return plan;
  }

  const placed = new Set<string>();
  /** Slices kept for each group, with their (possibly changed) endpoints. */
  const kept = new Map<string, { slice: Slice; endpoints: SliceEndpoint[]; changed: boolean }[]>();
  for (const slice of existing) {
    const key = groupKey(slice.addressType, slice.ports);
    const group = groups.get(key);
    if (!group) {
      plan.delete.push(slice);
      continue;
    }
    let changed = !Bun.deepEquals(slice.metadata.labels ?? {}, labels);
    const endpoints: SliceEndpoint[] = [];
    for (const endpoint of slice.endpoints) {
      const id = endpointKey(endpoint);
      const wanted = group.endpoints.get(id);
      // Gone, moved to another group, or already listed by an earlier slice (a duplicate).
      if (!wanted || placed.has(`${key}#${id}`) || endpoints.length >= maxEndpointsPerSlice) {
        changed = true;
        continue;
      }
      placed.add(`${key}#${id}`);
      if (!Bun.deepEquals(wanted, endpoint)) changed = true;
      endpoints.push(wanted);
    }
    const list = kept.get(key) ?? [];
    list.push({ slice, endpoints, changed });
    kept.set(key, list);
  }

  for (const [key, group] of groups) {
    const remaining = [...group.endpoints.entries()].filter(([id]) => !placed.has(`${key}#${id}`)).map(([, e]) => e);
    const slices = kept.get(key) ?? [];
    // Fill slices that change anyway first (no extra write), then the fullest, so slices stay packed.
    const order = [...slices].sort((a, b) => Number(b.changed) - Number(a.changed) || b.endpoints.length - a.endpoints.length);
    for (const entry of order) {
      while (remaining.length && entry.endpoints.length < maxEndpointsPerSlice) {
        entry.endpoints.push(remaining.shift()!);
        entry.changed = true;
      }
    }
    for (let i = 0; i < remaining.length; i += maxEndpointsPerSlice) {
      plan.create.push(newSlice(service, group.addressType, group.ports, remaining.slice(i, i + maxEndpointsPerSlice)));
    }
    for (const entry of slices) {
      if (entry.endpoints.length === 0) plan.delete.push(entry.slice);
      else if (entry.changed) plan.update.push({ ...entry.slice, metadata: { ...entry.slice.metadata, labels }, endpoints: entry.endpoints });
    }
  }
  return plan;
}
