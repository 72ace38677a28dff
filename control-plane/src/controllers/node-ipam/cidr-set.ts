// The cluster CIDR cut into equal per-node pod CIDRs (a /16 into /24s, as
// kube-controller-manager's --cluster-cidr and --node-cidr-mask-size do).
// Pure: which blocks are taken is the caller's to say, so the controller can
// derive it from the nodes' specs at any moment (a new leader included).
import { formatIP, type IPRange, parseCIDR, parseIP } from "../../api/services/ip-range.ts";

export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

export class CidrSet {
  readonly #base: bigint;
  readonly #blockBits: number;
  /** How many node blocks the cluster CIDR holds. */
  readonly size: number;

  constructor(
    readonly clusterCIDR: string,
    readonly nodeMaskSize = DEFAULT_NODE_CIDR_MASK_SIZE,
  ) {
    let range: IPRange;
    try {
      range = parseCIDR(clusterCIDR);
    } catch (error) {
      throw new Error(`--cluster-cidr ${clusterCIDR}: ${(error as Error).message.replace("service CIDR", "CIDR")}`, { cause: error });
    }
    if (range.family !== "IPv4") throw new Error(`--cluster-cidr ${clusterCIDR}: only IPv4 pod networks are supported`);
    const prefix = Number(clusterCIDR.split("/")[1]);
    if (!Number.isInteger(nodeMaskSize) || nodeMaskSize < prefix || nodeMaskSize > 30) {
      throw new Error(`node pod CIDRs of /${nodeMaskSize} do not fit in --cluster-cidr ${clusterCIDR} (need /${prefix} … /30)`);
    }
    if (nodeMaskSize - prefix > 20) throw new Error(`--cluster-cidr ${clusterCIDR} holds more than 2^20 /${nodeMaskSize} node blocks: choose a smaller range`);
    this.#base = range.base;
    this.#blockBits = 32 - nodeMaskSize;
    this.size = 2 ** (nodeMaskSize - prefix);
  }

  /** The index-th node block, as "10.244.3.0/24". */
  cidrAt(index: number): string {
    return `${formatIP({ family: "IPv4", value: this.#base + (BigInt(index) << BigInt(this.#blockBits)) })}/${this.nodeMaskSize}`;
  }

  /** The block's index when `cidr` is exactly one of this set's blocks, else undefined. */
  indexOf(cidr: string): number | undefined {
    const [address, bits] = cidr.split("/");
    const ip = address === undefined ? undefined : parseIP(address);
    if (Number(bits) !== this.nodeMaskSize || ip?.family !== "IPv4" || ip.value < this.#base) return undefined;
    const index = Number((ip.value - this.#base) >> BigInt(this.#blockBits));
    return index < this.size && this.cidrAt(index) === `${address}/${bits}` ? index : undefined;
  }

  /** The lowest block not in `taken`, or undefined when every block is. */
  firstFree(taken: ReadonlySet<string>): string | undefined {
    for (let index = 0; index < this.size; index++) {
      const cidr = this.cidrAt(index);
      if (!taken.has(cidr)) return cidr;
    }
    return undefined;
  }
}
