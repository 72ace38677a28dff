// Loopback mode: every pod gets its own address from a per-node range inside
// 127.0.0.0/8 (127.1.0.0/16 by default), kept in the agent's database so a
// restarted agent gives each pod the address it had.
import type { LocalStore } from "../state/local-store.ts";
import { allocatePodIP } from "./address-pool.ts";
import { ipv4Range, type PodNetwork, type PodNetworkStatus } from "./pod-network.ts";

export const DEFAULT_LOOPBACK_POD_CIDR = "127.1.0.0/16";
const CURSOR_KEY = "loopback.cursor";

export class LoopbackNetwork implements PodNetwork {
  readonly mode = "loopback";
  readonly #range: { first: number; last: number };

  constructor(
    private readonly store: LocalStore,
    readonly cidr = DEFAULT_LOOPBACK_POD_CIDR,
  ) {
    this.#range = ipv4Range(cidr);
    if (Math.floor(this.#range.first / 2 ** 24) !== 127) throw new Error(`loopback pod range ${cidr} must lie inside 127.0.0.0/8`);
  }

  async setUp(pod: { uid: string }): Promise<PodNetworkStatus> {
    return { ips: [allocatePodIP(this.store, pod.uid, this.#range, CURSOR_KEY, this.cidr)] };
  }

  async tearDown(uid: string): Promise<void> {
    this.store.claimPodIP(uid, undefined);
  }
}
