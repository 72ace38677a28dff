// The events the cache hands out: the stored text travels only with the stored object.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { openStore } from "./open.ts";
import type { SqlStore } from "./sql/sql-store.ts";
import type { ChangeEvent, KubeObject, Watch, WatchEvent } from "./store.ts";

let store: SqlStore;
beforeAll(async () => {
  store = await openStore();
});
afterAll(async () => {
  await store.close();
});

const key = (name: string) => ({ resource: "configmaps", namespace: "default", name });
const configMap = (name: string, labels: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", labels },
  data: { a: "1" },
});

async function changes(watch: Watch, count: number): Promise<ChangeEvent[]> {
  const events: ChangeEvent[] = [];
  for await (const event of watch as AsyncIterable<WatchEvent>) {
    if (event.type !== "BOOKMARK") events.push(event);
    if (events.length === count) break;
  }
  return events;
}

test("events carry the object's stored text, and the state before the change on demand", async () => {
  const start = await store.currentRevision();
  const created = await store.create("configmaps", configMap("text", { app: "web" }));
  const updated = await store.update(key("text"), { ...created, data: { a: "2" } });
  const [added, modified] = await changes(await store.watch({ resource: "configmaps", fromRevision: start }), 2);

  expect(added!.json).toBe(JSON.stringify(created));
  expect(added!.previous).toBeNull();
  expect(modified!.json).toBe(JSON.stringify(updated));
  expect(JSON.parse(modified!.json!)).toEqual(modified!.object);
  // Parsed on first read, the same object after; a spread copies it like any field.
  expect(modified!.previous).toEqual(created);
  expect(modified!.previous).toBe(modified!.previous);
  expect({ ...modified! }.previous).toBe(modified!.previous);
  expect(Object.keys(modified!)).toContain("previous");
});

test("a predicate's ADDED keeps the stored text; its synthesised DELETED, another object, drops it", async () => {
  const start = await store.currentRevision();
  const created = await store.create("configmaps", configMap("moves", { app: "other" }));
  const entered = await store.update(key("moves"), { ...created, metadata: { ...created.metadata, labels: { app: "web" } } });
  const left = await store.update(key("moves"), { ...entered, metadata: { ...entered.metadata, labels: { app: "gone" } } });
  const watch = await store.watch({ resource: "configmaps", fromRevision: start, predicate: (o) => o.metadata.labels?.app === "web" });
  const [added, deleted] = await changes(watch, 2);

  expect(added!.type).toBe("ADDED");
  expect(added!.json).toBe(JSON.stringify(entered));
  expect(deleted!.type).toBe("DELETED");
  expect(deleted!.json).toBeUndefined();
  expect(deleted!.object).toEqual({ ...entered, metadata: { ...entered.metadata, resourceVersion: left.metadata.resourceVersion } });
});
