// The behaviour every Store back end must show; store.test.ts runs it on each.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { OpenStoreOptions } from "./open.ts";
import type { SqlStore } from "./sql/sql-store.ts";
import { type KubeObject, type ObjectKey, type Store, StoreError, type Watch, type WatchEvent } from "./store.ts";

export interface BackendUnderTest {
  name: string;
  /** A store on a fresh database; `shared` opens a second store on the same database. */
  open(options?: Partial<OpenStoreOptions>, shared?: SqlStore): Promise<SqlStore>;
  /** Whether two processes (or two stores) can share one database. */
  multiInstance: boolean;
}

let counter = 0;
/** A namespace of its own per test, so tests on one store never see each other. */
const uniqueNamespace = () => `ns-${process.pid}-${++counter}`;

const pod = (namespace: string, name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace, labels: { app: "web" } },
  spec: { containers: [{ name: "c", image: "busybox" }] },
  ...extra,
});

const keyOf = (namespace: string, name: string): ObjectKey => ({ resource: "pods", namespace, name });

async function expectStoreError(promise: Promise<unknown>, code: StoreError["code"]): Promise<StoreError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe(code);
    return error as StoreError;
  }
  throw new Error(`expected StoreError ${code}, but the call succeeded`);
}

/** Reads `count` events, failing after `ms` instead of hanging the suite. */
async function take(watch: Watch, count: number, ms = 10_000): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  if (count === 0) return events;
  const iterator = watch[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  while (events.length < count) {
    const left = deadline - Date.now();
    const next = await Promise.race([
      iterator.next(),
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), Math.max(left, 0))),
    ]);
    if (next === "timeout") throw new Error(`timed out after ${events.length} of ${count} events`);
    if (next.done) break;
    events.push(next.value);
  }
  return events;
}

const changesOnly = (events: WatchEvent[]) =>
  events.map((e) => (e.type === "BOOKMARK" ? ["BOOKMARK"] : [e.type, e.object.metadata.name]));

export function storeContract(backend: BackendUnderTest): void {
  describe(`Store contract: ${backend.name}`, () => {
    let store: SqlStore;
    beforeAll(async () => {
      store = await backend.open();
    });
    afterAll(async () => {
      await store?.close();
    });

    describe("create and get", () => {
      test("assigns uid, creationTimestamp and a numeric resourceVersion", async () => {
        const ns = uniqueNamespace();
        const before = await store.currentRevision();
        const created = await store.create("pods", pod(ns, "a"));
        expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
        expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(before);
        expect(await store.get(keyOf(ns, "a"))).toEqual(created);
        expect(await store.currentRevision()).toBe(Number(created.metadata.resourceVersion));
      });

      test("ignores system fields the client sends", async () => {
        const ns = uniqueNamespace();
        const input = pod(ns, "a");
        input.metadata = { ...input.metadata, uid: "mine", resourceVersion: "7", generation: 9, deletionTimestamp: "2020-01-01T00:00:00Z" };
        const created = await store.create("pods", input);
        expect(created.metadata.uid).not.toBe("mine");
        expect(created.metadata.deletionTimestamp).toBeUndefined();
      });

      test("an existing name is AlreadyExists and changes nothing", async () => {
        const ns = uniqueNamespace();
        const first = await store.create("pods", pod(ns, "a"));
        const revision = await store.currentRevision();
        await expectStoreError(store.create("pods", pod(ns, "a", { spec: { other: true } })), "AlreadyExists");
        expect(await store.get(keyOf(ns, "a"))).toEqual(first);
        expect(await store.currentRevision()).toBe(revision);
      });

      test("generateName makes distinct names", async () => {
        const ns = uniqueNamespace();
        const names = new Set<string>();
        for (let i = 0; i < 20; i++) {
          const created = await store.create("pods", { ...pod(ns, ""), metadata: { namespace: ns, generateName: "web-" } });
          expect(created.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
          names.add(created.metadata.name!);
        }
        expect(names.size).toBe(20);
      });

      test("the same name in another resource or namespace is a different object", async () => {
        const ns = uniqueNamespace();
        await store.create("pods", pod(ns, "a"));
        await store.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: ns } });
        await store.create("pods", pod(`${ns}-2`, "a"));
        expect((await store.get({ resource: "configmaps", namespace: ns, name: "a" })).kind).toBe("ConfigMap");
      });

      test("cluster-scoped objects use the empty namespace", async () => {
        const name = uniqueNamespace();
        await store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
        expect((await store.get({ resource: "namespaces", namespace: "", name })).metadata.name).toBe(name);
      });

      test("get of a missing object is NotFound", async () => {
        await expectStoreError(store.get(keyOf(uniqueNamespace(), "missing")), "NotFound");
      });

      test("dry run validates but stores nothing", async () => {
        const ns = uniqueNamespace();
        const revision = await store.currentRevision();
        const result = await store.create("pods", pod(ns, "a"), { dryRun: true });
        expect(result.metadata.name).toBe("a");
        await expectStoreError(store.get(keyOf(ns, "a")), "NotFound");
        expect(await store.currentRevision()).toBe(revision);
      });
    });

    describe("update", () => {
      test("a stale resourceVersion is a Conflict; the current one succeeds", async () => {
        const ns = uniqueNamespace();
        const created = await store.create("pods", pod(ns, "a"));
        const updated = await store.update(keyOf(ns, "a"), { ...created, spec: { containers: [] } });
        expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
        await expectStoreError(store.update(keyOf(ns, "a"), { ...created, spec: { stale: true } }), "Conflict");
        expect((await store.get(keyOf(ns, "a"))).spec).toEqual({ containers: [] });
      });

      test("without a resourceVersion the update is unconditional", async () => {
        const ns = uniqueNamespace();
        const created = await store.create("pods", pod(ns, "a"));
        await store.update(keyOf(ns, "a"), { ...created, spec: { v: 1 } });
        const { resourceVersion: _, ...meta } = created.metadata;
        const forced = await store.update(keyOf(ns, "a"), { ...created, metadata: meta, spec: { v: 2 } });
        expect(forced.spec).toEqual({ v: 2 });
      });

      test("keeps the generation the API's strategy computed, and none for kinds without one", async () => {
        const ns = uniqueNamespace();
        let object = await store.create("pods", pod(ns, "a"));
        expect(object.metadata.generation).toBeUndefined();
        object = await store.create("pods", { ...pod(ns, "b"), metadata: { name: "b", namespace: ns, generation: 1 } });
        expect(object.metadata.generation).toBe(1);
        object = await store.update(keyOf(ns, "b"), { ...object, metadata: { ...object.metadata, generation: 2 }, spec: { changed: true } });
        expect(object.metadata.generation).toBe(2);
        expect((await store.get(keyOf(ns, "b"))).metadata.generation).toBe(2);
      });

      test("uid and creationTimestamp cannot be changed", async () => {
        const ns = uniqueNamespace();
        const created = await store.create("pods", pod(ns, "a"));
        const updated = await store.update(keyOf(ns, "a"), {
          ...created,
          metadata: { ...created.metadata, uid: "other", creationTimestamp: "2000-01-01T00:00:00Z" },
        });
        expect(updated.metadata.uid).toBe(created.metadata.uid!);
        expect(updated.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp!);
      });

      test("an update that changes nothing writes nothing", async () => {
        const ns = uniqueNamespace();
        const created = await store.create("pods", pod(ns, "a"));
        const revision = await store.currentRevision();
        const same = await store.update(keyOf(ns, "a"), created);
        expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion!);
        expect(await store.currentRevision()).toBe(revision);
      });

      test("update of a missing object is NotFound", async () => {
        await expectStoreError(store.update(keyOf(uniqueNamespace(), "x"), pod("x", "x")), "NotFound");
      });

      test("guaranteedUpdate retries until its change sticks", async () => {
        const ns = uniqueNamespace();
        await store.create("pods", { ...pod(ns, "counter"), spec: { n: 0 } });
        const increment = (o: KubeObject) => ({ ...o, spec: { n: (o.spec as { n: number }).n + 1 } });
        await Promise.all(Array.from({ length: 20 }, () => store.guaranteedUpdate(keyOf(ns, "counter"), increment)));
        expect((await store.get(keyOf(ns, "counter"))).spec).toEqual({ n: 20 });
      });

      test("writes that arrive together each succeed or fail on their own, in revision order", async () => {
        const ns = uniqueNamespace();
        await store.create("pods", pod(ns, "kept"));
        const stale = await store.create("pods", pod(ns, "stale"));
        await store.update(keyOf(ns, "stale"), { ...stale, spec: { v: 2 } });
        const start = await store.currentRevision();
        const watch = await store.watch({ resource: "pods", namespace: ns, fromRevision: start });
        // All started in one tick: the store sends those that find the database busy together.
        const fillers = Array.from({ length: 8 }, (_, i) => store.create("pods", pod(ns, `filler-${i}`)));
        const outcomes = await Promise.allSettled([
          ...fillers,
          store.create("pods", pod(ns, "twice")),
          store.create("pods", pod(ns, "twice")),
          store.update(keyOf(ns, "stale"), stale),
          store.update(keyOf(ns, "missing"), pod(ns, "missing")),
          store.delete(keyOf(ns, "kept")),
          // Postgres text holds no NUL: this write fails as a whole statement would.
          store.create("pods", pod(ns, "nul\u0000name")),
          store.create("pods", pod(ns, "after")),
        ]);
        const codes = outcomes.map((o) => (o.status === "fulfilled" ? "ok" : (o.reason as StoreError).code));
        expect(codes.slice(0, 8)).toEqual(Array(8).fill("ok"));
        // Either of the two creates of one name may come first.
        expect(codes.slice(8, 10).sort()).toEqual(["AlreadyExists", "ok"]);
        expect(codes.slice(10)).toEqual(["Conflict", "NotFound", "ok", "Internal", "ok"]);
        const events = await take(watch, 11);
        expect(events.map((e) => (e.type === "BOOKMARK" ? "BOOKMARK" : e.type)).sort()).toEqual([...Array(10).fill("ADDED"), "DELETED"]);
        const revisions = events.map((e) => e.revision);
        expect(revisions).toEqual(Array.from({ length: 11 }, (_, i) => start + 1 + i));
        for (const event of events) {
          if (event.type !== "BOOKMARK") expect(event.object.metadata.resourceVersion).toBe(String(event.revision));
        }
        expect((await store.get(keyOf(ns, "stale"))).spec).toEqual({ v: 2 });
        await expectStoreError(store.get(keyOf(ns, "kept")), "NotFound");
        watch.close();
      });

      test("guaranteedUpdate checks a uid precondition", async () => {
        const ns = uniqueNamespace();
        await store.create("pods", pod(ns, "a"));
        await expectStoreError(
          store.guaranteedUpdate(keyOf(ns, "a"), (o) => o, { preconditions: { uid: "not-the-uid" } }),
          "Conflict",
        );
      });
    });

    describe("delete and finalizers", () => {
      test("an object without finalizers is removed", async () => {
        const ns = uniqueNamespace();
        const created = await store.create("pods", pod(ns, "a"));
        const result = await store.delete(keyOf(ns, "a"));
        expect(result.deleted).toBe(true);
        expect(result.object.metadata.uid).toBe(created.metadata.uid!);
        await expectStoreError(store.get(keyOf(ns, "a")), "NotFound");
        await expectStoreError(store.delete(keyOf(ns, "a")), "NotFound");
      });

      test("finalizers only mark it; removing the last one deletes it", async () => {
        const ns = uniqueNamespace();
        const watch = await store.watch({ resource: "pods", namespace: ns });
        const created = await store.create("pods", { ...pod(ns, "a"), metadata: { name: "a", namespace: ns, finalizers: ["x/one", "x/two"] } });
        const marked = await store.delete(keyOf(ns, "a"));
        expect(marked.deleted).toBe(false);
        expect(marked.object.metadata.deletionTimestamp).toBeString();
        // Kubernetes' BeforeDelete advances a generation only where the kind has one.
        expect(marked.object.metadata.generation).toBeUndefined();
        // A second delete leaves it as it is.
        expect((await store.delete(keyOf(ns, "a"))).object.metadata.resourceVersion).toBe(marked.object.metadata.resourceVersion!);
        const one = await store.update(keyOf(ns, "a"), { ...marked.object, metadata: { ...marked.object.metadata, finalizers: ["x/two"] } });
        expect(one.metadata.deletionTimestamp).toBe(marked.object.metadata.deletionTimestamp!);
        await store.update(keyOf(ns, "a"), { ...one, metadata: { ...one.metadata, finalizers: [] } });
        await expectStoreError(store.get(keyOf(ns, "a")), "NotFound");
        expect(changesOnly(await take(watch, 4))).toEqual([
          ["ADDED", "a"],
          ["MODIFIED", "a"],
          ["MODIFIED", "a"],
          ["DELETED", "a"],
        ]);
        watch.close();
        void created;
      });

      test("a grace period marks the object instead of removing it", async () => {
        const ns = uniqueNamespace();
        await store.create("pods", pod(ns, "a"));
        const result = await store.delete(keyOf(ns, "a"), { gracePeriodSeconds: 30 });
        expect(result.deleted).toBe(false);
        expect(result.object.metadata.deletionGracePeriodSeconds).toBe(30);
        expect(Date.parse(result.object.metadata.deletionTimestamp!)).toBeGreaterThan(Date.now() + 20_000);
        // The node confirms with grace 0 once the containers are gone... finalizer-free objects then go.
        expect((await store.delete(keyOf(ns, "a"), { gracePeriodSeconds: 0 })).deleted).toBe(true);
      });

      test("preconditions on uid and resourceVersion", async () => {
        const ns = uniqueNamespace();
        const created = await store.create("pods", pod(ns, "a"));
        await expectStoreError(store.delete(keyOf(ns, "a"), { preconditions: { uid: "nope" } }), "Conflict");
        await expectStoreError(store.delete(keyOf(ns, "a"), { preconditions: { resourceVersion: "1" } }), "Conflict");
        const result = await store.delete(keyOf(ns, "a"), { preconditions: { uid: created.metadata.uid } });
        expect(result.deleted).toBe(true);
      });
    });

    describe("list", () => {
      test("by namespace, across namespaces, with a predicate, in name order", async () => {
        const ns = uniqueNamespace();
        const other = `${ns}-b`;
        for (const name of ["c", "a", "b"]) await store.create("pods", pod(ns, name));
        await store.create("pods", { ...pod(other, "a"), metadata: { name: "a", namespace: other, labels: { app: "db" } } });
        const inNs = await store.list({ resource: "pods", namespace: ns });
        expect(inNs.items.map((o) => o.metadata.name)).toEqual(["a", "b", "c"]);
        expect(inNs.revision).toBe(await store.currentRevision());
        const all = await store.list({ resource: "pods" });
        expect(all.items.filter((o) => [ns, other].includes(o.metadata.namespace!)).length).toBe(4);
        const db = await store.list({ resource: "pods", predicate: (o) => o.metadata.labels?.app === "db" });
        expect(db.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toContain(`${other}/a`);
        expect(db.items.every((o) => o.metadata.labels?.app === "db")).toBe(true);
      });

      test("pages with limit and continue are consistent at the first page's revision", async () => {
        const ns = uniqueNamespace();
        for (let i = 0; i < 10; i++) await store.create("pods", pod(ns, `p${i}`));
        const first = await store.list({ resource: "pods", namespace: ns, limit: 4 });
        expect(first.items.map((o) => o.metadata.name)).toEqual(["p0", "p1", "p2", "p3"]);
        expect(first.continue).toBeString();
        // Changes after the first page must not show in the later pages.
        await store.delete(keyOf(ns, "p5"));
        const p6 = await store.get(keyOf(ns, "p6"));
        await store.update(keyOf(ns, "p6"), { ...p6, spec: { changed: true } });
        await store.create("pods", pod(ns, "p45"));
        await store.create("pods", pod(ns, "p99"));
        const second = await store.list({ resource: "pods", namespace: ns, limit: 4, continue: first.continue });
        expect(second.revision).toBe(first.revision);
        expect(second.items.map((o) => o.metadata.name)).toEqual(["p4", "p5", "p6", "p7"]);
        expect(second.items[2]!.spec).toEqual(p6.spec as object);
        const third = await store.list({ resource: "pods", namespace: ns, limit: 4, continue: second.continue });
        expect(third.items.map((o) => o.metadata.name)).toEqual(["p8", "p9"]);
        expect(third.continue).toBeUndefined();
      });

      test("limit counts only items that pass the predicate", async () => {
        const ns = uniqueNamespace();
        for (let i = 0; i < 30; i++) {
          await store.create("pods", { ...pod(ns, `p${String(i).padStart(2, "0")}`), metadata: { name: `p${String(i).padStart(2, "0")}`, namespace: ns, labels: { even: String(i % 2 === 0) } } });
        }
        const predicate = (o: KubeObject) => o.metadata.labels?.even === "true";
        const names: string[] = [];
        let token: string | undefined;
        do {
          const page = await store.list({ resource: "pods", namespace: ns, limit: 4, predicate, continue: token });
          expect(page.items.length).toBeLessThanOrEqual(4);
          names.push(...page.items.map((o) => o.metadata.name!));
          token = page.continue;
        } while (token);
        expect(names).toEqual(Array.from({ length: 15 }, (_, i) => `p${String(i * 2).padStart(2, "0")}`));
      });

      test("a malformed continue token is BadRequest", async () => {
        await expectStoreError(store.list({ resource: "pods", continue: "not-a-token" }), "BadRequest");
      });

      test("listJson gives the objects list gives, as JSON text with apiVersion, kind and metadata first", async () => {
        const ns = uniqueNamespace();
        await store.create("pods", pod(ns, "b", { status: { phase: "Pending" } }));
        await store.create("pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: ns } });
        const c = await store.create("pods", { metadata: { name: "c", namespace: ns, labels: { "é/\"x": "💥\u0000" } }, spec: {} });
        await store.update(keyOf(ns, "c"), { ...c, spec: { nodeName: "n" } });
        const d = await store.create("pods", pod(ns, "d"));
        await store.delete(keyOf(ns, "d"), { preconditions: { uid: d.metadata.uid } });
        const objects = await store.list({ resource: "pods", namespace: ns });
        const texts = await store.listJson({ resource: "pods", namespace: ns });
        expect(texts.revision).toBe(objects.revision);
        expect(texts.items.map((t) => JSON.parse(t))).toEqual(objects.items);
        expect(objects.items.map((o) => o.metadata.name)).toEqual(["a", "b", "c"]);
        expect(Object.keys(JSON.parse(texts.items[1]!))).toEqual(["apiVersion", "kind", "metadata", "spec", "status"]);
        expect(Object.keys(JSON.parse(texts.items[2]!))).toEqual(["metadata", "spec"]);
        for (const o of objects.items) expect(o).toEqual(await store.get(keyOf(ns, o.metadata.name!)));
      });

      test("listJson pages like list: limit, predicate and continue tokens of either", async () => {
        const ns = uniqueNamespace();
        for (let i = 0; i < 12; i++) {
          const name = `p${String(i).padStart(2, "0")}`;
          await store.create("pods", { ...pod(ns, name), metadata: { name, namespace: ns, labels: { even: String(i % 2 === 0) } } });
        }
        const predicate = (o: KubeObject) => o.metadata.labels?.even === "true";
        const first = await store.listJson({ resource: "pods", namespace: ns, limit: 2, predicate });
        expect(first.items.map((t) => JSON.parse(t).metadata.name)).toEqual(["p00", "p02"]);
        await store.delete(keyOf(ns, "p04"));
        const p06 = await store.get(keyOf(ns, "p06"));
        await store.update(keyOf(ns, "p06"), { ...p06, spec: { changed: true } });
        const second = await store.listJson({ resource: "pods", namespace: ns, limit: 2, predicate, continue: first.continue });
        expect(second.revision).toBe(first.revision);
        expect(second.items.map((t) => JSON.parse(t))).toEqual([
          (await store.list({ resource: "pods", namespace: ns, limit: 1, predicate, continue: first.continue })).items[0]!,
          p06,
        ]);
        const rest = await store.list({ resource: "pods", namespace: ns, predicate, limit: 10, continue: second.continue });
        expect(rest.items.map((o) => o.metadata.name)).toEqual(["p08", "p10"]);
        expect(rest.continue).toBeUndefined();
      });
    });

    describe("watch", () => {
      test("from a revision: every later change, in order, of the watched resource and namespace", async () => {
        const ns = uniqueNamespace();
        const start = await store.currentRevision();
        await store.create("pods", pod(ns, "a"));
        await store.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: ns } });
        await store.create("pods", pod(`${ns}-other`, "b"));
        const a = await store.get(keyOf(ns, "a"));
        await store.update(keyOf(ns, "a"), { ...a, spec: { v: 2 } });
        await store.delete(keyOf(ns, "a"));
        const watch = await store.watch({ resource: "pods", namespace: ns, fromRevision: start });
        const events = await take(watch, 3);
        expect(changesOnly(events)).toEqual([
          ["ADDED", "a"],
          ["MODIFIED", "a"],
          ["DELETED", "a"],
        ]);
        const revisions = events.map((e) => e.revision);
        expect([...revisions].sort((x, y) => x - y)).toEqual(revisions);
        const deleted = events[2]!;
        if (deleted.type === "BOOKMARK") throw new Error("unexpected bookmark");
        expect(deleted.object.metadata.resourceVersion).toBe(String(deleted.revision));
        watch.close();
      });

      test("from now: only changes after the watch began", async () => {
        const ns = uniqueNamespace();
        await store.create("pods", pod(ns, "before"));
        const watch = await store.watch({ resource: "pods", namespace: ns });
        await store.create("pods", pod(ns, "after"));
        expect(changesOnly(await take(watch, 1))).toEqual([["ADDED", "after"]]);
        watch.close();
      });

      test("a predicate turns entering and leaving into ADDED and DELETED", async () => {
        const ns = uniqueNamespace();
        const watch = await store.watch({ resource: "pods", namespace: ns, predicate: (o) => o.metadata.labels?.app === "web" });
        const created = await store.create("pods", { ...pod(ns, "a"), metadata: { name: "a", namespace: ns, labels: { app: "db" } } });
        const entered = await store.update(keyOf(ns, "a"), { ...created, metadata: { ...created.metadata, labels: { app: "web" } } });
        const left = await store.update(keyOf(ns, "a"), { ...entered, metadata: { ...entered.metadata, labels: { app: "db" } } });
        const events = await take(watch, 2);
        expect(changesOnly(events)).toEqual([
          ["ADDED", "a"],
          ["DELETED", "a"],
        ]);
        const gone = events[1]!;
        if (gone.type === "BOOKMARK") throw new Error("unexpected bookmark");
        // The last state that matched, at the revision it stopped matching.
        expect(gone.object.metadata.labels).toEqual({ app: "web" });
        expect(gone.object.metadata.resourceVersion).toBe(left.metadata.resourceVersion!);
        watch.close();
      });

      test("ends when its signal aborts", async () => {
        const controller = new AbortController();
        const watch = await store.watch({ resource: "pods", signal: controller.signal });
        controller.abort();
        expect(await take(watch, 1)).toEqual([]);
      });
    });

    describe("watch cache limits", () => {
      let small: SqlStore;
      beforeAll(async () => {
        small = await backend.open({ capacity: 5, watcherBufferSize: 20, bookmarkIntervalMs: 50 });
      });
      afterAll(async () => {
        await small?.close();
      });

      test("a watch older than the in-memory window reads the log", async () => {
        const ns = uniqueNamespace();
        const start = await small.currentRevision();
        for (let i = 0; i < 12; i++) await small.create("pods", pod(ns, `p${i}`));
        await small.waitForWatchCache(await small.currentRevision());
        const watch = await small.watch({ resource: "pods", namespace: ns, fromRevision: start });
        const events = await take(watch, 12);
        expect(events.map((e) => (e.type === "BOOKMARK" ? "" : e.object.metadata.name))).toEqual(
          Array.from({ length: 12 }, (_, i) => `p${i}`),
        );
        watch.close();
      });

      test("a watcher that does not read is closed as TooSlow; others go on", async () => {
        const ns = uniqueNamespace();
        const slow = await small.watch({ resource: "pods", namespace: ns });
        const fast = await small.watch({ resource: "pods", namespace: ns });
        const reading = take(fast, 30);
        for (let i = 0; i < 30; i++) await small.create("pods", pod(ns, `p${i}`));
        expect((await reading).length).toBe(30);
        expect(slow.error?.code).toBe("TooSlow");
        fast.close();
      });

      test("bookmarks carry the newest revision while idle", async () => {
        const ns = uniqueNamespace();
        const watch = await small.watch({ resource: "pods", namespace: ns, bookmarks: true });
        const created = await small.create("pods", pod(ns, "a"));
        // An idle bookmark may come before the change arrives; after it, one must follow.
        let events = await take(watch, 1);
        while (events[0]!.type === "BOOKMARK") events = await take(watch, 1);
        expect(events[0]!.type).toBe("ADDED");
        const [bookmark] = await take(watch, 1);
        expect(bookmark!.type).toBe("BOOKMARK");
        expect(bookmark!.revision).toBeGreaterThanOrEqual(Number(created.metadata.resourceVersion));
        watch.close();
      });

      test("watches and continue tokens from compacted revisions are Expired", async () => {
        const ns = uniqueNamespace();
        for (let i = 0; i < 3; i++) await small.create("pods", pod(ns, `p${i}`));
        const page = await small.list({ resource: "pods", namespace: ns, limit: 1 });
        const old = page.revision - 2;
        // Push `old` out of the in-memory window, so the log must answer.
        for (let i = 0; i < 8; i++) await small.create("pods", pod(ns, `q${i}`));
        await small.create("pods", pod(ns, "later"));
        const revision = await small.currentRevision();
        await small.waitForWatchCache(revision);
        await small.compact(revision - 1);
        expect(await small.compactedRevision()).toBe(revision - 1);
        await expectStoreError(small.watch({ resource: "pods", namespace: ns, fromRevision: old }), "Expired");
        await expectStoreError(small.list({ resource: "pods", namespace: ns, limit: 1, continue: page.continue }), "Expired");
        const watch = await small.watch({ resource: "pods", namespace: ns, fromRevision: revision - 1 });
        expect(changesOnly(await take(watch, 1))).toEqual([["ADDED", "later"]]);
        watch.close();
      });
    });


    if (backend.multiInstance) {
      test("a change through one instance reaches a watcher on another", async () => {
        const other = await backend.open({}, store);
        try {
          const ns = uniqueNamespace();
          const watch = await other.watch({ resource: "pods", namespace: ns });
          await store.create("pods", pod(ns, "a"));
          expect(changesOnly(await take(watch, 1))).toEqual([["ADDED", "a"]]);
          watch.close();
        } finally {
          await other.close();
        }
      });
    }
  });
}
