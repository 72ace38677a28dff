// Loopback mode: every pod gets its own address from a per-node range inside
// 127.0.0.0/8 (127.1.0.0/16 by default), kept in the agent's database so a
// restarted agent gives each pod the address it had.
import type { LocalStore } from "../state/local-store.ts";
import { ipv4Range, ipv4ToString, type PodNetwork, type PodNetworkStatus } from "./pod-network.ts";

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
    const known = this.store.podIP(pod.uid);
    if (known) return { ips: [known] };
    const inUse = this.store.podIPsInUse();
    const { first, last } = this.#range;
    const size = last - first + 1;
    // Round robin from where the last allocation stopped, so a freed address
    // is not handed to the next pod at once (a client may still hold it).
    const cursor = Number(this.store.meta(CURSOR_KEY) ?? first);
    for (let i = 0; i < size; i++) {
      const candidate = first + ((cursor - first + i) % size);
      const ip = ipv4ToString(candidate);
      if (inUse.has(ip)) continue;
      if (!this.store.claimPodIP(pod.uid, ip)) continue;
      this.store.setMeta(CURSOR_KEY, String(candidate + 1 > last ? first : candidate + 1));
      return { ips: [ip] };
    }
    throw new Error(`no free pod address left in ${this.cidr}`);
  }

  async tearDown(uid: string): Promise<void> {
    this.store.claimPodIP(uid, undefined);
  }
}
