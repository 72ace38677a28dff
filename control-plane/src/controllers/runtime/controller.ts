// The shape of every controller: event handlers enqueue keys, and a
// level-triggered sync(key) reconciles from the informer caches.
import type { InformerFactory } from "../../../../client/informer-factory.ts";
import type { KubeClient } from "../../../../client/kube-client.ts";
import { WorkQueue } from "./work-queue.ts";

export interface ControllerContext {
  client: KubeClient;
  informers: InformerFactory;
  log: (message: string) => void;
}

export interface Controller {
  readonly name: string;
  /** Registers informers and handlers; called before the informers start. */
  setup(context: ControllerContext): void;
  sync(key: string): Promise<void>;
  /** Sync workers; default 2. */
  readonly workers?: number;
  /** The queue the handlers fill; set by the runner. */
  queue?: WorkQueue;
}

/** Runs controllers until stop(): informers first, then the work queues. */
export async function runControllers(controllers: Controller[], context: ControllerContext): Promise<() => void> {
  for (const controller of controllers) {
    controller.queue = new WorkQueue();
    controller.setup(context);
  }
  await context.informers.start();
  for (const controller of controllers) {
    controller.queue!.run(controller.workers ?? 2, (key) => controller.sync(key), (key, error) =>
      context.log(`${controller.name}: sync of ${key} failed (will retry): ${(error as Error).message ?? error}`),
    );
  }
  // The informers belong to the caller: they may serve the scheduler too.
  return () => {
    for (const controller of controllers) controller.queue?.stop();
  };
}
