// How a pod gets its address. Loopback mode (ledge up, no root) hands out
// addresses inside 127.0.0.0/8, which Linux routes to `lo` with no setup;
// bridge mode (issue 6: veth pairs, a bridge, a network namespace per OCI
// pod) goes behind the same interface.

export interface PodNetworkStatus {
  /** The pod's addresses, primary first (status.podIP / podIPs). */
  ips: string[];
  /** The network namespace its containers join (bridge mode); absent: the host's. */
  netnsPath?: string;
}

export interface PodNetwork {
  readonly mode: "loopback" | "bridge";
  /** Gives the pod its network; a pod seen before gets the same addresses again. */
  setUp(pod: { uid: string; namespace: string; name: string }): Promise<PodNetworkStatus>;
  /** Frees what setUp made; safe to call for a pod it never saw. */
  tearDown(uid: string): Promise<void>;
  /** Begins what the node needs before any pod (bridge mode: waits for the node's pod CIDR); setUp waits for it. */
  start?(): void;
  /** Removes what start made and what no container outliving the agent still needs. */
  stop?(): Promise<void>;
}

/** The addresses of an IPv4 CIDR, as [first, last] integers, without its network and broadcast addresses. */
export function ipv4Range(cidr: string): { first: number; last: number } {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) throw new Error(`"${cidr}" is not an IPv4 CIDR such as 127.1.0.0/16`);
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits > 30) throw new Error(`"${cidr}" is not an IPv4 CIDR with room for pods (at most /30)`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const network = base - (base % size);
  return { first: network + 1, last: network + size - 2 };
}

/** "10.244.1.7" → its integer; undefined when it is no IPv4 address. */
export function ipv4FromString(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  return octets.some((o) => o > 255) ? undefined : octets.reduce((acc, o) => acc * 256 + o, 0);
}

export const ipv4ToString = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
