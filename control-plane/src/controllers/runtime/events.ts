// Events as Kubernetes components write them (core/v1 Event), so that
// `kubectl describe` and `kubectl get events` read the same. Repeats of the
// same event within a short time bump `count` instead of creating new objects.
import { isNotFound } from "../../../../client/errors.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";

const events = resourceOf("v1", "events");

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
  /** Resolves when every event recorded so far has been written (tests). */
  flush(): Promise<void>;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** Writes events in the background; a failed write is logged, never thrown at the caller's sync. */
export function eventRecorder(client: KubeClient, component: string, log: (message: string) => void = console.error): EventRecorder {
  const seen = new Map<string, { name: string; namespace: string; count: number; at: number }>();
  let pending: Promise<void> = Promise.resolve();
  const write = async (object: KubeObject, type: EventType, reason: string, message: string) => {
    const namespace = object.metadata.namespace || "default";
    const key = `${object.metadata.uid}|${type}|${reason}|${message}`;
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
    const name = `${object.metadata.name}.${(Date.now() * 1000 + Math.floor(Math.random() * 1000)).toString(16)}`;
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
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: time,
      lastTimestamp: time,
      source: { component },
      reportingComponent: component,
      reportingInstance: component,
    });
    seen.set(key, { name, namespace, count: 1, at: Date.now() });
    if (seen.size > 10_000) seen.delete(seen.keys().next().value!);
  };
  return {
    event(object, type, reason, message) {
      pending = pending
        .then(() => write(object, type, reason, message))
        .catch((error: unknown) => log(`${component}: recording event ${reason} failed: ${(error as Error).message ?? error}`));
    },
    flush: () => pending,
  };
}
