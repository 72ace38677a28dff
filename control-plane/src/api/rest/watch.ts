// ?watch=1: a stream of newline-delimited watch events.
import { isStoreError, type KubeObject, type Watch, type WatchEvent } from "../../storage/store.ts";
import { badRequest, fromStoreError, toStatus } from "../errors.ts";
import { negotiate, ordered, type Representation } from "../negotiate.ts";
import { toTable } from "../tables.ts";
import type { RestRequest } from "./context.ts";
import { selectionOf } from "./selection.ts";

const INITIAL_EVENTS_END = "k8s.io/initial-events-end";
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function watch(req: RestRequest): Promise<Response> {
  const representation = negotiate(req.request.headers.get("accept"), req.query);
  const resourceVersion = req.query.get("resourceVersion") ?? "";
  const sendInitial = req.query.get("sendInitialEvents");
  const bookmarks = req.query.get("allowWatchBookmarks") === "true";
  if (sendInitial !== null && req.query.get("resourceVersionMatch") !== "NotOlderThan") {
    throw badRequest("sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan");
  }
  const initial = sendInitial === "true" || (sendInitial === null && (resourceVersion === "" || resourceVersion === "0"));
  let from: number | undefined;
  if (!initial && resourceVersion !== "" && resourceVersion !== "0") {
    from = Number(resourceVersion);
    if (!Number.isSafeInteger(from) || from < 0) throw badRequest(`invalid resource version: "${resourceVersion}"`);
  }
  const timeoutSeconds = Number(req.query.get("timeoutSeconds") ?? "0");
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) throw badRequest("timeoutSeconds must be a non-negative number");

  let predicate = selectionOf(req);
  if (req.name) {
    const name = req.name;
    const selected = predicate;
    predicate = (o) => o.metadata.name === name && (!selected || selected(o));
  }
  const namespace = req.resource.namespaced ? req.namespace : undefined;
  const controller = new AbortController();
  req.request.signal.addEventListener("abort", () => controller.abort(), { once: true });

  // Initial state and the watch start at one revision, so nothing falls between them.
  let items: KubeObject[] = [];
  let stream: Watch;
  try {
    if (initial) {
      const listed = await req.deps.store.list({ resource: req.storeResource, namespace, predicate });
      items = listed.items;
      from = listed.revision;
    }
    stream = await req.deps.store.watch({
      resource: req.storeResource,
      namespace,
      fromRevision: from,
      predicate,
      bookmarks,
      signal: controller.signal,
    });
  } catch (error) {
    if (isStoreError(error, "Expired")) return errorStream(fromStoreError(error));
    if (isStoreError(error)) throw fromStoreError(error, req.groupResource, req.name ?? "");
    throw error;
  }

  const encoder = new WatchEncoder(req, representation);
  // Timers hold at most 2^31-1 ms (about 24.8 days); a longer timeout would fire at once, so it means none.
  const timeoutMs = timeoutSeconds * 1000;
  const timer = timeoutSeconds > 0 && timeoutMs <= MAX_TIMER_MS ? setTimeout(() => stream.close(), timeoutMs) : undefined;
  const iterator = stream[Symbol.asyncIterator]();
  let pending: string[] = items.map((item) => encoder.event("ADDED", item));
  if (initial && sendInitial === "true" && bookmarks) pending.push(encoder.bookmark(stream.startRevision, true));
  // Bun.serve holds the response head back until the first body chunk, and
  // clients (client-go, client-node informers) wait for the head before they
  // read events: a quiet watch must still answer at once. JSON framing skips
  // whitespace between events, so a newline is invisible to them.
  if (pending.length === 0) pending.push("\n");
  const body = new ReadableStream<Uint8Array>({
    async pull(sink) {
      if (pending.length === 0) {
        const next = await iterator.next();
        if (next.done) {
          clearTimeout(timer);
          // History compacted under a catching-up watch: the client must re-list.
          if (isStoreError(stream.error, "Expired")) {
            sink.enqueue(new TextEncoder().encode(`${JSON.stringify({ type: "ERROR", object: toStatus(fromStoreError(stream.error)) })}\n`));
          }
          sink.close();
          return;
        }
        pending.push(encoder.watchEvent(next.value));
      }
      sink.enqueue(new TextEncoder().encode(pending.join("")));
      pending = [];
    },
    cancel() {
      clearTimeout(timer);
      stream.close();
    },
  });
  return new Response(body, {
    headers: { "content-type": "application/json", "cache-control": "no-cache, private", "x-content-type-options": "nosniff" },
  });
}

/** Kubernetes answers a watch from a compacted revision with 200 and a single ERROR event. */
function errorStream(error: unknown): Response {
  return new Response(`${JSON.stringify({ type: "ERROR", object: toStatus(error) })}\n`, {
    headers: { "content-type": "application/json" },
  });
}

export class WatchEncoder {
  private headersSent = false;

  constructor(
    private readonly req: RestRequest,
    private readonly representation: Representation,
  ) {}

  watchEvent(event: WatchEvent): string {
    return event.type === "BOOKMARK" ? this.bookmark(event.revision, false) : this.event(event.type, event.object, event.json);
  }

  /** `json`: the object's text as stored, when the event carries it. */
  event(type: string, object: KubeObject, json?: string): string {
    // The stored text is ordered(object) serialised: splice it in rather than
    // serialise every event again for every watcher. `type` is one of ours, no escaping needed.
    if (json !== undefined && this.representation.as === "object") return `{"type":"${type}","object":${json}}\n`;
    return `${JSON.stringify({ type, object: this.encode(object) })}\n`;
  }

  bookmark(revision: number, initialEventsEnd: boolean): string {
    const metadata: Record<string, unknown> = { resourceVersion: String(revision) };
    if (initialEventsEnd) metadata.annotations = { [INITIAL_EVENTS_END]: "true" };
    const { groupVersion, kind } = this.req.resource;
    return `${JSON.stringify({ type: "BOOKMARK", object: { kind, apiVersion: groupVersion, metadata } })}\n`;
  }

  private encode(object: KubeObject): unknown {
    switch (this.representation.as) {
      case "table": {
        // Column definitions travel with the first event only, as Kubernetes sends them.
        const table = toTable(this.req.resource.kind, [object], {
          includeObject: this.representation.includeObject,
          resourceVersion: object.metadata.resourceVersion,
          noHeaders: this.headersSent,
        });
        this.headersSent = true;
        return table;
      }
      case "metadata":
        return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: object.metadata };
      case "object":
        return ordered(object);
    }
  }
}
