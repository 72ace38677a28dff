// The shape of every controller: event handlers enqueue keys, and a
// level-triggered sync(key) reconciles from the informer caches.
import type { InformerFactory, InformerSource } from "../../../../client/informer-factory.ts";
import type { KubeClient } from "../../../../client/kube-client.ts";
import { WorkQueue } from "./work-queue.ts";

export interface ControllerContext {
  client: KubeClient;
  /** Informers shared with the rest of the process; handlers added through them are removed when the controllers stop. */
  informers: InformerSource;
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

/**
 * Runs controllers until stop(): informers first, then the work queues.
 * stop() ends the queues and removes every handler the controllers added,
 * so a stopped controller hears no more events and one started again on
 * the same informers (a lease regained) is not called twice per event.
 */
export async function runControllers(controllers: Controller[], context: ControllerContext & { informers: InformerFactory }): Promise<() => void> {
  // The informers belong to the caller: they may serve the scheduler too.
  const scope = context.informers.scope();
  for (const controller of controllers) {
    controller.queue = new WorkQueue();
    controller.setup({ ...context, informers: scope });
  }
  await scope.start();
  for (const controller of controllers) {
    controller.queue!.run(controller.workers ?? 2, (key) => controller.sync(key), (key, error) =>
      context.log(`${controller.name}: sync of ${key} failed (will retry): ${(error as Error).message ?? error}`),
    );
  }
  return () => {
    scope.close();
    for (const controller of controllers) controller.queue?.stop();
  };
}
