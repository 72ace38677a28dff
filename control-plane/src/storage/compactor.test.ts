import { afterAll, beforeAll, expect, test } from "bun:test";
import { startCompactor } from "./compactor.ts";
import { openStore } from "./open.ts";
import type { SqlStore } from "./sql/sql-store.ts";
import { StoreError } from "./store.ts";

let store: SqlStore;
beforeAll(async () => {
  store = await openStore({ capacity: 1 });
});
afterAll(() => store.close());

test("each tick compacts to the revision seen one tick before, keeping one interval of history", async () => {
  const compactor = startCompactor(store, { intervalMs: 3_600_000 });
  try {
    const make = (name: string) => store.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } });
    await make("a");
    const first = await store.currentRevision();
    await compactor.tick(); // remembers `first`, compacts nothing yet
    expect(await store.compactedRevision()).toBe(0);
    await make("b");
    await make("c");
    await compactor.tick();
    expect(await store.compactedRevision()).toBe(first);
    await store.waitForWatchCache(await store.currentRevision());
    // History after `first` is still there for watches to resume from...
    const watch = await store.watch({ resource: "configmaps", fromRevision: first });
    const iterator = watch[Symbol.asyncIterator]();
    const next = await iterator.next();
    expect(next.value?.type === "ADDED" && next.value.object.metadata.name).toBe("b");
    watch.close();
    // ...and what is before it is gone.
    const expired = await store.watch({ resource: "configmaps", fromRevision: first - 1 }).catch((e: unknown) => e);
    expect(expired).toBeInstanceOf(StoreError);
    expect((expired as StoreError).code).toBe("Expired");
  } finally {
    compactor.stop();
  }
});
