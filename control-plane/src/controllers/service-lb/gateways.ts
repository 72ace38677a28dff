// Which nodes are a LoadBalancer Service's edge gateways (like k3s's
// ServiceLB, which runs its svclb pods on labelled nodes, or on all of them
// when none is labelled): the Ready nodes labelled ledge.dev/edge-gateway=true,
// or every Ready node when no node carries the label. Each gateway's node
// agent listens on the service port at the address listed for it.
export const EDGE_GATEWAY_LABEL = "ledge.dev/edge-gateway";

export interface GatewayNode {
  metadata: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  status?: { addresses?: { type: string; address: string }[]; conditions?: { type: string; status: string }[] };
}

const isReady = (node: GatewayNode): boolean => node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/** The address a gateway is reached at: its ExternalIP when it has one (an edge box's public side), else its InternalIP. */
export function gatewayAddress(node: GatewayNode): string | undefined {
  const addresses = node.status?.addresses ?? [];
  return addresses.find((a) => a.type === "ExternalIP")?.address ?? addresses.find((a) => a.type === "InternalIP")?.address;
}

/** The ingress IPs for every LoadBalancer Service: the gateways' addresses, sorted so the status only changes when the set does. */
export function gatewayIPs(nodes: readonly GatewayNode[]): string[] {
  const labelled = nodes.some((n) => n.metadata.labels?.[EDGE_GATEWAY_LABEL] === "true");
  const gateways = nodes.filter((n) => isReady(n) && (!labelled || n.metadata.labels?.[EDGE_GATEWAY_LABEL] === "true"));
  return [...new Set(gateways.map(gatewayAddress).filter((a): a is string => !!a))].sort();
}
