// Bridge mode's decisions, kept pure so table tests need neither root nor
// iproute2: the names of what it creates, the `ip` commands that set up the
// bridge and a pod's namespace, and which routes to other nodes' pods should
// exist given the Nodes the API lists.
import { createHash } from "node:crypto";
import { ipv4FromString, ipv4Range, ipv4ToString } from "./pod-network.ts";

export const DEFAULT_BRIDGE = "ledge0";
export const DEFAULT_SERVICE_INTERFACE = "ledge-svc";
/** Routes this agent adds carry this protocol number, so `ip route show proto 76` lists exactly ours (76: "L"). */
export const ROUTE_PROTO = "76";

export interface Names {
  bridge: string;
  /** The interface ClusterIPs live on. */
  service: string;
  /** Pod namespaces are `${netnsPrefix}${uid}`: per node, since /run/netns is shared by every agent on a machine. */
  netnsPrefix: string;
}

export const namesFor = (nodeName: string, bridge = DEFAULT_BRIDGE, service = DEFAULT_SERVICE_INTERFACE): Names => ({
  bridge,
  service,
  netnsPrefix: `ledge-${nodeName}-`,
});

/** The node's pod CIDR cut up: the bridge takes the first address, pods the rest. */
export interface NodeCidr {
  cidr: string;
  prefix: number;
  gateway: string;
  pods: { first: number; last: number };
}

export function nodeCidr(cidr: string): NodeCidr {
  const { first, last } = ipv4Range(cidr);
  if (last - first < 1) throw new Error(`pod CIDR ${cidr} has no room for pods beside the bridge's address`);
  return { cidr, prefix: Number(cidr.split("/")[1]), gateway: ipv4ToString(first), pods: { first: first + 1, last } };
}

export const netnsNameOf = (names: Names, uid: string): string => `${names.netnsPrefix}${uid}`;

const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The pod uid a namespace of this node is named after, or undefined when the namespace is not one of ours. */
export function uidOfNetns(names: Names, netns: string): string | undefined {
  if (!netns.startsWith(names.netnsPrefix)) return undefined;
  const uid = netns.slice(names.netnsPrefix.length);
  return UID.test(uid) ? uid : undefined;
}

/** The host end of a pod's veth pair: "lv" and 12 hex digits of the uid's hash (interface names stop at 15 bytes). */
export const vethNameOf = (uid: string): string => `lv${createHash("sha256").update(uid).digest("hex").slice(0, 12)}`;
export const isOurVeth = (name: string): boolean => /^lv[0-9a-f]{12}$/.test(name);

/**
 * A fixed, locally administered MAC for the bridge, from its address. Left to
 * itself a bridge takes the lowest MAC of its ports, which changes as pods
 * come and go and leaves stale ARP entries in every pod.
 */
export function bridgeMac(gateway: string): string {
  const octets = ipv4ToString(ipv4FromString(gateway) ?? 0).split(".");
  return ["02", "4c", ...octets.map((o) => Number(o).toString(16).padStart(2, "0"))].join(":");
}

/** Creating the bridge itself, when it is missing. */
export const createBridge = (names: Names, node: NodeCidr): string[] => ["link", "add", names.bridge, "address", bridgeMac(node.gateway), "type", "bridge"];

/** Every start, idempotently: the gateway address, the bridge up. */
export const configureBridge = (names: Names, node: NodeCidr): string[][] => [
  ["addr", "replace", `${node.gateway}/${node.prefix}`, "dev", names.bridge],
  ["link", "set", names.bridge, "up"],
];

/** A pod's namespace, after `ip netns add` and the veth pair: addresses, links up, default route via the bridge. */
export function configurePodNetns(names: Names, node: NodeCidr, netns: string, veth: string, ip: string): string[][] {
  return [
    ["link", "set", veth, "master", names.bridge],
    ["link", "set", veth, "up"],
    ["-n", netns, "link", "set", "lo", "up"],
    ["-n", netns, "addr", "replace", `${ip}/${node.prefix}`, "dev", "eth0"],
    ["-n", netns, "link", "set", "eth0", "up"],
    ["-n", netns, "route", "replace", "default", "via", node.gateway, "dev", "eth0"],
  ];
}

/** The veth pair, its pod end already in the pod's namespace as eth0. */
export const createVeth = (netns: string, veth: string): string[] => ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns];

export interface NodeInfo {
  name: string;
  podCIDR?: string;
  /** status.addresses' InternalIP. */
  internalIP?: string;
}

/** Other nodes' pod CIDR → their InternalIP: the routes this node needs. Nodes with either missing are skipped. */
export function desiredRoutes(nodes: readonly NodeInfo[], self: string): Map<string, string> {
  const routes = new Map<string, string>();
  for (const node of nodes) {
    if (node.name === self || !node.podCIDR || !node.internalIP) continue;
    if (ipv4FromString(node.internalIP) === undefined) continue;
    routes.set(node.podCIDR, node.internalIP);
  }
  return routes;
}

/** `ip -o route show proto 76` → destination → gateway. */
export function parseRoutes(out: string): Map<string, string> {
  const routes = new Map<string, string>();
  for (const line of out.split("\n")) {
    const match = /^(\S+)\s+via\s+(\S+)/.exec(line.trim());
    if (match) routes.set(match[1]!, match[2]!);
  }
  return routes;
}

export function routeChanges(current: ReadonlyMap<string, string>, desired: ReadonlyMap<string, string>): { replace: [string, string][]; remove: string[] } {
  const replace = [...desired].filter(([cidr, via]) => current.get(cidr) !== via);
  const remove = [...current.keys()].filter((cidr) => !desired.has(cidr));
  return { replace, remove };
}

export const replaceRoute = (cidr: string, via: string): string[] => ["route", "replace", cidr, "via", via, "proto", ROUTE_PROTO];
export const removeRoute = (cidr: string): string[] => ["route", "del", cidr, "proto", ROUTE_PROTO];

/** `ip -o -4 addr show dev X` → its addresses with their prefix length, e.g. "10.244.1.5/32". */
export function parseAddresses(out: string): string[] {
  const addresses: string[] = [];
  for (const line of out.split("\n")) {
    const match = /\binet\s+(\d+\.\d+\.\d+\.\d+\/\d+)/.exec(line);
    if (match) addresses.push(match[1]!);
  }
  return addresses;
}
