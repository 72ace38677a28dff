// Watches over a real Bun.serve: what app.request() cannot show (when the response head goes out).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { openStore } from "../../storage/open.ts";
import type { SqlStore } from "../../storage/sql/sql-store.ts";
import type { ChangeEvent, KubeObject, WatchEvent } from "../../storage/store.ts";
import { createApp } from "../app.ts";
import { bootstrap } from "../bootstrap.ts";
import { ordered } from "../negotiate.ts";
import type { RestRequest } from "./context.ts";
import { WatchEncoder } from "./watch.ts";

let store: SqlStore;
let server: ReturnType<typeof Bun.serve>;
let base: string;

beforeAll(async () => {
  store = await openStore();
  const app = createApp({ store });
  await bootstrap(app);
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.stop(true);
  await store.close();
});

const createConfigMap = (name: string) =>
  fetch(`${base}/api/v1/namespaces/default/configmaps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ metadata: { name } }),
  });

/** Reads newline-delimited events until one names `name`. */
async function eventFor(body: ReadableStream<Uint8Array>, name: string): Promise<{ type: string }> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    const complete = buffered.slice(0, buffered.lastIndexOf("\n") + 1);
    for (const line of complete.split("\n")) {
      if (line.trim() === "") continue;
      const event = JSON.parse(line) as { type: string; object: { metadata: { name: string } } };
      if (event.object.metadata.name === name) return event;
    }
  }
  throw new Error(`the watch ended before an event for ${name}`);
}

test.each([
  ["a watch from a resourceVersion", ""],
  // Longer than a timer can hold: it must mean "no timeout", not "end at once".
  ["a watch whose timeout is longer than a timer can hold", "&timeoutSeconds=1000000000"],
])("%s answers before any event, and then streams events", async (_, extra) => {
  const list = (await (await fetch(`${base}/api/v1/namespaces/default/configmaps`)).json()) as { metadata: { resourceVersion: string } };
  const abort = new AbortController();
  // Clients wait for the response head before reading events: it must come with nothing to send yet.
  const response = await fetch(`${base}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}${extra}`, { signal: abort.signal });
  try {
    expect(response.status).toBe(200);
    const name = `quiet-${extra.length}`;
    expect((await createConfigMap(name)).status).toBe(201);
    expect((await eventFor(response.body!, name)).type).toBe("ADDED");
  } finally {
    abort.abort();
  }
});

/** What WatchEncoder sent for an object before it spliced the stored text. */
const serialised = (type: string, object: KubeObject) => `${JSON.stringify({ type, object: ordered(object) })}\n`;

const pods = `/api/v1/namespaces/default/pods`;
const podCall = (method: string, path: string, body?: unknown, contentType = "application/json") =>
  fetch(`${base}${pods}${path}`, { method, headers: { "content-type": contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
const newPod = (name: string, labels: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels, annotations: { "note.example.com/text": "ünïcode \"quoted\" \u2028" } },
  spec: { containers: [{ name: "app", image: "example.com/app:1", env: [{ name: "N", value: "1" }] }] },
});

/** Reads newline-delimited lines until `done` says enough. */
async function lines(body: ReadableStream<Uint8Array>, done: (line: string) => boolean): Promise<string[]> {
  const decoder = new TextDecoder();
  const out: string[] = [];
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let at: number;
    while ((at = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, at + 1);
      buffered = buffered.slice(at + 1);
      if (line.trim() === "") continue;
      out.push(line);
      if (done(line)) return out;
    }
  }
  throw new Error("the watch ended early");
}

test("a watch splices the stored text: the same bytes as serialising the object (ADDED, MODIFIED, DELETED)", async () => {
  const start = Number(((await (await fetch(`${base}${pods}`)).json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
  const abort = new AbortController();
  const stream = await store.watch({ resource: "pods", namespace: "default", fromRevision: start, signal: abort.signal });
  const response = await fetch(`${base}${pods}?watch=1&resourceVersion=${start}`, { signal: abort.signal });
  try {
    expect((await podCall("POST", "", newPod("bytes", { app: "web" }))).status).toBe(201);
    const patched = await podCall("PATCH", "/bytes", { metadata: { labels: { tier: "1" } } }, "application/merge-patch+json");
    expect(patched.status).toBe(200);
    expect((await podCall("DELETE", "/bytes?gracePeriodSeconds=0")).status).toBe(200);

    const events: ChangeEvent[] = [];
    for await (const event of stream as AsyncIterable<WatchEvent>) {
      if (event.type === "BOOKMARK" || event.name !== "bytes") continue;
      events.push(event);
      if (event.type === "DELETED") break;
    }
    expect(events.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    const encoder = new WatchEncoder({} as RestRequest, { as: "object", yaml: false });
    for (const event of events) {
      expect(event.json).toBeString();
      const old = serialised(event.type, event.object);
      expect(encoder.watchEvent(event)).toBe(old);
      // Without the text the encoder serialises, as before.
      expect(encoder.watchEvent({ ...event, json: undefined })).toBe(old);
    }

    // And on the wire, over HTTP.
    const wire = await lines(response.body!, (line) => line.startsWith('{"type":"DELETED"'));
    const ours = wire.filter((line) => (JSON.parse(line) as { object: KubeObject }).object.metadata.name === "bytes");
    expect(ours).toEqual(events.map((e) => serialised(e.type, e.object)));
  } finally {
    abort.abort();
  }
});

test("a selector watch sends the last matching state as DELETED when an object leaves the selection", async () => {
  const created = await podCall("POST", "", newPod("leaves", { app: "leaving" }));
  expect(created.status).toBe(201);
  const before = (await created.json()) as KubeObject;
  const abort = new AbortController();
  const selector = encodeURIComponent("app=leaving");
  const response = await fetch(`${base}${pods}?watch=1&labelSelector=${selector}&resourceVersion=${before.metadata.resourceVersion}`, {
    signal: abort.signal,
  });
  const stream = await store.watch({
    resource: "pods",
    namespace: "default",
    fromRevision: Number(before.metadata.resourceVersion),
    predicate: (o) => o.metadata.labels?.app === "leaving",
    signal: abort.signal,
  });
  try {
    const patched = await podCall("PATCH", "/leaves", { metadata: { labels: { app: "stayed" } } }, "application/merge-patch+json");
    expect(patched.status).toBe(200);
    const after = (await patched.json()) as KubeObject;
    const expected = { ...before, metadata: { ...before.metadata, resourceVersion: after.metadata.resourceVersion } };

    const [line] = await lines(response.body!, (l) => l.trim() !== "");
    const event = JSON.parse(line!) as { type: string; object: KubeObject };
    expect(event.type).toBe("DELETED");
    expect(event.object).toEqual(expected);
    expect(line).toBe(serialised("DELETED", event.object));

    // The synthesised event carries no stored text: that text is the new state.
    for await (const e of stream as AsyncIterable<WatchEvent>) {
      if (e.type === "BOOKMARK") continue;
      expect(e.type).toBe("DELETED");
      expect(e.json).toBeUndefined();
      expect(e.object).toEqual(expected);
      break;
    }
  } finally {
    abort.abort();
  }
});
