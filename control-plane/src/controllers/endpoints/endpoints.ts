// The subsets of a Service's Endpoints object, computed from the Service and
// the pods it selects (Kubernetes' endpoints controller syncService plus
// endpoints.RepackSubsets): ready pods in addresses, the others in
// notReadyAddresses (all in addresses with publishNotReadyAddresses), each
// Service port resolved per pod, addresses grouped by identical port sets,
// everything sorted so that the same inputs always give the same object.
import { findPort, isHeadless, isPodReady, type Pod, podAddresses, podTargetRef, serviceFamilies, type ServiceObject, shouldPodBeInEndpoints, shouldSetHostname } from "./service-pods.ts";

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace?: string; name?: string; uid?: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

const addressKey = (a: EndpointAddress) => `${a.ip}|${a.targetRef?.uid ?? ""}`;
const portKey = (p: EndpointPort) => `${p.name ?? ""}|${p.port}|${p.protocol}|${p.appProtocol ?? ""}`;
const byString = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

function addressOf(pod: Pod, service: ServiceObject): EndpointAddress | undefined {
  // Endpoints carry one family: the Service's primary one.
  const ip = podAddresses(pod, serviceFamilies(service)[0] ?? "IPv4")[0];
  if (!ip) return undefined;
  const address: EndpointAddress = { ip, targetRef: podTargetRef(pod) };
  if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, service)) address.hostname = pod.spec?.hostname;
  return address;
}

export function endpointSubsets(service: ServiceObject, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const servicePorts = service.spec?.ports ?? [];
  // Each port definition → the addresses offering it (ready or not).
  const offering = new Map<string, { port: EndpointPort | undefined; ready: Map<string, EndpointAddress>; notReady: Map<string, EndpointAddress> }>();
  const offer = (port: EndpointPort | undefined, address: EndpointAddress, ready: boolean) => {
    const key = port ? portKey(port) : "";
    let entry = offering.get(key);
    if (!entry) offering.set(key, (entry = { port, ready: new Map(), notReady: new Map() }));
    (ready ? entry.ready : entry.notReady).set(addressKey(address), address);
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = addressOf(pod, service);
    if (!address) continue;
    const ready = publishNotReady || isPodReady(pod);
    if (servicePorts.length === 0) {
      // A headless Service without ports still lists its pods.
      if (isHeadless(service)) offer(undefined, address, ready);
      continue;
    }
    for (const servicePort of servicePorts) {
      const port = findPort(pod, servicePort);
      if (port === undefined) continue;
      offer({ name: servicePort.name, port, protocol: servicePort.protocol ?? "TCP", ...(servicePort.appProtocol ? { appProtocol: servicePort.appProtocol } : {}) }, address, ready);
    }
  }
  // Ports offered by exactly the same addresses share a subset.
  const subsets = new Map<string, EndpointSubset>();
  for (const { port, ready, notReady } of offering.values()) {
    const addresses = [...ready.values()].sort(byString(addressKey));
    const notReadyAddresses = [...notReady.values()].sort(byString(addressKey));
    const key = JSON.stringify([addresses.map(addressKey), notReadyAddresses.map(addressKey)]);
    let subset = subsets.get(key);
    if (!subset) {
      subset = {};
      if (addresses.length) subset.addresses = addresses;
      if (notReadyAddresses.length) subset.notReadyAddresses = notReadyAddresses;
      subsets.set(key, subset);
    }
    if (port) (subset.ports ??= []).push(port);
  }
  const result = [...subsets.values()];
  for (const subset of result) subset.ports?.sort(byString(portKey));
  const subsetKey = (s: EndpointSubset) => `${(s.ports ?? []).map(portKey).join(",")}#${[...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].map(addressKey).join(",")}`;
  return result.sort(byString(subsetKey));
}
