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
/** Events waiting to be written, at most; further ones are dropped (see eventRecorder's maxQueued). */
export const MAX_QUEUED_EVENTS = 1000;
/** Unschedulable pods are checked for their periodic retry this often, as kube-scheduler does, not on every cycle. */
const FLUSH_INTERVAL_MS = 1000;

export interface SchedulerService {
  /** Pods bound so far. */
  readonly bound: number;
  /** Events dropped because MAX_QUEUED_EVENTS were already waiting. */
  readonly droppedEvents: number;
  stop(): Promise<void>;
}

export async function startScheduler(
  client: KubeClient,
  informers: InformerFactory,
  options: { profile?: Profile; log?: (message: string) => void; maxQueuedEvents?: number } = {},
): Promise<SchedulerService> {
  const profile = options.profile ?? DEFAULT_PROFILE;
  const log = options.log ?? console.error;
  const snapshot = new Snapshot();
  const framework = buildFramework(profile);
  const scheduler = new Scheduler(framework, snapshot);
  const queue = new SchedulingQueue({ now: Date.now, isRelevant: framework.interestedIn });
  // As many events in flight as bindings, so that Scheduled events keep pace with the binds they report.
  const events = eventRecorder(client, "default-scheduler", log, { maxQueued: options.maxQueuedEvents ?? MAX_QUEUED_EVENTS, concurrency: MAX_IN_FLIGHT });
  const mine = (p: Pod) => !p.spec?.nodeName && (p.spec?.schedulerName ?? "default-scheduler") === profile.schedulerName && !p.metadata?.deletionTimestamp;

  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  // A replica that loses and regains its lease starts a new scheduler on the
  // same warm informers: closing the scope removes this one's handlers, so a
  // stopped scheduler neither works on events nor keeps its snapshot alive.
  const scope = informers.scope();
  scope.informer(nodes).on({
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
  scope.informer(pods).on({
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
  await scope.start();

  let stopped = false;
  let bound = 0;
  const inFlight = new Set<Promise<void>>();
  /** Resolves the loop's wait for a free binding slot. */
  let slotFreed: (() => void) | undefined;

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
    let flushed = 0;
    while (!stopped) {
      // pop() itself moves pods whose backoff ended; this is the walk over every unschedulable pod.
      if (Date.now() - flushed >= FLUSH_INTERVAL_MS) {
        queue.flush();
        flushed = Date.now();
      }
      const entry = queue.pop();
      if (!entry) {
        const next = queue.nextBackoffExpiry();
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, next === undefined ? FLUSH_INTERVAL_MS : Math.max(1, Math.min(FLUSH_INTERVAL_MS, next - Date.now())));
        });
        clearTimeout(timer);
        continue;
      }
      const pod = entry.pod;
      const result = scheduler.schedule(pod);
      switch (result.outcome) {
        case "scheduled": {
          const binding: Promise<void> = bind(entry, pod, result.node).finally(() => {
            inFlight.delete(binding);
            const freed = slotFreed;
            slotFreed = undefined;
            freed?.();
          });
          inFlight.add(binding);
          if (inFlight.size >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => (slotFreed = resolve));
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
    get droppedEvents() {
      return events.dropped;
    },
    async stop() {
      stopped = true;
      scope.close();
      poke();
      await running;
      await Promise.all(inFlight);
      await events.flush();
    },
  };
}
