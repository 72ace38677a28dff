// Host ports in use on a node (framework.HostPortInfo): a pod's hostPort
// collides with another on the same protocol and port when either binds every
// address (0.0.0.0) or both bind the same one.

import type { Pod } from "../../../schemas/index.ts";

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

const ALL_ADDRESSES = "0.0.0.0";

/**
 * The host ports a pod binds: those of its containers and sidecars (which run
 * alongside), with the defaults Kubernetes applies to an empty ip and protocol.
 */
export function podHostPorts(pod: Pod): HostPort[] {
  const ports: HostPort[] = [];
  const spec = pod.spec;
  if (spec === undefined) return ports;
  const collect = (containers: typeof spec.containers) => {
    for (const c of containers) {
      for (const p of c.ports ?? []) {
        if (p.hostPort === undefined || p.hostPort <= 0) continue;
        ports.push({ ip: p.hostIP || ALL_ADDRESSES, protocol: p.protocol || "TCP", port: p.hostPort });
      }
    }
  };
  collect(spec.containers);
  collect((spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always"));
  return ports;
}

/** The ports bound on one node, counted so that removing one of two identical claims keeps the other. */
export class HostPortSet {
  private readonly byPort = new Map<string, Map<string, number>>();

  get size(): number {
    return this.byPort.size;
  }

  add(p: HostPort): void {
    const key = `${p.protocol}/${p.port}`;
    let ips = this.byPort.get(key);
    if (ips === undefined) this.byPort.set(key, (ips = new Map()));
    ips.set(p.ip, (ips.get(p.ip) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const key = `${p.protocol}/${p.port}`;
    const ips = this.byPort.get(key);
    const count = ips?.get(p.ip);
    if (ips === undefined || count === undefined) return;
    if (count > 1) ips.set(p.ip, count - 1);
    else {
      ips.delete(p.ip);
      if (ips.size === 0) this.byPort.delete(key);
    }
  }

  conflicts(p: HostPort): boolean {
    const ips = this.byPort.get(`${p.protocol}/${p.port}`);
    if (ips === undefined) return false;
    if (p.ip === ALL_ADDRESSES) return ips.size > 0;
    return ips.has(ALL_ADDRESSES) || ips.has(p.ip);
  }
}
