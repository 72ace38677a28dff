// The composition root: the only place that picks implementations and wires
// storage, the API and (later) the scheduler, controllers and local agent.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { InformerFactory } from "../../client/informer-factory.ts";
import { KubeClient } from "../../client/kube-client.ts";
import { createApp } from "./api/app.ts";
import { bootstrap } from "./api/bootstrap.ts";
import type { DefaultTolerationSeconds } from "./api/rest/default-toleration-seconds.ts";
import { DEFAULT_SERVICE_CIDR, LOOPBACK_SERVICE_CIDR, ServiceAllocator } from "./api/services/allocator.ts";
import { startAllocationRepair } from "./api/services/repair.ts";
import { writeKubeconfig } from "./cli/kubeconfig.ts";
import { startControllerManager } from "./controllers/manager.ts";
import { startLeaderElection } from "./controllers/runtime/leader-election.ts";
import { startScheduler } from "./scheduler/scheduler-service.ts";
import { startCompactor } from "./storage/compactor.ts";
import { openStore } from "./storage/open.ts";
import type { SqlStore } from "./storage/sql/sql-store.ts";

export interface ControlPlaneOptions {
  /** "up": embedded PGlite in the data dir; "server": PostgreSQL at databaseUrl. */
  mode: "up" | "server";
  databaseUrl?: string;
  dataDir: string;
  bind: string;
  /** 0 picks a free port. */
  port: number;
  compactionIntervalMs?: number;
  /** Service CIDRs, primary first (default: 127.96.0.0/16 for up — loopback mode — and 10.96.0.0/12 for server). */
  serviceCIDRs?: string[];
  /** NodePort range, "30000-32767" by default. */
  nodePortRange?: string;
  /** How long pods tolerate an unreachable or not-ready node unless they say (300 s each by default). */
  defaultTolerationSeconds?: Partial<DefaultTolerationSeconds>;
  /** Each node's pod CIDR comes from here (bridge-mode agents); none by default. */
  clusterCIDR?: string;
  /** How long a node may go unheard before it is Unknown (40 s by default). */
  nodeMonitorGracePeriodMs?: number;
  /** Runs a node agent in this process (ledge up), in `dataDir`/agent; its log endpoint listens on 127.0.0.1:`port` (0: any free port). */
  agent?: { port?: number; nodeName?: string };
  /**
   * The bearer token pods/log presents to node agents, whose log endpoints
   * (--token-file) refuse requests without it. With an in-process agent and no
   * token given, one is made for this run.
   */
  agentToken?: string;
}

export interface ControlPlane {
  url: string;
  kubeconfig: string;
  store: SqlStore;
  stop(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  mkdirSync(options.dataDir, { recursive: true });
  const releaseLock = options.mode === "up" ? lockDataDir(options.dataDir) : () => {};
  const store = await openStore(
    options.mode === "up" ? { dataDir: join(options.dataDir, "db") } : { databaseUrl: options.databaseUrl },
  ).catch((error: unknown) => {
    releaseLock();
    const where = options.mode === "up" ? `the embedded database in ${options.dataDir}` : `the database at ${redact(options.databaseUrl ?? "")}`;
    throw new Error(`cannot open ${where}: ${(error as Error).message}`, { cause: error });
  });
  try {
    const serviceNetwork = {
      serviceCIDRs: options.serviceCIDRs ?? [options.mode === "up" ? LOOPBACK_SERVICE_CIDR : DEFAULT_SERVICE_CIDR],
      nodePortRange: options.nodePortRange,
    };
    const agentToken = options.agentToken ?? (options.agent ? randomBytes(32).toString("hex") : undefined);
    const app = createApp({ store, serviceNetwork, defaultTolerationSeconds: options.defaultTolerationSeconds, ...(agentToken === undefined ? {} : { agentToken }) });
    await bootstrap(app);
    // Controllers speak to the API in-process: the same admission and semantics, no socket.
    const client = new KubeClient((request) => app.fetch(request), "http://ledge.local", "ledge-controller-manager");
    // Every replica serves the API; only the holders of the leases run the
    // controllers and the scheduler. Their informers are shared and, once
    // started, kept warm so that a replica that becomes leader starts at once.
    const informers = new InformerFactory(client, (error) => console.error(`informer: ${(error as Error).message ?? error}`));
    const identity = `${hostname()}_${process.pid}_${crypto.randomUUID().slice(0, 8)}`;
    const controllers = startLeaderElection({
      client,
      name: "ledge-controller-manager",
      identity,
      onStartedLeading: async () =>
        (await startControllerManager(client, undefined, {
          informers,
          nodeLifecycle: { gracePeriodMs: options.nodeMonitorGracePeriodMs },
          ...(options.clusterCIDR ? { nodeIpam: { clusterCIDR: options.clusterCIDR } } : {}),
        })).stop,
      log: (message) => console.error(message),
    });
    const scheduler = startLeaderElection({
      client,
      name: "ledge-scheduler",
      identity,
      onStartedLeading: async () => (await startScheduler(client, informers)).stop,
      log: (message) => console.error(message),
    });
    const server = listen(options, app.fetch);
    const host = options.bind.includes(":") ? `[${options.bind}]` : options.bind;
    const url = `http://${host}:${server.port}`;
    const kubeconfig = writeKubeconfig(join(options.dataDir, "kubeconfig"), url);
    const compactor = startCompactor(store, { intervalMs: options.compactionIntervalMs ?? 5 * 60_000 });
    // Frees ClusterIPs and NodePorts leaked by a replica that died mid-create; safe on every replica.
    const repair = startAllocationRepair(store, new ServiceAllocator(store, serviceNetwork));
    const stopServing = async () => {
      await Promise.all([controllers.stop(), scheduler.stop()]);
      informers.stop();
      compactor.stop();
      repair.stop();
      await server.stop(true);
    };
    // Loaded only when wanted, so `ledge server` never loads agent code; the agent talks to the API in-process.
    const agent = options.agent
      ? await (await import("../../node-agent/src/embedded.ts"))
          .startEmbeddedAgent({
            fetch: (request) => app.fetch(request),
            dataDir: join(options.dataDir, "agent"),
            ...options.agent,
            ...(agentToken === undefined ? {} : { token: agentToken }),
            log: (message) => console.error(message),
          })
          .catch(async (error: unknown) => {
            await stopServing();
            throw new Error(`cannot start the node agent: ${(error as Error).message}`, { cause: error });
          })
      : undefined;
    return {
      url,
      kubeconfig,
      store,
      async stop() {
        await agent?.stop();
        await stopServing();
        await store.close();
        releaseLock();
      },
    };
  } catch (error) {
    await store.close();
    releaseLock();
    throw error;
  }
}

function listen(options: ControlPlaneOptions, fetch: (request: Request, server: Bun.Server<undefined>) => Response | Promise<Response>) {
  try {
    return Bun.serve({ hostname: options.bind, port: options.port, fetch, idleTimeout: 0 });
  } catch (error) {
    if ((error as { code?: string }).code === "EADDRINUSE") {
      throw new Error(`port ${options.port} on ${options.bind} is already in use (choose another with --port)`, { cause: error });
    }
    throw error;
  }
}

/** PGlite must have one owner: a second `ledge up` on the same data dir would corrupt it. */
function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, "ledge.pid");
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, "utf8"));
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(`another ledge (pid ${pid}) is running on data dir ${dataDir}`);
    }
  }
  writeFileSync(path, String(process.pid));
  return () => rmSync(path, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A database URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
