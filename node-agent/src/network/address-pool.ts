// Handing out pod addresses from a range, kept in the agent's database (the
// pods table's unique pod_ip column is the lock) so a restarted agent gives
// each pod the address it had. Loopback and bridge mode share it.
import type { LocalStore } from "../state/local-store.ts";
import { ipv4ToString } from "./pod-network.ts";

/**
 * The pod's address: the one it holds, else the next free one of [first, last]
 * after where the last allocation stopped (round robin, so a freed address is
 * not handed to the next pod at once: a client may still hold it). The pod's
 * row must exist in the store.
 */
export function allocatePodIP(store: LocalStore, uid: string, range: { first: number; last: number }, cursorKey: string, rangeName: string): string {
  const known = store.podIP(uid);
  if (known) return known;
  const inUse = store.podIPsInUse();
  const { first, last } = range;
  const size = last - first + 1;
  const stored = Number(store.meta(cursorKey) ?? first);
  const cursor = stored >= first && stored <= last ? stored : first;
  for (let i = 0; i < size; i++) {
    const candidate = first + ((cursor - first + i) % size);
    const ip = ipv4ToString(candidate);
    if (inUse.has(ip)) continue;
    if (!store.claimPodIP(uid, ip)) continue;
    store.setMeta(cursorKey, String(candidate + 1 > last ? first : candidate + 1));
    return ip;
  }
  throw new Error(`no free pod address left in ${rangeName}`);
}
