// Watches over a real Bun.serve: what app.request() cannot show (when the response head goes out).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { openStore } from "../../storage/open.ts";
import type { SqlStore } from "../../storage/sql/sql-store.ts";
import { createApp } from "../app.ts";
import { bootstrap } from "../bootstrap.ts";

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
