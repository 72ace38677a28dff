// What the proxy serves, read from a Service and its EndpointSlices: one
// entry per service port (the unit kube-proxy balances), with its addresses,
// policies and endpoints. Pure functions, so the rules are table-tested.
import type { EndpointSlice, Service } from "../../../schemas/index.ts";

export type Protocol = "TCP" | "UDP";

export interface EndpointInfo {
  ip: string;
  port: number;
  /** Ready, serving and terminating as EndpointSlice conditions say (absent ready is true; absent serving follows ready). */
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
}

export const endpointKey = (e: Pick<EndpointInfo, "ip" | "port">): string => `${e.ip}:${e.port}`;

export interface ServicePortInfo {
  /** namespace/name:port-name/protocol: stays the same while the port keeps its name. */
  id: string;
  /** namespace/name of the Service. */
  service: string;
  portName: string;
  protocol: Protocol;
  port: number;
  clusterIPs: string[];
  nodePort?: number;
  /** status.loadBalancer.ingress IPs (type LoadBalancer): a node among them listens on `port`. */
  loadBalancerIPs: string[];
  externalIPs: string[];
  /** ClientIP session affinity's timeout; absent: no affinity. */
  affinityTimeoutMs?: number;
  /** internalTrafficPolicy Local: ClusterIP traffic only to endpoints on this node. */
  internalLocal: boolean;
  /** externalTrafficPolicy Local: NodePort, LoadBalancer and external IP traffic only to endpoints on this node. */
  externalLocal: boolean;
}

/** Kubernetes' default ClientIP affinity timeout: 3 hours. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;

const hasIP = (ip: string | undefined): ip is string => !!ip && ip !== "None";

/** The ports of a Service the proxy serves; none for ExternalName, and SCTP is not proxied. */
export function servicePorts(service: Service): ServicePortInfo[] {
  const spec = service.spec ?? {};
  const type = spec.type ?? "ClusterIP";
  if (type === "ExternalName") return [];
  const key = `${service.metadata?.namespace ?? "default"}/${service.metadata?.name ?? ""}`;
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP]).filter(hasIP);
  const exposed = type === "NodePort" || type === "LoadBalancer";
  const loadBalancerIPs = type === "LoadBalancer" ? (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(hasIP) : [];
  const affinityTimeoutMs =
    spec.sessionAffinity === "ClientIP" ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS) * 1000 : undefined;
  const ports: ServicePortInfo[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = p.protocol ?? "TCP";
    if (protocol !== "TCP" && protocol !== "UDP") continue;
    const portName = p.name ?? "";
    ports.push({
      id: `${key}:${portName}/${protocol}`,
      service: key,
      portName,
      protocol,
      port: p.port,
      clusterIPs,
      ...(exposed && p.nodePort ? { nodePort: p.nodePort } : {}),
      loadBalancerIPs,
      externalIPs: spec.externalIPs ?? [],
      ...(affinityTimeoutMs === undefined ? {} : { affinityTimeoutMs }),
      internalLocal: spec.internalTrafficPolicy === "Local",
      externalLocal: spec.externalTrafficPolicy === "Local",
    });
  }
  return ports;
}

/** The endpoints of one service port across the Service's slices, each address and port once. */
export function endpointsFor(port: Pick<ServicePortInfo, "portName" | "protocol">, slices: Iterable<EndpointSlice>): EndpointInfo[] {
  const found = new Map<string, EndpointInfo>();
  for (const slice of slices) {
    if (slice.addressType === "FQDN") continue;
    const match = (slice.ports ?? []).find((p) => (p.name ?? "") === port.portName && (p.protocol ?? "TCP") === port.protocol);
    if (!match?.port) continue;
    for (const endpoint of slice.endpoints ?? []) {
      // Kubernetes proxies use an endpoint's first address only.
      const ip = endpoint.addresses?.[0];
      if (!ip) continue;
      const ready = endpoint.conditions?.ready ?? true;
      const info: EndpointInfo = {
        ip,
        port: match.port,
        ready,
        serving: endpoint.conditions?.serving ?? ready,
        terminating: endpoint.conditions?.terminating ?? false,
        ...(endpoint.nodeName ? { nodeName: endpoint.nodeName } : {}),
      };
      const key = endpointKey(info);
      const seen = found.get(key);
      // The same address in two slices (a move between slices): the more usable record wins.
      if (!seen || (info.ready && !seen.ready)) found.set(key, info);
    }
  }
  return [...found.values()];
}

/** Where a service port is reached on this node, and whether that address is external (traffic policy). */
export interface Frontend {
  protocol: Protocol;
  ip: string;
  port: number;
  external: boolean;
}

export const frontendKey = (f: Pick<Frontend, "protocol" | "ip" | "port">): string => `${f.protocol}/${f.ip}:${f.port}`;

export function frontendsOf(info: ServicePortInfo, nodeAddresses: readonly string[]): Frontend[] {
  const { protocol } = info;
  const out = new Map<string, Frontend>();
  const add = (ip: string, port: number, external: boolean) => {
    const f = { protocol, ip, port, external };
    const key = frontendKey(f);
    if (!out.has(key)) out.set(key, f);
  };
  for (const ip of info.clusterIPs) add(ip, info.port, false);
  if (info.nodePort) for (const ip of nodeAddresses) add(ip, info.nodePort, true);
  for (const ip of [...info.loadBalancerIPs, ...info.externalIPs]) if (nodeAddresses.includes(ip)) add(ip, info.port, true);
  return [...out.values()];
}
