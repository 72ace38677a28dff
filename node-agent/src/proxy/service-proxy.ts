// The node's userspace proxy (kube-proxy's old userspace mode): it watches
// Services and EndpointSlices through the API and keeps one listener per
// address a service port is reached on here — its ClusterIPs, the NodePort on
// every node address, and the service port on this node's addresses that
// status.loadBalancer.ingress names (the edge gateways the service-lb
// controller chose). Every watch event reconciles only the Service it is
// about, at once, diffing per service port: a listener whose address is
// still wanted is kept (its route and balancer updated in place), so open
// connections and unrelated Services never notice.
import { Informer } from "../../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../client/kube-client.ts";
import type { EndpointSlice, Service } from "../../../schemas/index.ts";
import { Balancer } from "./balancer.ts";
import { loopbackBinder, type ServiceAddressBinder } from "./service-address-binder.ts";
import { endpointsFor, type Frontend, frontendKey, frontendsOf, type Protocol, type ServicePortInfo, servicePorts } from "./service-ports.ts";
import { TcpFrontend } from "./tcp-proxy.ts";
import { DEFAULT_UDP_IDLE_MS, UdpFrontend } from "./udp-proxy.ts";

const servicesResource = resourceOf("v1", "services");
const slicesResource = resourceOf("discovery.k8s.io/v1", "endpointslices");
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

/** A listener that could not be opened (address in use, not local) is tried again after this long. */
const RETRY_BIND_MS = 2_000;

export interface ServiceProxyOptions {
  client: KubeClient;
  nodeName: string;
  /** This node's addresses: NodePorts listen on each; LoadBalancer ingress IPs among them are served here. */
  nodeAddresses: string[];
  /** Puts ClusterIPs where they can be listened on (bridge mode); loopback mode needs nothing. */
  binder?: ServiceAddressBinder;
  /** Whether to listen at all; without, the proxy only keeps the Service cache (for pods' environment). */
  listen?: boolean;
  udpIdleMs?: number;
  log?: (message: string) => void;
  /** The informers' first retry delay. */
  watchBackoffMs?: number;
}

interface PortState {
  info: ServicePortInfo;
  balancer: Balancer;
}

type Listener = TcpFrontend | UdpFrontend;

interface Owned {
  frontend: Frontend;
  portId: string;
  service: string;
  listener: Listener;
}

export class ServiceProxy {
  /** The Services and EndpointSlices as last listed and watched (replaced by rewatch()). */
  services: Informer;
  slices: Informer;
  readonly #ports = new Map<string, PortState>();
  readonly #listeners = new Map<string, Owned>();
  /** Listeners by Service key, so a sync looks only at its own. */
  readonly #byService = new Map<string, Set<string>>();
  /** Slice keys by Service key. */
  readonly #slicesByService = new Map<string, Set<string>>();
  /** ClusterIP → listeners on it, for the binder. */
  readonly #addressUsers = new Map<string, number>();
  readonly #dirty = new Set<string>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>();
  /** Listeners that could not be opened: why, and the Service that wanted each. */
  readonly #bindErrors = new Map<string, { message: string; service: string | undefined }>();
  readonly #binder: ServiceAddressBinder;
  readonly #log: (message: string) => void;
  #stopped = false;

  constructor(private readonly options: ServiceProxyOptions) {
    this.#binder = options.binder ?? loopbackBinder;
    this.#log = options.log ?? ((m) => console.error(m));
    // The informers retry with a doubling back-off (up to 30 s), which also spaces these lines.
    const onError = (error: unknown) => {
      this.#log(`proxy: watching services failed (will retry): ${(error as Error).message ?? error}`);
      this.#firstError?.();
    };
    this.#informerOptions = { onError, initialBackoffMs: options.watchBackoffMs ?? 200 };
    [this.services, this.slices] = this.#newInformers();
    this.#handle(this.services, this.slices);
  }

  readonly #informerOptions: { onError: (error: unknown) => void; initialBackoffMs: number };
  #rewatching: Informer[] | undefined;

  #newInformers(): [Informer, Informer] {
    return [
      new Informer(this.options.client, servicesResource, this.#informerOptions),
      new Informer(this.options.client, slicesResource, { ...this.#informerOptions, labelSelector: SERVICE_NAME_LABEL }),
    ];
  }

  /** Slices first: a late handler is replayed the cache, and each Service's sync should find its slices already indexed. */
  #handle(services: Informer, slices: Informer): void {
    slices.on({
      add: (s) => this.#onSlice(undefined, s),
      update: (old, s) => this.#onSlice(old, s),
      delete: (s) => this.#onSlice(s, undefined),
    });
    services.on({
      add: (s) => this.#schedule(keyOf(s)),
      update: (_, s) => this.#schedule(keyOf(s)),
      delete: (s) => this.#schedule(keyOf(s)),
    });
  }

  /**
   * A fresh list and watch, for when the agent's link to the API comes back:
   * a watch that died silently would leave the proxy blind. The old caches
   * serve until the new ones are listed; then every Service known before or
   * after is synced (one deleted meanwhile loses its listeners).
   */
  rewatch(): void {
    if (this.#stopped) return;
    for (const pending of this.#rewatching ?? []) pending.stop();
    const fresh = this.#newInformers();
    this.#rewatching = fresh;
    void Promise.all(fresh.map((i) => i.start())).then(() => {
      if (this.#rewatching !== fresh || this.#stopped) return;
      this.#rewatching = undefined;
      const known = new Set([...this.services.list().map(keyOf), ...this.#slicesByService.keys()]);
      const old = [this.services, this.slices];
      [this.services, this.slices] = fresh;
      this.#slicesByService.clear();
      this.#handle(this.services, this.slices);
      for (const key of known) this.#schedule(key);
      for (const informer of old) informer.stop();
    });
  }

  #firstError: (() => void) | undefined;

  /**
   * Starts watching; resolves once Services and EndpointSlices are listed, or
   * at the first failure to list them (an agent starting without its API must
   * not wait: the informers keep retrying).
   */
  start(): Promise<void> {
    const synced = Promise.all([this.services.start(), this.slices.start()]).then(() => undefined);
    const failed = new Promise<void>((resolve) => (this.#firstError = resolve));
    return Promise.race([synced, failed]);
  }

  get hasSynced(): boolean {
    return this.services.hasSynced && this.slices.hasSynced;
  }

  /** Resolves once every sync scheduled so far has run (tests; a clean stop). */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()]);
  }

  /** The listener on protocol/ip:port, if the proxy has one (tests check it survives unrelated changes). */
  listener(protocol: Protocol, ip: string, port: number): Listener | undefined {
    return this.#listeners.get(frontendKey({ protocol, ip, port }))?.listener;
  }

  /** Listeners that could not be opened, with why (key → message). */
  bindErrors(): ReadonlyMap<string, string> {
    return new Map([...this.#bindErrors].map(([listenerKey, { message }]) => [listenerKey, message]));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const informer of [this.services, this.slices, ...(this.#rewatching ?? [])]) informer.stop();
    for (const timer of this.#retries.values()) clearTimeout(timer);
    await this.settled();
    for (const [key, owned] of this.#listeners) {
      owned.listener.closeAll();
      this.#listeners.delete(key);
      await this.#releaseAddress(owned.frontend);
    }
  }

  #onSlice(old: KubeObject | undefined, slice: KubeObject | undefined): void {
    for (const s of [old, slice]) {
      const service = s && serviceKeyOf(s);
      if (!service) continue;
      const sliceKey = keyOf(s);
      const names = this.#slicesByService.get(service) ?? new Set<string>();
      if (s === slice) names.add(sliceKey);
      else if (!slice || serviceKeyOf(slice) !== service) names.delete(sliceKey);
      if (names.size) this.#slicesByService.set(service, names);
      else this.#slicesByService.delete(service);
      this.#schedule(service);
    }
  }

  /** Runs sync(key) now, or right after the one running for that key; events arriving meanwhile fold into one more run. */
  #schedule(key: string): void {
    if (this.#stopped) return;
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    const run = (async () => {
      try {
        do {
          this.#dirty.delete(key);
          await this.#sync(key);
        } while (this.#dirty.has(key) && !this.#stopped);
      } catch (error) {
        this.#log(`proxy: syncing ${key} failed: ${(error as Error).message ?? error}`);
      } finally {
        this.#running.delete(key);
      }
    })();
    this.#running.set(key, run);
  }

  async #sync(key: string): Promise<void> {
    const service = this.services.get(key) as unknown as Service | undefined;
    const slices = [...(this.#slicesByService.get(key) ?? [])].map((k) => this.slices.get(k)).filter((s): s is KubeObject => !!s) as unknown as EndpointSlice[];
    const wanted = service ? servicePorts(service) : [];
    const wantedIds = new Set(wanted.map((p) => p.id));
    for (const info of wanted) {
      const state = this.#ports.get(info.id) ?? { info, balancer: new Balancer(this.options.nodeName) };
      state.info = info;
      state.balancer.update(info, endpointsFor(info, slices));
      this.#ports.set(info.id, state);
    }
    for (const [id, state] of this.#ports) if (state.info.service === key && !wantedIds.has(id)) this.#ports.delete(id);
    if (this.options.listen === false) return;

    const desired = new Map<string, { frontend: Frontend; portId: string }>();
    for (const info of wanted) for (const frontend of frontendsOf(info, this.options.nodeAddresses)) desired.set(frontendKey(frontend), { frontend, portId: info.id });
    const mine = this.#byService.get(key) ?? new Set<string>();
    for (const listenerKey of mine) {
      if (desired.has(listenerKey)) continue;
      const owned = this.#listeners.get(listenerKey);
      mine.delete(listenerKey);
      if (!owned || owned.service !== key) continue;
      this.#listeners.delete(listenerKey);
      owned.listener.close();
      await this.#releaseAddress(owned.frontend);
      // A Service that wanted this address (a reused ClusterIP or NodePort) gets it now rather than at its retry.
      const waiting = this.#bindErrors.get(listenerKey)?.service;
      if (waiting && waiting !== key) this.#schedule(waiting);
    }
    let failures = 0;
    for (const [listenerKey, { frontend, portId }] of desired) {
      const state = this.#ports.get(portId)!;
      const route = { balancer: state.balancer, external: frontend.external };
      const owned = this.#listeners.get(listenerKey);
      if (owned && owned.service === key) {
        owned.listener.route = route;
        owned.portId = portId;
        if (owned.listener instanceof UdpFrontend) owned.listener.forgetGone();
        continue;
      }
      if (owned) {
        // Another Service holds this address (a ClusterIP being reused before the old Service's delete reached us): retry later.
        failures += this.#bindFailed(listenerKey, `held by service ${owned.service}`, key);
        continue;
      }
      try {
        if (!frontend.external) await this.#ensureAddress(frontend);
        if (this.#stopped) {
          await this.#releaseAddress(frontend);
          return;
        }
        const listener =
          frontend.protocol === "TCP"
            ? TcpFrontend.listen(frontend.ip, frontend.port, route)
            : await UdpFrontend.listen(frontend.ip, frontend.port, route, this.options.udpIdleMs ?? DEFAULT_UDP_IDLE_MS);
        this.#listeners.set(listenerKey, { frontend, portId, service: key, listener });
        mine.add(listenerKey);
        if (this.#bindErrors.delete(listenerKey)) this.#log(`proxy: now listening on ${listenerKey} for ${key}`);
      } catch (error) {
        if (!frontend.external) await this.#releaseAddress(frontend);
        failures += this.#bindFailed(listenerKey, `${(error as { code?: string }).code ?? ""} ${(error as Error).message}`.trim(), key);
      }
    }
    if (mine.size) this.#byService.set(key, mine);
    else this.#byService.delete(key);
    for (const [listenerKey, { service }] of [...this.#bindErrors]) if (!desired.has(listenerKey) && service === key) this.#bindErrors.delete(listenerKey);
    this.#retryLater(key, failures > 0);
  }

  #bindFailed(listenerKey: string, message: string, service?: string): number {
    const before = this.#bindErrors.get(listenerKey);
    if (before?.message !== message) this.#log(`proxy: cannot listen on ${listenerKey}${service ? ` for ${service}` : ""}: ${message} (will retry)`);
    this.#bindErrors.set(listenerKey, { message, service: service ?? before?.service });
    return 1;
  }

  #retryLater(key: string, needed: boolean): void {
    const pending = this.#retries.get(key);
    if (!needed) {
      if (pending) clearTimeout(pending);
      this.#retries.delete(key);
      return;
    }
    if (pending || this.#stopped) return;
    const timer = setTimeout(() => {
      this.#retries.delete(key);
      this.#schedule(key);
    }, RETRY_BIND_MS);
    timer.unref?.();
    this.#retries.set(key, timer);
  }

  async #ensureAddress(frontend: Frontend): Promise<void> {
    const users = this.#addressUsers.get(frontend.ip) ?? 0;
    this.#addressUsers.set(frontend.ip, users + 1);
    if (users === 0) await this.#binder.ensure(frontend.ip);
  }

  async #releaseAddress(frontend: Frontend): Promise<void> {
    if (frontend.external) return;
    const users = (this.#addressUsers.get(frontend.ip) ?? 0) - 1;
    if (users > 0) {
      this.#addressUsers.set(frontend.ip, users);
      return;
    }
    this.#addressUsers.delete(frontend.ip);
    await this.#binder.release(frontend.ip);
  }
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;

function serviceKeyOf(slice: KubeObject): string | undefined {
  const name = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return name ? `${slice.metadata.namespace}/${name}` : undefined;
}
