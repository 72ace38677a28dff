// Events as Kubernetes components write them (core/v1 Event), so that
// `kubectl describe` and `kubectl get events` read the same. Repeats of the
// same event within a short time bump `count` instead of creating new objects.
// Shared by the controllers and the node agent, which must not import
// control-plane code.
import { isNotFound } from "./errors.ts";
import { type KubeClient, type KubeObject, resourceOf } from "./kube-client.ts";

const events = resourceOf("v1", "events");

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** `fieldPath` names the part of the object ("spec.containers{web}"), as the kubelet's events do. */
  event(object: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void;
  /** Resolves when every event recorded so far has been written (tests). */
  flush(): Promise<void>;
  /** Events dropped because `maxQueued` were already waiting. */
  readonly dropped: number;
}

export interface EventRecorderOptions {
  /** source.host and reportingInstance: the node a kubelet-like component runs on. */
  host?: string;
  /** Events being written at once (8). */
  concurrency?: number;
  /**
   * Events waiting or being written, at most (1,000); further ones are
   * dropped, as client-go's broadcaster drops them beyond its queue of 1,000,
   * so that a component the API cannot keep up with does not hoard them.
   */
  maxQueued?: number;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * Writes events in the background; a failed write is logged, never thrown at
 * the caller's sync. Several are written at once (one at a time fell behind a
 * scheduler binding a thousand pods a second); repeats of one event still go
 * in order, so the second finds the first and bumps its count.
 */
export function eventRecorder(
  client: KubeClient,
  component: string,
  log: (message: string) => void = console.error,
  options: EventRecorderOptions = {},
): EventRecorder {
  const concurrency = options.concurrency ?? 8;
  const maxQueued = options.maxQueued ?? 1000;
  const seen = new Map<string, { name: string; namespace: string; count: number; at: number }>();
  /** Per event key, the last write of it: a repeat waits for it. */
  const lastOfKey = new Map<string, Promise<void>>();
  const pending = new Set<Promise<void>>();
  let dropped = 0;
  let dropping = false;
  let sequence = 0;
  let writing = 0;
  const slots: (() => void)[] = [];
  const acquire = (): Promise<void> => {
    if (writing < concurrency) {
      writing++;
      return Promise.resolve();
    }
    return new Promise((resolve) => slots.push(resolve));
  };
  // The slot passes straight to the next waiter, if any.
  const release = () => {
    const next = slots.shift();
    if (next) next();
    else writing--;
  };

  const write = async (key: string, object: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string) => {
    const namespace = object.metadata.namespace || "default";
    const previous = seen.get(key);
    const time = now();
    if (previous && Date.now() - previous.at < 10 * 60_000) {
      previous.count++;
      previous.at = Date.now();
      try {
        await client.patch(events, previous.namespace, previous.name, "merge", { count: previous.count, lastTimestamp: time });
        return;
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    // Unique among this recorder's events of one object, as Kubernetes' name.UnixNano is.
    const name = `${object.metadata.name}.${(Date.now() * 1000 + (sequence++ % 1000)).toString(16)}`;
    await client.create(events, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: time,
      lastTimestamp: time,
      source: options.host ? { component, host: options.host } : { component },
      reportingComponent: component,
      reportingInstance: options.host ?? component,
    });
    seen.set(key, { name, namespace, count: 1, at: Date.now() });
    if (seen.size > 10_000) seen.delete(seen.keys().next().value!);
  };
  return {
    event(object, type, reason, message, fieldPath) {
      if (pending.size >= maxQueued) {
        dropped++;
        if (!dropping) log(`${component}: ${maxQueued} events are waiting to be written; dropping further ones until they are`);
        dropping = true;
        return;
      }
      const key = `${object.metadata.uid}|${fieldPath ?? ""}|${type}|${reason}|${message}`;
      const written: Promise<void> = (lastOfKey.get(key) ?? Promise.resolve())
        .then(acquire)
        .then(() => write(key, object, type, reason, message, fieldPath).finally(release))
        .catch((error: unknown) => log(`${component}: recording event ${reason} failed: ${(error as Error).message ?? error}`))
        .finally(() => {
          pending.delete(written);
          if (lastOfKey.get(key) === written) lastOfKey.delete(key);
          if (pending.size === 0) dropping = false;
        });
      lastOfKey.set(key, written);
      pending.add(written);
    },
    flush: async () => {
      await Promise.all(pending);
    },
    get dropped() {
      return dropped;
    },
  };
}
