// The scheduler's I/O: informers feed the snapshot and the queue, one loop
// pops pods and schedules them, bindings go to the API without holding the
// loop up, and unschedulable pods get their event and PodScheduled=False.
import type { InformerFactory } from "../../../client/informer-factory.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../client/kube-client.ts";
import type { Node, Pod } from "../../../schemas/index.ts";
import { eventRecorder } from "../controllers/runtime/events.ts";
import { assignedPodUpdateMatters, nodeUpdateMatters } from "./cluster-events.ts";
import { buildFramework, DEFAULT_PROFILE, type Profile } from "./profile.ts";
import { type QueuedPod, SchedulingQueue } from "./queue.ts";
import { Scheduler } from "./scheduler.ts";
import {
  bindingFor,
  FAILED_SCHEDULING,
  POD_REASON_SCHEDULER_ERROR,
  POD_REASON_UNSCHEDULABLE,
  podScheduledFalse,
  SCHEDULED,
  scheduledMessage,
  truncateMessage,
} from "./scheduling-events.ts";
import { Snapshot } from "./snapshot.ts";

const pods = resourceOf("v1", "pods");
const nodes = resourceOf("v1", "nodes");
/** Bindings in flight at once; the loop waits for a slot rather than flooding the API. */
const MAX_IN_FLIGHT = 64;

export interface SchedulerService {
  /** Pods bound so far. */
  readonly bound: number;
  stop(): Promise<void>;
}

export async function startScheduler(
  client: KubeClient,
  informers: InformerFactory,
  options: { profile?: Profile; log?: (message: string) => void } = {},
): Promise<SchedulerService> {
  const profile = options.profile ?? DEFAULT_PROFILE;
  const log = options.log ?? console.error;
  const snapshot = new Snapshot();
  const framework = buildFramework(profile);
  const scheduler = new Scheduler(framework, snapshot);
  const queue = new SchedulingQueue({ now: Date.now, isRelevant: framework.interestedIn });
  const events = eventRecorder(client, "default-scheduler", log);
  const mine = (p: Pod) => !p.spec?.nodeName && (p.spec?.schedulerName ?? "default-scheduler") === profile.schedulerName && !p.metadata?.deletionTimestamp;

  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  informers.informer(nodes).on({
    add: (n) => {
      snapshot.setNode(n as Node);
      queue.moveAllToActiveOrBackoff("NodeAdd");
      poke();
    },
    update: (old, n) => {
      snapshot.setNode(n as Node);
      if (nodeUpdateMatters(old as Node, n as Node)) queue.moveAllToActiveOrBackoff("NodeUpdate");
      poke();
    },
    delete: (n) => {
      snapshot.removeNode(n.metadata.name ?? "");
      queue.moveAllToActiveOrBackoff("NodeDelete");
      poke();
    },
  });
  informers.informer(pods).on({
    add: (o) => {
      const p = o as Pod;
      snapshot.setPod(p);
      if (p.spec?.nodeName) {
        queue.delete(p);
        queue.moveAllToActiveOrBackoff("AssignedPodAdd");
      } else if (mine(p)) queue.add(p);
      poke();
    },
    update: (oldObject, o) => {
      const p = o as Pod;
      snapshot.setPod(p);
      if (p.spec?.nodeName) {
        queue.delete(p);
        if (assignedPodUpdateMatters(oldObject as Pod, p)) queue.moveAllToActiveOrBackoff("AssignedPodUpdate");
      } else if (mine(p)) queue.update(p);
      else queue.delete(p);
      poke();
    },
    delete: (o) => {
      const p = o as Pod;
      snapshot.removePod(p);
      queue.delete(p);
      if (p.spec?.nodeName) queue.moveAllToActiveOrBackoff("AssignedPodDelete");
      poke();
    },
  });
  await informers.start();

  let stopped = false;
  let bound = 0;
  const inFlight = new Set<Promise<void>>();

  const bind = async (entry: QueuedPod, pod: Pod, node: string) => {
    const object = pod as unknown as KubeObject;
    try {
      await client.create(pods, bindingFor(pod, node) as unknown as KubeObject, {
        subresourceOf: pod.metadata?.name,
        subresource: "binding",
      });
      queue.done(entry.key);
      bound++;
      events.event(object, "Normal", SCHEDULED, scheduledMessage(pod, node));
    } catch (error) {
      snapshot.forget(pod);
      queue.requeueAfterError(entry);
      queue.moveAllToActiveOrBackoff("AssignedPodDelete");
      log(`scheduler: binding ${entry.key} to ${node} failed: ${(error as Error).message ?? error}`);
      poke();
    }
  };

  const reportUnschedulable = async (pod: Pod, reason: typeof POD_REASON_UNSCHEDULABLE | typeof POD_REASON_SCHEDULER_ERROR, message: string) => {
    const object = pod as unknown as KubeObject;
    events.event(object, "Warning", FAILED_SCHEDULING, truncateMessage(message));
    const condition = podScheduledFalse(reason, message, new Date());
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled");
    const previous = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    // Writing the same condition again would only wake our own informer.
    if (previous?.status === "False" && previous.reason === condition.reason && previous.message === condition.message) return;
    await client
      .patch(pods, pod.metadata?.namespace, pod.metadata?.name ?? "", "merge", { status: { conditions: [...conditions, condition] } }, { subresource: "status" })
      .catch((error: unknown) => log(`scheduler: updating ${pod.metadata?.name}'s status failed: ${(error as Error).message ?? error}`));
  };

  const loop = async () => {
    while (!stopped) {
      queue.flush();
      const entry = queue.pop();
      if (!entry) {
        const next = queue.nextBackoffExpiry();
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, next === undefined ? 1000 : Math.max(1, Math.min(1000, next - Date.now())));
        });
        continue;
      }
      const pod = entry.pod;
      const result = scheduler.schedule(pod);
      switch (result.outcome) {
        case "scheduled": {
          const binding = bind(entry, pod, result.node);
          inFlight.add(binding);
          void binding.finally(() => inFlight.delete(binding));
          if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
          break;
        }
        case "unschedulable":
          queue.requeueUnschedulable(entry, result.unschedulablePlugins);
          void reportUnschedulable(pod, POD_REASON_UNSCHEDULABLE, result.message);
          break;
        case "error":
          queue.requeueAfterError(entry);
          void reportUnschedulable(pod, POD_REASON_SCHEDULER_ERROR, result.message);
          break;
        case "skipped":
          queue.done(entry.key);
          break;
      }
      // Let informer events and binding responses in between cycles.
      if (entry.cycle % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const running = loop();

  return {
    get bound() {
      return bound;
    },
    async stop() {
      stopped = true;
      poke();
      await running;
      await Promise.all(inFlight);
      await events.flush();
    },
  };
}
