// The controller manager: every controller, sharing one set of informers.
import { InformerFactory } from "../../../client/informer-factory.ts";
import type { KubeClient } from "../../../client/kube-client.ts";
import { GarbageCollector } from "./garbage-collector/garbage-collector.ts";
import { NamespaceController } from "./namespace/namespace-controller.ts";
import { runControllers } from "./runtime/controller.ts";

export interface ControllerManager {
  stop(): void;
}

export async function startControllerManager(client: KubeClient, log: (message: string) => void = console.error): Promise<ControllerManager> {
  const informers = new InformerFactory(client, (error) => log(`informer: ${(error as Error).message ?? error}`));
  const stop = await runControllers([new GarbageCollector(), new NamespaceController()], { client, informers, log });
  return { stop };
}
