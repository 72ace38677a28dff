// The repair loop of the service allocators (Kubernetes' ipallocator and
// portallocator repair controllers): reservations whose value no Service uses
// any more are freed — a server that died between reserving and storing the
// Service, or a Service deleted by its last finalizer leaving — and values
// Services use without a reservation get one again. It goes by what Services
// actually hold, not by the reservations' parentRef, and leaves young
// reservations alone: their Service may be being written right now.
import type { KubeObject, Store } from "../../storage/store.ts";
import type { ServiceAllocator } from "./allocator.ts";
import { canonicalIP } from "./ip-range.ts";
import { IP_FAMILY_LABEL, MANAGED_BY, MANAGED_BY_LABEL, type Reservations } from "./reservations.ts";
import { allocatedValues } from "./service-allocation.ts";
import { SERVICES } from "./allocating-store.ts";

export interface RepairOptions {
  /** A reservation no Service uses is freed once it is older than this (default 60 s). */
  leakGraceMs?: number;
  now?: () => number;
  log?: (message: string) => void;
}

export interface RepairResult {
  /** "ip/10.96.0.7", "port/30080" */
  released: string[];
  restored: string[];
}

export async function repairAllocations(store: Store, allocator: ServiceAllocator, options: RepairOptions = {}): Promise<RepairResult> {
  const now = options.now ?? Date.now;
  const grace = options.leakGraceMs ?? 60_000;
  const log = options.log ?? console.error;
  const result: RepairResult = { released: [], restored: [] };
  // Reservations first, Services second: a Service stored in between is seen, so its reservation is not freed.
  const [ipReservations, portReservations] = await Promise.all([allocator.ipReservations.list(), allocator.portReservations.list()]);
  const services = (await store.list({ resource: SERVICES })).items;

  const usedIPs = new Map<string, KubeObject>();
  const usedPorts = new Map<string, KubeObject>();
  for (const service of services) {
    const { ips, ports } = allocatedValues(service);
    for (const ip of ips) usedIPs.set(canonicalIP(ip) ?? ip, service);
    for (const port of ports) usedPorts.set(String(port), service);
  }

  const sweep = async (kind: "ip" | "port", reservations: KubeObject[], used: Map<string, KubeObject>, table: Reservations) => {
    for (const reservation of reservations) {
      const name = reservation.metadata.name ?? "";
      if (used.has(name)) continue;
      const created = Date.parse(reservation.metadata.creationTimestamp ?? "");
      if (Number.isFinite(created) && now() - created < grace) continue;
      if (await table.deleteIfUnchanged(reservation)) result.released.push(`${kind}/${name}`);
    }
  };
  await sweep("ip", ipReservations, usedIPs, allocator.ipReservations);
  await sweep("port", portReservations, usedPorts, allocator.portReservations);

  const restore = async (kind: "ip" | "port", reserved: KubeObject[], used: Map<string, KubeObject>, table: Reservations, inRange: (value: string) => boolean) => {
    const have = new Set(reserved.map((r) => r.metadata.name ?? ""));
    for (const [value, service] of used) {
      if (have.has(value)) continue;
      const who = `${service.metadata.namespace}/${service.metadata.name}`;
      if (!inRange(value)) {
        log(`service ${who} uses ${kind} ${value}, outside the configured range: not reserved`);
        continue;
      }
      const labels: Record<string, string> = kind === "ip" ? { [IP_FAMILY_LABEL]: value.includes(":") ? "IPv6" : "IPv4", [MANAGED_BY_LABEL]: MANAGED_BY } : {};
      const outcome = await table.reserve(value, { namespace: service.metadata.namespace ?? "", name: service.metadata.name ?? "" }, labels);
      if (outcome === "reserved") result.restored.push(`${kind}/${value}`);
    }
  };
  await restore("ip", ipReservations, usedIPs, allocator.ipReservations, (ip) => allocator.ipInRange(ip));
  await restore("port", portReservations, usedPorts, allocator.portReservations, (port) => allocator.portInRange(Number(port)));

  for (const entry of [...result.released, ...result.restored]) {
    log(`service allocation repair: ${result.released.includes(entry) ? "freed leaked" : "restored missing"} ${entry}`);
  }
  return result;
}

/** Runs the repair every `intervalMs` (default 60 s) until stopped; failures are logged and retried next round. */
export function startAllocationRepair(
  store: Store,
  allocator: ServiceAllocator,
  options: RepairOptions & { intervalMs?: number } = {},
): { stop(): void } {
  const log = options.log ?? console.error;
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await repairAllocations(store, allocator, options);
    } catch (error) {
      log(`service allocation repair failed (will retry): ${(error as Error).message ?? error}`);
    } finally {
      running = false;
    }
  }, options.intervalMs ?? 60_000);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}
