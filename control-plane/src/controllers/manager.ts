// The controller manager: every controller, sharing one set of informers.
import { InformerFactory } from "../../../client/informer-factory.ts";
import type { KubeClient } from "../../../client/kube-client.ts";
import { DaemonSetController } from "./daemonset/daemonset-controller.ts";
import { DeploymentController } from "./deployment/deployment-controller.ts";
import { EndpointsController } from "./endpoints/endpoints-controller.ts";
import { EndpointSliceController } from "./endpointslice/endpointslice-controller.ts";
import { GarbageCollector } from "./garbage-collector/garbage-collector.ts";
import { NamespaceController } from "./namespace/namespace-controller.ts";
import { NodeIpamController, type NodeIpamOptions } from "./node-ipam/node-ipam-controller.ts";
import { NodeLifecycleController, type NodeLifecycleOptions } from "./node-lifecycle/node-lifecycle-controller.ts";
import { TaintEvictionController } from "./node-lifecycle/taint-eviction-controller.ts";
import { ReplicaSetController } from "./replicaset/replicaset-controller.ts";
import { runControllers } from "./runtime/controller.ts";
import { ServiceLBController } from "./service-lb/service-lb-controller.ts";

export interface ControllerManager {
  stop(): void;
}

export interface ControllerManagerOptions {
  nodeLifecycle?: NodeLifecycleOptions;
  /** Pod CIDRs for nodes (bridge-mode pod networking); without it nodes get none. */
  nodeIpam?: NodeIpamOptions;
  /** Informers shared with other components of the process; by default the manager's own. */
  informers?: InformerFactory;
}

export async function startControllerManager(
  client: KubeClient,
  log: (message: string) => void = console.error,
  options: ControllerManagerOptions = {},
): Promise<ControllerManager> {
  const own = options.informers === undefined;
  const informers = options.informers ?? new InformerFactory(client, (error) => log(`informer: ${(error as Error).message ?? error}`));
  const stopControllers = await runControllers([
    new GarbageCollector(),
    new NamespaceController(),
    new ReplicaSetController(),
    new DeploymentController(),
    new DaemonSetController(),
    new NodeLifecycleController(options.nodeLifecycle),
    new TaintEvictionController(),
    new EndpointsController(),
    new EndpointSliceController(),
    ...(options.nodeIpam ? [new NodeIpamController(options.nodeIpam)] : []),
    new ServiceLBController(),
  ], { client, informers, log });
  return {
    stop() {
      stopControllers();
      if (own) informers.stop();
    },
  };
}
