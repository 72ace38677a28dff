// `ledge scheduler` and `ledge controllers`: one role of the control plane as
// its own process, against a server reached through a kubeconfig. They take
// the same leases as the roles inside `ledge server`, so any mix of in-process
// and standalone replicas has exactly one active scheduler and controller manager.
import { hostname } from "node:os";
import { InformerFactory } from "../../client/informer-factory.ts";
import { clientFromKubeconfig } from "../../client/kubeconfig.ts";
import { startControllerManager } from "./controllers/manager.ts";
import { startLeaderElection } from "./controllers/runtime/leader-election.ts";
import { startScheduler } from "./scheduler/scheduler-service.ts";

export type Role = "scheduler" | "controllers";

export interface Standalone {
  stop(): Promise<void>;
}

export function startStandalone(role: Role, kubeconfig: string, options: { nodeMonitorGracePeriodMs?: number; clusterCIDR?: string } = {}): Standalone {
  const userAgent = role === "scheduler" ? "ledge-scheduler" : "ledge-controller-manager";
  const client = clientFromKubeconfig(kubeconfig, userAgent);
  const log = (message: string) => console.error(message);
  const informers = new InformerFactory(client, (error) => log(`informer: ${(error as Error).message ?? error}`));
  const elector = startLeaderElection({
    client,
    name: role === "scheduler" ? "ledge-scheduler" : "ledge-controller-manager",
    identity: `${hostname()}_${process.pid}_${crypto.randomUUID().slice(0, 8)}`,
    onStartedLeading: async () =>
      role === "scheduler"
        ? (await startScheduler(client, informers)).stop
        : (await startControllerManager(client, log, {
            informers,
            nodeLifecycle: { gracePeriodMs: options.nodeMonitorGracePeriodMs },
            ...(options.clusterCIDR ? { nodeIpam: { clusterCIDR: options.clusterCIDR } } : {}),
          })).stop,
    log,
  });
  return {
    async stop() {
      await elector.stop();
      informers.stop();
    },
  };
}
