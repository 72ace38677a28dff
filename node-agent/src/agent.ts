// The node agent, assembled: the local database, the pods' workers, the node's
// registration, lease and status, the log and stats endpoint, and the loops
// that keep logs and usage figures current. Everything that reaches the
// cluster goes through the KubeClient it is given (over the network for
// `ledge agent`, over the API's own fetch inside `ledge up`).
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { eventRecorder, type EventRecorder } from "../../client/event-recorder.ts";
import type { KubeClient } from "../../client/kube-client.ts";
import type { Pod } from "../../schemas/index.ts";
import { agentFetch } from "./agent-server.ts";
import { ApiLink } from "./api-link.ts";
import { type Clock, realClock } from "./clock.ts";
import type { ImageService } from "./images/image-service.ts";
import { DEFAULT_LOG_ROTATION, LogFiles, type LogRotation } from "./logs/log-files.ts";
import { locateLog } from "./logs/log-locator.ts";
import { apiNodeView } from "./network/api-node-view.ts";
import { BridgeNetwork } from "./network/bridge-network.ts";
import { DEFAULT_LOOPBACK_POD_CIDR, LoopbackNetwork } from "./network/loopback-network.ts";
import type { PodNetwork } from "./network/pod-network.ts";
import { sandboxKindOf } from "./network/pod-sandbox.ts";
import { hostReadings, type MachineReadings, systemInfo } from "./node/machine.ts";
import { NodeReporter } from "./node/node-reporter.ts";
import { DEFAULT_THRESHOLDS, type NodeFacts, type PressureThresholds } from "./node/node-status.ts";
import { every } from "./periodic.ts";
import { type BackoffPolicy, DEFAULT_BACKOFF } from "./pods/backoff.ts";
import { PodManager } from "./pods/pod-manager.ts";
import { isServiceAddressBinder, type ServiceAddressBinder } from "./proxy/service-address-binder.ts";
import { serviceEnv } from "./proxy/service-env.ts";
import { ServiceProxy } from "./proxy/service-proxy.ts";
import { OCI_HANDLERS, RuntimeSelector, WASM_HANDLERS } from "./runtime/runtime-selector.ts";
import type { Runtime } from "./runtime/runtime.ts";
import { LocalStore } from "./state/local-store.ts";
import { ObjectSource } from "./state/object-source.ts";
import { StatsCollector } from "./stats/stats-collector.ts";
import { VolumeManager } from "./volumes/volume-manager.ts";

export const AGENT_VERSION = "0.1.0";
export const DEFAULT_AGENT_PORT = 10250;
export const DEFAULT_MAX_PODS = 110;

export interface AgentTimings {
  leaseMs: number;
  statusCheckMs: number;
  statusReportMs: number;
  volumeRefreshMs: number;
  statsMs: number;
  logRotateMs: number;
  imageGcMs: number;
  watchBackoffMs: number;
}

const DEFAULT_TIMINGS: AgentTimings = {
  leaseMs: 10_000,
  statusCheckMs: 10_000,
  statusReportMs: 60_000,
  volumeRefreshMs: 60_000,
  statsMs: 10_000,
  logRotateMs: 10_000,
  imageGcMs: 300_000,
  watchBackoffMs: 200,
};

export interface AgentOptions {
  client: KubeClient;
  nodeName: string;
  /** The agent's database, volumes and logs live here. */
  dataDir: string;
  /** The node's InternalIP: where the API server reaches the log endpoint, and the pods' hostIP. */
  nodeIP: string;
  /** The log endpoint listens here (default: nodeIP). */
  bindAddress?: string;
  /** The log endpoint's port (10250; 0 picks a free one, reported in the Node's daemonEndpoints). */
  port?: number;
  /** The bearer token the API server presents to the log endpoint (agent-server.ts); without one the endpoint serves anyone who reaches it. */
  token?: string;
  maxPods?: number;
  /** Loopback mode's pod range (127.1.0.0/16). */
  podCIDR?: string;
  /** Bridge mode (multi-node, root) instead of loopback: the node's pod CIDR on a bridge, a namespace per OCI pod. */
  bridge?: { bridge?: string; serviceInterface?: string };
  /** Another pod network instead of loopback or bridge. */
  network?: (store: LocalStore) => PodNetwork;
  runtimes: Runtime[];
  images: ImageService;
  clock?: Clock;
  readings?: MachineReadings;
  thresholds?: Partial<PressureThresholds>;
  backoff?: BackoffPolicy;
  logRotation?: LogRotation;
  timings?: Partial<AgentTimings>;
  instanceType?: string;
  log?: (message: string) => void;
  /** The Service proxy (node-agent/src/proxy); false turns its listeners off (pods still get the Service variables). */
  proxy?: false | AgentProxyOptions;
}

export interface AgentProxyOptions {
  /** Where ClusterIPs are put before they are listened on; default: the pod network if it is a binder (bridge mode), else none needed (loopback). */
  binder?: ServiceAddressBinder;
  /** Addresses NodePorts listen on (default: nodeIP). */
  nodeAddresses?: string[];
  udpIdleMs?: number;
}

export class Agent {
  private constructor(
    readonly options: AgentOptions,
    readonly store: LocalStore,
    readonly link: ApiLink,
    readonly pods: PodManager,
    readonly node: NodeReporter,
    readonly stats: StatsCollector,
    readonly logs: LogFiles,
    private readonly server: ReturnType<typeof Bun.serve>,
    private readonly stopLoops: AbortController,
    private readonly loops: Promise<void>[],
    readonly proxy: ServiceProxy,
    readonly network: PodNetwork,
  ) {}

  /** The log endpoint's port (as the Node's daemonEndpoints report it). */
  get port(): number {
    return this.server.port ?? 0;
  }

  get url(): string {
    const host = this.server.hostname?.includes(":") ? `[${this.server.hostname}]` : this.server.hostname;
    return `http://${host}:${this.port}`;
  }

  static async start(options: AgentOptions): Promise<Agent> {
    const log = options.log ?? ((message: string) => console.error(message));
    const clock = options.clock ?? realClock;
    const readings = options.readings ?? hostReadings;
    const timings = { ...DEFAULT_TIMINGS, ...options.timings };
    mkdirSync(options.dataDir, { recursive: true });
    const store = LocalStore.open(join(options.dataDir, "agent.db"));
    let server: ReturnType<typeof Bun.serve> | undefined;
    let proxy: ServiceProxy | undefined;
    let network: PodNetwork | undefined;
    try {
      const link = new ApiLink(log);
      const objects = new ObjectSource(options.client, store, link);
      const runtimes = new RuntimeSelector(options.runtimes, objects);
      const allocatable = { cpu: readings.cpus(), memory: readings.memoryTotalBytes() };
      network =
        options.network?.(store) ??
        (options.bridge
          ? new BridgeNetwork({
              ...options.bridge,
              store,
              nodeName: options.nodeName,
              nodes: apiNodeView(options.client, log),
              sandboxOf: async (uid) => sandboxKindOf(store.pod(uid)?.pod as Pod | undefined, { runtimes: options.runtimes, runtimeClass: (name) => objects.runtimeClass(name) }),
              log,
            })
          : new LoopbackNetwork(store, options.podCIDR ?? DEFAULT_LOOPBACK_POD_CIDR));
      network.start?.();
      const volumes = new VolumeManager(options.dataDir, objects, allocatable);
      const logs = new LogFiles(join(options.dataDir, "logs"), options.logRotation ?? DEFAULT_LOG_ROTATION);
      const proxyOptions = options.proxy === false ? undefined : (options.proxy ?? {});
      proxy = new ServiceProxy({
        client: options.client,
        nodeName: options.nodeName,
        nodeAddresses: proxyOptions?.nodeAddresses ?? [options.nodeIP],
        ...(proxyOptions ? { binder: proxyOptions.binder ?? (isServiceAddressBinder(network) ? network : undefined) } : {}),
        listen: proxyOptions !== undefined,
        ...(proxyOptions?.udpIdleMs ? { udpIdleMs: proxyOptions.udpIdleMs } : {}),
        watchBackoffMs: timings.watchBackoffMs,
        log,
      });
      const serviceProxy = proxy;
      link.onReconnect(() => serviceProxy.rewatch());
      const recorder = onlineOnly(eventRecorder(options.client, "kubelet", log, { host: options.nodeName }), link);
      const pods = new PodManager({
        client: options.client,
        link,
        nodeName: options.nodeName,
        hostIP: options.nodeIP,
        store,
        services: { clock, backoff: options.backoff ?? DEFAULT_BACKOFF, network, volumes, logs, log },
        images: options.images,
        runtimes,
        objects,
        recorder,
        nodeAllocatable: allocatable,
        maxPods: options.maxPods ?? DEFAULT_MAX_PODS,
        volumeRefreshMs: timings.volumeRefreshMs,
        watchBackoffMs: timings.watchBackoffMs,
        baseEnv: (pod) => serviceEnv(serviceProxy.services.list() as never, pod.metadata?.namespace ?? "default", pod.spec?.enableServiceLinks ?? true),
      });
      const stats = new StatsCollector({ nodeName: options.nodeName, dataDir: options.dataDir, clock, readings, workers: () => pods.workers(), everyMs: timings.statsMs, log });
      server = listen(options.bindAddress ?? options.nodeIP, options.port ?? DEFAULT_AGENT_PORT, {
        locateLog: (namespace, pod, container, previous) => locateLog(pods, logs, namespace, pod, container, previous),
        summary: () => stats.summary() ?? {},
        pods: () => ({ kind: "PodList", apiVersion: "v1", metadata: {}, items: pods.workers().map((w) => ({ ...w.pod, status: w.status() })) }),
      }, options.token);
      const facts: NodeFacts = {
        name: options.nodeName,
        address: options.nodeIP,
        hostname: hostname(),
        port: server.port ?? 0,
        maxPods: options.maxPods ?? DEFAULT_MAX_PODS,
        dataDir: options.dataDir,
        system: systemInfo(),
        runtimes: options.runtimes.map((r) => ({
          name: r.name,
          wasm: WASM_HANDLERS.has(r.name) || r.handles("wasm-component") || r.handles("wasm-module"),
          oci: OCI_HANDLERS.has(r.name) || r.handles("oci-rootfs"),
        })),
        ...(options.instanceType ? { instanceType: options.instanceType } : {}),
        agentVersion: AGENT_VERSION,
      };
      const node = new NodeReporter({
        client: options.client,
        link,
        clock,
        readings,
        facts,
        thresholds: { ...DEFAULT_THRESHOLDS, ...options.thresholds },
        leaseEveryMs: timings.leaseMs,
        statusCheckEveryMs: timings.statusCheckMs,
        statusReportEveryMs: timings.statusReportMs,
        log,
      });
      // Like the kubelet, containers start once the Services are known (their variables); an agent without its API does not wait.
      await proxy.start();
      await pods.start();
      node.start();
      stats.start();
      const stopLoops = new AbortController();
      const rotation = every(clock, timings.logRotateMs, stopLoops.signal, () => rotateLogs(pods, logs, clock.now()), (error) =>
        log(`agent: rotating logs failed: ${(error as Error).message}`),
      );
      // The kubelet's image garbage collection: every 5 minutes; the store removes unused images only under disk pressure.
      const imageGc = every(clock, timings.imageGcMs, stopLoops.signal, () => options.images.gc({ inUse: imagesInUse(pods) }), (error) =>
        log(`agent: image garbage collection failed: ${(error as Error).message}`),
      );
      return new Agent(options, store, link, pods, node, stats, logs, server, stopLoops, [rotation, imageGc], proxy, network);
    } catch (error) {
      await proxy?.stop();
      await network?.stop?.().catch((cleanup: unknown) => log((cleanup as Error).message));
      await server?.stop(true);
      store.close();
      throw error;
    }
  }

  /** Stops the agent. Its containers stop too, but their state stays saved: the next agent on this data dir resumes them. */
  async stop(): Promise<void> {
    this.stopLoops.abort();
    await Promise.all(this.loops);
    await this.node.stop();
    await this.stats.stop();
    await this.pods.stop();
    await this.proxy.stop();
    // After the proxy (its ClusterIPs) and the pods (their addresses): what is left is the node's own.
    await this.network.stop?.().catch((error: unknown) => (this.options.log ?? console.error)((error as Error).message));
    await this.server.stop(true);
    for (const runtime of this.options.runtimes) await runtime.close?.();
    this.store.close();
  }
}

function listen(hostname: string, port: number, endpoints: Parameters<typeof agentFetch>[0], token: string | undefined): ReturnType<typeof Bun.serve> {
  try {
    return Bun.serve({ hostname, port, fetch: agentFetch(endpoints, token), idleTimeout: 0 });
  } catch (error) {
    if ((error as { code?: string }).code === "EADDRINUSE") {
      throw new Error(`port ${port} on ${hostname} is already in use (choose another with --port)`, { cause: error });
    }
    throw error;
  }
}

/** Events are dropped while the API is unreachable rather than queued without bound; status catches up instead. */
function onlineOnly(recorder: EventRecorder, link: ApiLink): EventRecorder {
  return {
    event: (...args) => {
      if (link.online) recorder.event(...args);
    },
    flush: () => recorder.flush(),
    get dropped() {
      return recorder.dropped;
    },
  };
}

/** Every image a pod here names or runs: never collected. */
function imagesInUse(pods: PodManager): string[] {
  const images: string[] = [];
  for (const worker of pods.workers()) {
    for (const container of [...(worker.pod.spec?.initContainers ?? []), ...(worker.pod.spec?.containers ?? [])]) if (container.image) images.push(container.image);
    for (const container of worker.record.containers) if (container.image) images.push(container.image.reference, container.image.digest);
  }
  return images;
}

function rotateLogs(pods: PodManager, logs: LogFiles, now: number): void {
  for (const worker of pods.workers()) {
    for (const container of worker.record.containers) {
      if (container.state.name === "running" && container.instances > 0) logs.rotate(worker.record, container.name, container.instances - 1, now);
    }
  }
}
