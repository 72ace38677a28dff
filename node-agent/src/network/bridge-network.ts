// Bridge mode (multi-node, root). The node's pod CIDR (node.spec.podCIDR,
// from the control plane's node IPAM) goes on a bridge (ledge0) whose address
// is the CIDR's first; each OCI pod gets a network namespace of its own with
// one end of a veth pair (eth0, its address, a default route via the bridge)
// and the other end in the bridge; a Wasm pod, a process in the node's own
// namespace, gets its address on the bridge (/32) and binds to it. Other
// nodes' pod CIDRs are routed through their InternalIPs, from a watch on the
// Nodes. ClusterIPs live on a dummy interface (ledge-svc) where the proxy
// listens on them: a pod reaches them through its default route, since they
// are the node's own addresses.
//
// Each pod's address is in the agent's database, and so is how its network
// was made (namespace or host address), so a restarted agent restores what a
// pod had — containers that outlived it keep theirs — and removes what no
// saved pod owns (a crashed agent's leftovers). When the agent stops it
// removes the ClusterIPs and Wasm addresses (those processes stop with it),
// and the bridge and routes too unless a container that outlives the agent
// (runc) still uses them.
import { existsSync } from "node:fs";
import type { ServiceAddressBinder } from "../proxy/service-address-binder.ts";
import type { LocalStore } from "../state/local-store.ts";
import { allocatePodIP } from "./address-pool.ts";
import {
  configureBridge,
  configurePodNetns,
  createBridge,
  createVeth,
  desiredRoutes,
  isOurVeth,
  type Names,
  namesFor,
  type NodeCidr,
  nodeCidr,
  type NodeInfo,
  netnsNameOf,
  parseAddresses,
  parseRoutes,
  removeRoute,
  replaceRoute,
  ROUTE_PROTO,
  routeChanges,
  uidOfNetns,
  vethNameOf,
} from "./bridge-plan.ts";
import { ALREADY, type CommandRunner, Ip, spawnRunner } from "./ip-command.ts";
import type { PodNetwork, PodNetworkStatus } from "./pod-network.ts";

/** Where a pod's network lives: its own namespace (OCI containers join it) or the node's (Wasm, a host process). */
export type SandboxKind = "netns" | "host";

/** The cluster's Nodes as bridge mode needs them: every node now, and again on each change. */
export interface NodeView {
  start(onChange: (nodes: NodeInfo[]) => void): void;
  stop(): void;
}

export interface BridgeNetworkOptions {
  store: LocalStore;
  nodeName: string;
  nodes: NodeView;
  /** Decides, once per pod, whether it gets a namespace or a host address. */
  sandboxOf: (uid: string) => Promise<SandboxKind>;
  log: (message: string) => void;
  bridge?: string;
  serviceInterface?: string;
  /** Runs the commands (default: Bun.spawn; tests prefix nsenter to stay inside a namespace of their own). */
  run?: CommandRunner;
  /** How long setUp waits for the node's pod CIDR before failing (the pod retries with back-off); 10 s. */
  cidrWaitMs?: number;
  /** Between attempts to set up the bridge after a failure; 5 s. */
  retryMs?: number;
}

const CIDR_KEY = "bridge.podCIDR";
const PODS_KEY = "bridge.pods";
const CURSOR_KEY = "bridge.cursor";
const NETNS_DIR = "/run/netns";

const hostPrefix = (ip: string) => (ip.includes(":") ? 128 : 32);

export class BridgeNetwork implements PodNetwork, ServiceAddressBinder {
  readonly mode = "bridge";
  readonly names: Names;
  readonly #options: BridgeNetworkOptions;
  readonly #ip: Ip;
  #node: NodeCidr | undefined;
  #preparing: Promise<void> | undefined;
  #ready: Promise<NodeCidr>;
  #resolveReady!: (node: NodeCidr) => void;
  #service: Promise<void> | undefined;
  #latestNodes: NodeInfo[] = [];
  #appliedRoutes: Map<string, string> | undefined;
  #routing: Promise<void> | undefined;
  #routesDirty = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #started = false;
  #stopped = false;

  constructor(options: BridgeNetworkOptions) {
    this.#options = options;
    this.names = namesFor(options.nodeName, options.bridge, options.serviceInterface);
    this.#ip = new Ip(options.run ?? spawnRunner());
    this.#ready = new Promise((resolve) => {
      this.#resolveReady = resolve;
    });
  }

  /** The node's pod CIDR once the bridge is up. */
  get podCIDR(): string | undefined {
    return this.#node?.cidr;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    void this.#startService().catch((error: unknown) => this.#options.log(`bridge network: ${(error as Error).message}`));
    // The CIDR saved by an earlier run lets pods start before the API answers (edge autonomy).
    const saved = this.#options.store.meta(CIDR_KEY);
    if (saved) this.#prepare(saved);
    this.#options.nodes.start((nodes) => {
      this.#latestNodes = nodes;
      const own = nodes.find((n) => n.name === this.#options.nodeName)?.podCIDR;
      if (own && !this.#node && !this.#preparing) this.#prepare(own);
      if (own && this.#node && own !== this.#node.cidr) {
        this.#options.log(`bridge network: node ${this.#options.nodeName} now has pod CIDR ${own}, but its pods use ${this.#node.cidr}; keeping ${this.#node.cidr} until the agent restarts`);
      }
      this.#syncRoutes();
    });
  }

  async setUp(pod: { uid: string; namespace: string; name: string }): Promise<PodNetworkStatus> {
    const node = await this.#whenReady();
    const kinds = this.#kinds();
    const kind = kinds[pod.uid] ?? (await this.#options.sandboxOf(pod.uid));
    const ip = allocatePodIP(this.#options.store, pod.uid, node.pods, CURSOR_KEY, node.cidr);
    if (kinds[pod.uid] !== kind) this.#saveKinds({ ...this.#kinds(), [pod.uid]: kind });
    await this.#plumb(pod.uid, kind, ip, node);
    return kind === "netns" ? { ips: [ip], netnsPath: `${NETNS_DIR}/${netnsNameOf(this.names, pod.uid)}` } : { ips: [ip] };
  }

  async tearDown(uid: string): Promise<void> {
    // Not while start-up restores saved pods' networks: it could put this one back.
    await this.#preparing;
    const kinds = this.#kinds();
    const kind = kinds[uid];
    const ip = this.#options.store.podIP(uid);
    if (kind === "host" && ip) await this.#ip.ip(["addr", "del", `${ip}/32`, "dev", this.names.bridge], ALREADY.gone);
    if (kind === "netns") await this.#removeNetns(uid);
    this.#options.store.claimPodIP(uid, undefined);
    if (kind) {
      const { [uid]: _, ...rest } = this.#kinds();
      this.#saveKinds(rest);
    }
  }

  /** ServiceAddressBinder: puts a ClusterIP on the service interface, where the proxy then listens. */
  async ensure(ip: string): Promise<void> {
    await this.#startService();
    await this.#ip.ip(["addr", "replace", `${ip}/${hostPrefix(ip)}`, "dev", this.names.service]);
  }

  async release(ip: string): Promise<void> {
    if (!this.#service) return;
    await this.#ip.ip(["addr", "del", `${ip}/${hostPrefix(ip)}`, "dev", this.names.service], ALREADY.gone);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#options.nodes.stop();
    await this.#preparing;
    await this.#routing;
    const problems: string[] = [];
    const attempt = async (what: () => Promise<unknown>) => {
      try {
        await what();
      } catch (error) {
        problems.push((error as Error).message);
      }
    };
    if (this.#service) await attempt(() => this.#ip.ip(["link", "del", this.names.service], ALREADY.gone));
    const kinds = this.#kinds();
    for (const [uid, kind] of Object.entries(kinds)) {
      const ip = this.#options.store.podIP(uid);
      if (kind === "host" && ip) await attempt(() => this.#ip.ip(["addr", "del", `${ip}/32`, "dev", this.names.bridge], ALREADY.gone));
    }
    const namespaces = Object.values(kinds).filter((k) => k === "netns").length;
    if (namespaces === 0) {
      await attempt(() => this.#applyRoutes(new Map()));
      await attempt(() => this.#ip.ip(["link", "del", this.names.bridge], ALREADY.gone));
    } else {
      this.#options.log(`bridge network: keeping ${this.names.bridge}, its routes and ${namespaces} pod namespace(s) for containers that outlive the agent`);
    }
    if (problems.length) throw new Error(`bridge network: cleaning up failed: ${problems.join("; ")}`);
  }

  #whenReady(): Promise<NodeCidr> {
    if (this.#node) return Promise.resolve(this.#node);
    if (!this.#started) this.start();
    const waitMs = this.#options.cidrWaitMs ?? 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`node ${this.#options.nodeName} has no pod network yet: it has no spec.podCIDR (is the control plane running with --cluster-cidr?) or its bridge could not be set up`)),
        waitMs,
      );
    });
    return Promise.race([this.#ready, timeout]).finally(() => clearTimeout(timer));
  }

  #prepare(cidr: string): void {
    this.#preparing = this.#setUpNode(cidr)
      .catch((error: unknown) => {
        this.#options.log(`bridge network: setting up ${this.names.bridge} for ${cidr} failed (will retry): ${(error as Error).message}`);
        if (!this.#stopped) this.#retry = setTimeout(() => this.#prepare(cidr), this.#options.retryMs ?? 5_000);
      })
      .finally(() => {
        this.#preparing = undefined;
      });
  }

  async #setUpNode(cidr: string): Promise<void> {
    const node = nodeCidr(cidr);
    if (!(await this.#ip.linkExists(this.names.bridge))) await this.#ip.ip(createBridge(this.names, node), ALREADY.exists);
    for (const args of configureBridge(this.names, node)) await this.#ip.ip(args);
    // Pods' packets to other nodes (and their answers) pass through this node.
    await this.#ip.exec(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    await this.#removeStale(node);
    await this.#restore(node);
    this.#options.store.setMeta(CIDR_KEY, cidr);
    this.#node = node;
    this.#resolveReady(node);
    this.#syncRoutes();
  }

  #startService(): Promise<void> {
    this.#service ??= (async () => {
      const { service } = this.names;
      if (!(await this.#ip.linkExists(service))) {
        try {
          await this.#ip.ip(["link", "add", service, "type", "dummy"], ALREADY.exists);
        } catch (error) {
          // A kernel without the dummy driver: an empty bridge holds local addresses just as well.
          if (!/Unknown device type|not supported/i.test((error as Error).message)) throw error;
          await this.#ip.ip(["link", "add", service, "type", "bridge"], ALREADY.exists);
        }
      }
      await this.#ip.ip(["link", "set", service, "up"]);
      // ClusterIPs a crashed agent left: the proxy puts back the ones still wanted.
      await this.#ip.ip(["addr", "flush", "dev", service]);
    })().catch((error: unknown) => {
      this.#service = undefined;
      throw error;
    });
    return this.#service;
  }

  /** The pod's network as it should be; every step is a no-op when already so. */
  async #plumb(uid: string, kind: SandboxKind, ip: string, node: NodeCidr): Promise<void> {
    if (kind === "host") {
      await this.#ip.ip(["addr", "replace", `${ip}/32`, "dev", this.names.bridge]);
      return;
    }
    const netns = netnsNameOf(this.names, uid);
    const veth = vethNameOf(uid);
    if (!existsSync(`${NETNS_DIR}/${netns}`)) {
      // A veth without its namespace (a reboot, or a namespace removed by hand) is made again whole.
      await this.#ip.ip(["link", "del", veth], ALREADY.gone);
      await this.#ip.ip(["netns", "add", netns], ALREADY.exists);
    }
    if (!(await this.#ip.linkExists(veth))) {
      await this.#ip.ip(["-n", netns, "link", "del", "eth0"], ALREADY.gone);
      await this.#ip.ip(createVeth(netns, veth));
    }
    for (const args of configurePodNetns(this.names, node, netns, veth, ip)) await this.#ip.ip(args);
  }

  async #removeNetns(uid: string): Promise<void> {
    await this.#ip.ip(["link", "del", vethNameOf(uid)], ALREADY.gone);
    await this.#ip.ip(["netns", "del", netnsNameOf(this.names, uid)], ALREADY.gone);
  }

  /** Removes namespaces, veths and bridge addresses no saved pod owns. */
  async #removeStale(node: NodeCidr): Promise<void> {
    const withIP = new Map(this.#options.store.pods().filter((p) => p.podIP).map((p) => [p.uid, p.podIP as string]));
    const kinds = Object.fromEntries(Object.entries(this.#kinds()).filter(([uid]) => withIP.has(uid)));
    this.#saveKinds(kinds);
    for (const netns of await this.#ip.netnsNames()) {
      const uid = uidOfNetns(this.names, netns);
      if (uid && kinds[uid] !== "netns") {
        this.#options.log(`bridge network: removing network namespace ${netns}, which no pod on this node owns`);
        await this.#removeNetns(uid);
      }
    }
    const veths = new Set(Object.keys(kinds).filter((uid) => kinds[uid] === "netns").map(vethNameOf));
    const links = await this.#ip.ip(["-o", "link", "show", "type", "veth"]);
    for (const match of links.matchAll(/^\d+:\s+([^@:\s]+)/gm)) {
      const name = match[1]!;
      if (isOurVeth(name) && !veths.has(name)) await this.#ip.ip(["link", "del", name], ALREADY.gone);
    }
    const hostIPs = new Set(Object.keys(kinds).filter((uid) => kinds[uid] === "host").map((uid) => `${withIP.get(uid)}/32`));
    for (const address of parseAddresses(await this.#ip.ip(["-o", "-4", "addr", "show", "dev", this.names.bridge]))) {
      if (address === `${node.gateway}/${node.prefix}` || hostIPs.has(address)) continue;
      await this.#ip.ip(["addr", "del", address, "dev", this.names.bridge], ALREADY.gone);
    }
  }

  /** Puts back the network of every saved pod (containers that outlived the agent keep running in theirs). */
  async #restore(node: NodeCidr): Promise<void> {
    for (const [uid, kind] of Object.entries(this.#kinds())) {
      const ip = this.#options.store.podIP(uid);
      if (!ip) continue;
      try {
        await this.#plumb(uid, kind, ip, node);
      } catch (error) {
        this.#options.log(`bridge network: restoring the network of pod ${uid} (${ip}) failed: ${(error as Error).message}`);
      }
    }
  }

  /** Reconciles the routes to other nodes' pods; one pass at a time, and another when something changed meanwhile. */
  #syncRoutes(): void {
    const own = this.#node?.cidr;
    if (own === undefined || this.#stopped) return;
    if (this.#routing) {
      this.#routesDirty = true;
      return;
    }
    this.#routing = (async () => {
      do {
        this.#routesDirty = false;
        const desired = desiredRoutes(this.#latestNodes, this.#options.nodeName);
        desired.delete(own);
        if (this.#appliedRoutes && sameRoutes(this.#appliedRoutes, desired)) continue;
        try {
          await this.#applyRoutes(desired);
          this.#appliedRoutes = desired;
        } catch (error) {
          this.#options.log(`bridge network: routes to other nodes' pods: ${(error as Error).message}`);
        }
      } while (this.#routesDirty && !this.#stopped);
    })().finally(() => {
      this.#routing = undefined;
    });
  }

  async #applyRoutes(desired: ReadonlyMap<string, string>): Promise<void> {
    const current = parseRoutes(await this.#ip.ip(["-o", "route", "show", "proto", ROUTE_PROTO]));
    const { replace, remove } = routeChanges(current, desired);
    const failures: string[] = [];
    for (const [cidr, via] of replace) {
      await this.#ip.ip(replaceRoute(cidr, via)).catch((error: unknown) => failures.push((error as Error).message));
    }
    for (const cidr of remove) await this.#ip.ip(removeRoute(cidr), ALREADY.gone).catch((error: unknown) => failures.push((error as Error).message));
    if (failures.length) throw new Error(failures.join("; "));
  }

  #kinds(): Record<string, SandboxKind> {
    const saved = this.#options.store.meta(PODS_KEY);
    return saved ? (JSON.parse(saved) as Record<string, SandboxKind>) : {};
  }

  #saveKinds(kinds: Record<string, SandboxKind>): void {
    this.#options.store.setMeta(PODS_KEY, JSON.stringify(kinds));
  }
}

function sameRoutes(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([cidr, via]) => b.get(cidr) === via);
}
