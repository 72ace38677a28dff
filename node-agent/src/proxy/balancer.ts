// Which endpoint a new connection (or UDP session) of one service port goes
// to: round robin over the usable endpoints, sticky per client IP while
// ClientIP affinity holds, and only this node's endpoints where a Local
// traffic policy says so. Usable means ready; when none is, the serving
// endpoints that are terminating (Kubernetes' terminating-endpoint fallback),
// so a rollout's last old pod still answers. Nothing here touches open
// connections: an endpoint that stops being ready just stops being picked,
// and the connections it has drain on their own.
import { type EndpointInfo, endpointKey, type ServicePortInfo } from "./service-ports.ts";

export type BalancerPolicy = Pick<ServicePortInfo, "affinityTimeoutMs" | "internalLocal" | "externalLocal">;

interface Affinity {
  endpoint: string;
  lastUsed: number;
}

/** Affinity entries are swept at most this often (per balancer). */
const SWEEP_EVERY_PICKS = 1024;

export class Balancer {
  #policy: BalancerPolicy = { internalLocal: false, externalLocal: false };
  #endpoints: EndpointInfo[] = [];
  /** endpointKey of every endpoint, made once per update rather than on each lookup. */
  #keys: ReadonlySet<string> = new Set();
  #internal: EndpointInfo[] = [];
  #external: EndpointInfo[] = [];
  #next = 0;
  readonly #affinity = new Map<string, Affinity>();
  #picks = 0;

  constructor(
    private readonly nodeName: string,
    private readonly now: () => number = Date.now,
  ) {}

  get endpoints(): readonly EndpointInfo[] {
    return this.#endpoints;
  }

  update(policy: BalancerPolicy, endpoints: EndpointInfo[]): void {
    this.#policy = policy;
    this.#endpoints = endpoints;
    this.#keys = new Set(endpoints.map(endpointKey));
    const local = endpoints.filter((e) => e.nodeName === this.nodeName);
    this.#internal = usable(policy.internalLocal ? local : endpoints);
    this.#external = usable(policy.externalLocal ? local : endpoints);
    if (policy.affinityTimeoutMs === undefined) this.#affinity.clear();
  }

  /** The usable endpoints for traffic that came in on an internal (ClusterIP) or external (NodePort, LoadBalancer) address. */
  candidates(external: boolean): readonly EndpointInfo[] {
    return external ? this.#external : this.#internal;
  }

  /** The endpoint for a new connection from `clientIP`, other than those in `exclude` (tried already); undefined when none is left. */
  pick(clientIP: string, external: boolean, exclude?: ReadonlySet<string>): EndpointInfo | undefined {
    const candidates = this.candidates(external);
    if (candidates.length === 0) return undefined;
    const timeout = this.#policy.affinityTimeoutMs;
    const now = timeout === undefined ? 0 : this.now();
    if (timeout !== undefined) {
      if (++this.#picks % SWEEP_EVERY_PICKS === 0) this.#sweep(now, timeout);
      const sticky = this.#affinity.get(clientIP);
      if (sticky && now - sticky.lastUsed < timeout && !exclude?.has(sticky.endpoint)) {
        const endpoint = candidates.find((e) => endpointKey(e) === sticky.endpoint);
        if (endpoint) {
          sticky.lastUsed = now;
          return endpoint;
        }
      }
    }
    for (let i = 0; i < candidates.length; i++) {
      const endpoint = candidates[this.#next++ % candidates.length]!;
      if (this.#next >= Number.MAX_SAFE_INTEGER) this.#next = 0;
      // The key (a string) only when something needs it: plain round robin builds none per connection.
      if (exclude?.size && exclude.has(endpointKey(endpoint))) continue;
      if (timeout !== undefined) this.#affinity.set(clientIP, { endpoint: endpointKey(endpoint), lastUsed: now });
      return endpoint;
    }
    return undefined;
  }

  /** A connection to `endpoint` failed: the client's affinity to it goes, so its retry (and next connection) may land elsewhere. */
  failed(clientIP: string, endpoint: EndpointInfo): void {
    if (this.#affinity.get(clientIP)?.endpoint === endpointKey(endpoint)) this.#affinity.delete(clientIP);
  }

  /** Whether `endpoint` is still among this port's endpoints at all (ready or not). */
  has(endpoint: string): boolean {
    return this.#keys.has(endpoint);
  }

  #sweep(now: number, timeout: number): void {
    for (const [client, entry] of this.#affinity) if (now - entry.lastUsed >= timeout) this.#affinity.delete(client);
  }
}

function usable(endpoints: EndpointInfo[]): EndpointInfo[] {
  const ready = endpoints.filter((e) => e.ready);
  return ready.length > 0 ? ready : endpoints.filter((e) => e.serving && e.terminating);
}
