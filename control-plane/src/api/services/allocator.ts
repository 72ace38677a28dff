// Hands out ClusterIPs from the service CIDRs and NodePorts from the node
// port range, each reserved as a store object (see reservations.ts). Outcomes
// a user can cause (out of range, already allocated, range full) are values;
// only store failures throw.
import type { Store } from "../../storage/store.ts";
import { canonicalIP, type IPFamily, type IPRange, ipAt, offsetOf, parseCIDR, parsePortRange, type PortRange, staticBlockSize } from "./ip-range.ts";
import { IP_ADDRESSES, IP_FAMILY_LABEL, MANAGED_BY, MANAGED_BY_LABEL, NODE_PORTS, type ParentRef, Reservations } from "./reservations.ts";

/** `ledge server`'s service CIDR, as kubeadm's. */
export const DEFAULT_SERVICE_CIDR = "10.96.0.0/12";
/** `ledge up` (loopback mode): inside 127.0.0.0/8, which Linux routes to lo with no setup. */
export const LOOPBACK_SERVICE_CIDR = "127.96.0.0/16";
export const DEFAULT_NODE_PORT_RANGE = "30000-32767";

export interface ServiceNetworkOptions {
  /** One CIDR per family, primary first (a second makes the cluster dual-stack). */
  serviceCIDRs?: string[];
  nodePortRange?: string;
}

export type AllocationFailure =
  | { ok: false; reason: "NotInRange"; range: string }
  | { ok: false; reason: "Allocated" }
  | { ok: false; reason: "Full" }
  | { ok: false; reason: "FamilyNotConfigured" };
export type Allocation<T> = { ok: true; value: T } | AllocationFailure;

/** Random tries before falling back to reading every reservation. */
const RANDOM_TRIES = 16;

const randomBelow = (n: bigint): bigint => {
  if (n <= 0n) return 0n;
  if (n <= BigInt(Number.MAX_SAFE_INTEGER)) return BigInt(Math.floor(Math.random() * Number(n)));
  const words = crypto.getRandomValues(new Uint32Array(4));
  return words.reduce((acc, w) => (acc << 32n) | BigInt(w), 0n) % n;
};

/**
 * One pool of values 0..size-1 over a reservation table: random in the upper
 * (dynamic) block first, then the lower (static) block, then an exhaustive
 * scan of what is left, so a nearly full range still finds its last values.
 */
class Pool {
  constructor(
    private readonly reservations: Reservations,
    private readonly size: bigint,
    private readonly staticSize: bigint,
    private readonly nameAt: (offset: bigint) => string,
    private readonly labels: Record<string, string>,
  ) {}

  async reserve(name: string, parent: ParentRef, dryRun: boolean): Promise<boolean> {
    if (dryRun) return this.reservations.isFree(name);
    return (await this.reservations.reserve(name, parent, this.labels)) === "reserved";
  }

  async allocate(parent: ParentRef, dryRun: boolean): Promise<string | undefined> {
    const dynamic = this.size - this.staticSize;
    for (let i = 0; i < RANDOM_TRIES; i++) {
      const offset = i < RANDOM_TRIES / 2 && dynamic > 0n ? this.staticSize + randomBelow(dynamic) : randomBelow(this.size);
      const name = this.nameAt(offset);
      if (await this.reserve(name, parent, dryRun)) return name;
    }
    // Crowded: look at what is taken and walk the rest from a random point.
    for (let round = 0; round < 3; round++) {
      const taken = await this.reservations.names();
      if (BigInt(taken.size) >= this.size) return undefined;
      const start = randomBelow(this.size);
      for (let step = 0n; step < this.size; step++) {
        const name = this.nameAt((start + step) % this.size);
        if (taken.has(name)) continue;
        if (await this.reserve(name, parent, dryRun)) return name;
        taken.add(name);
      }
    }
    return undefined;
  }
}

export class ServiceAllocator {
  /** Configured families, primary first. */
  readonly families: IPFamily[];
  readonly ranges: ReadonlyMap<IPFamily, IPRange>;
  readonly ports: PortRange;
  readonly ipReservations: Reservations;
  readonly portReservations: Reservations;
  private readonly ipPools = new Map<IPFamily, Pool>();
  private readonly portPool: Pool;

  /** @throws Error on a malformed range (configuration errors surface at start-up). */
  constructor(store: Store, options: ServiceNetworkOptions = {}) {
    const cidrs = options.serviceCIDRs?.length ? options.serviceCIDRs : [DEFAULT_SERVICE_CIDR];
    if (cidrs.length > 2) throw new Error("at most two service CIDRs (one IPv4, one IPv6) may be configured");
    const ranges = new Map<IPFamily, IPRange>();
    for (const cidr of cidrs) {
      const range = parseCIDR(cidr);
      if (ranges.has(range.family)) throw new Error(`two ${range.family} service CIDRs configured: ${cidrs.join(", ")}`);
      ranges.set(range.family, range);
    }
    this.ranges = ranges;
    this.families = [...ranges.keys()];
    this.ports = parsePortRange(options.nodePortRange ?? DEFAULT_NODE_PORT_RANGE);
    this.ipReservations = new Reservations(store, IP_ADDRESSES, { apiVersion: "networking.k8s.io/v1", kind: "IPAddress" });
    this.portReservations = new Reservations(store, NODE_PORTS, { apiVersion: "ledge.dev/v1", kind: "ServiceNodePort" });
    for (const [family, range] of ranges) {
      this.ipPools.set(
        family,
        new Pool(this.ipReservations, range.size, staticBlockSize(range.size, 16n, 256n, 16n), (offset) => ipAt(range, offset), {
          [IP_FAMILY_LABEL]: family,
          [MANAGED_BY_LABEL]: MANAGED_BY,
        }),
      );
    }
    const portCount = BigInt(this.ports.size);
    this.portPool = new Pool(this.portReservations, portCount, staticBlockSize(portCount, 16n, 128n, 32n), (offset) => String(this.ports.base + Number(offset)), {});
  }

  get dualStack(): boolean {
    return this.families.length === 2;
  }

  /** A free address of `family`, reserved for `parent` (or only looked for, in a dry run). */
  async allocateIP(family: IPFamily, parent: ParentRef, dryRun = false): Promise<Allocation<string>> {
    const pool = this.ipPools.get(family);
    if (!pool) return { ok: false, reason: "FamilyNotConfigured" };
    const ip = await pool.allocate(parent, dryRun);
    return ip === undefined ? { ok: false, reason: "Full" } : { ok: true, value: ip };
  }

  /** Reserves an address a user chose; the value returned is its canonical form. */
  async reserveIP(ip: string, parent: ParentRef, dryRun = false): Promise<Allocation<string>> {
    const canonical = canonicalIP(ip);
    const family: IPFamily = ip.includes(":") ? "IPv6" : "IPv4";
    const range = this.ranges.get(family);
    const pool = this.ipPools.get(family);
    if (!range || !pool) return { ok: false, reason: "FamilyNotConfigured" };
    if (canonical === undefined || offsetOf(range, canonical) === undefined) return { ok: false, reason: "NotInRange", range: range.cidr };
    return (await pool.reserve(canonical, parent, dryRun)) ? { ok: true, value: canonical } : { ok: false, reason: "Allocated" };
  }

  releaseIP(ip: string, parent?: ParentRef): Promise<void> {
    return this.ipReservations.release(canonicalIP(ip) ?? ip, parent);
  }

  async allocatePort(parent: ParentRef, dryRun = false): Promise<Allocation<number>> {
    const port = await this.portPool.allocate(parent, dryRun);
    return port === undefined ? { ok: false, reason: "Full" } : { ok: true, value: Number(port) };
  }

  async reservePort(port: number, parent: ParentRef, dryRun = false): Promise<Allocation<number>> {
    if (!this.portInRange(port)) return { ok: false, reason: "NotInRange", range: this.ports.text };
    return (await this.portPool.reserve(String(port), parent, dryRun)) ? { ok: true, value: port } : { ok: false, reason: "Allocated" };
  }

  releasePort(port: number, parent?: ParentRef): Promise<void> {
    return this.portReservations.release(String(port), parent);
  }

  portInRange(port: number): boolean {
    return Number.isInteger(port) && port >= this.ports.base && port < this.ports.base + this.ports.size;
  }

  ipInRange(ip: string): boolean {
    const range = this.ranges.get(ip.includes(":") ? "IPv6" : "IPv4");
    const canonical = canonicalIP(ip);
    return !!range && canonical !== undefined && offsetOf(range, canonical) !== undefined;
  }
}
