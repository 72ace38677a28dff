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
}

export interface EventRecorderOptions {
  /** source.host and reportingInstance: the node a kubelet-like component runs on. */
  host?: string;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** Writes events in the background; a failed write is logged, never thrown at the caller's sync. */
export function eventRecorder(
  client: KubeClient,
  component: string,
  log: (message: string) => void = console.error,
  options: EventRecorderOptions = {},
): EventRecorder {
  const seen = new Map<string, { name: string; namespace: string; count: number; at: number }>();
  let pending: Promise<void> = Promise.resolve();
  const write = async (object: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string) => {
    const namespace = object.metadata.namespace || "default";
    const key = `${object.metadata.uid}|${fieldPath ?? ""}|${type}|${reason}|${message}`;
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
      pending = pending
        .then(() => write(object, type, reason, message, fieldPath))
        .catch((error: unknown) => log(`${component}: recording event ${reason} failed: ${(error as Error).message ?? error}`));
    },
    flush: () => pending,
  };
}
