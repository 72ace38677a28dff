import { expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase, POSTGRES_UNAVAILABLE, postgresAvailable } from "../../../e2e/harness/postgres.ts";
import { sql } from "drizzle-orm";
import { MIGRATIONS_FOLDER, openStore } from "./open.ts";
import { pgliteDatabase } from "./sql/pglite-database.ts";
import { storeContract } from "./store.contract.ts";

storeContract({
  name: "PGlite",
  multiInstance: false,
  open: (options = {}, shared) => {
    if (shared) throw new Error("PGlite is embedded: one store per database");
    return openStore(options);
  },
});

if (postgresAvailable()) {
  let url: Promise<string> | undefined;
  storeContract({
    name: "PostgreSQL",
    multiInstance: true,
    open: async (options = {}) => openStore({ ...options, databaseUrl: await (url ??= freshDatabase("store_contract")) }),
  });
} else {
  console.warn(POSTGRES_UNAVAILABLE);
}

test("PGlite keeps objects and revisions in its data dir across restarts", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "ledge-pglite-"));
  try {
    const first = await openStore({ dataDir });
    const created = await first.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kept", namespace: "default" }, data: { a: "1" } });
    await first.close();
    const second = await openStore({ dataDir });
    expect(await second.get({ resource: "configmaps", namespace: "default", name: "kept" })).toEqual(created);
    expect(await second.currentRevision()).toBe(Number(created.metadata.resourceVersion));
    const next = await second.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "next", namespace: "default" } });
    expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    await second.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("objects written before they were stored as text (migration 0002) are read, listed, changed and watched", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ledge-migrate-"));
  try {
    // migrations/ as it was before 0002: the first two entries of the journal.
    const before = join(dir, "migrations");
    cpSync(MIGRATIONS_FOLDER, before, { recursive: true });
    const journalPath = join(before, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8"));
    journal.entries = journal.entries.filter((e: { idx: number }) => e.idx < 2);
    writeFileSync(journalPath, JSON.stringify(journal));
    const old = await pgliteDatabase(join(dir, "data"));
    await old.migrate(before);
    const write = (op: string, name: string, data: unknown, expected: number | null = null) =>
      old.query(sql`SELECT ledge_write(${op}, 'configmaps', 'default', ${name}, ${expected}::bigint, ${JSON.stringify(data)}::jsonb)`);
    const configMap = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", uid: name }, data: { a: "1" } });
    for (const name of ["a", "b", "c"]) await write("create", name, configMap(name));
    await write("update", "b", { ...configMap("b"), data: { a: "2" } });
    await old.close();

    const store = await openStore({ dataDir: join(dir, "data") });
    try {
      const from = (await store.currentRevision()) - 1;
      const b = await store.get({ resource: "configmaps", namespace: "default", name: "b" });
      expect(b).toEqual({ ...configMap("b"), data: { a: "2" }, metadata: { ...configMap("b").metadata, resourceVersion: String(from + 1) } });
      const listed = await store.listJson({ resource: "configmaps", namespace: "default" });
      expect(listed.items.map((t) => JSON.parse(t))).toEqual((await store.list({ resource: "configmaps", namespace: "default" })).items);
      expect(listed.items.map((t) => JSON.parse(t).metadata.name)).toEqual(["a", "b", "c"]);
      // A page at an older revision reads the old log's previous states.
      const page = await store.list({ resource: "configmaps", namespace: "default", limit: 1 });
      const watch = await store.watch({ resource: "configmaps", fromRevision: from });
      const events = watch[Symbol.asyncIterator]();
      const updated = await store.update({ resource: "configmaps", namespace: "default", name: "a" }, { ...configMap("a"), data: { a: "3" } });
      await store.delete({ resource: "configmaps", namespace: "default", name: "c" });
      const seen = [];
      for (let i = 0; i < 3; i++) {
        const { value } = await events.next();
        seen.push(value.type === "BOOKMARK" ? "BOOKMARK" : `${value.type} ${value.name} ${JSON.stringify(value.object.data)}`);
      }
      expect(seen).toEqual(['MODIFIED b {"a":"2"}', 'MODIFIED a {"a":"3"}', 'DELETED c {"a":"1"}']);
      watch.close();
      const rest = await store.list({ resource: "configmaps", namespace: "default", continue: page.continue });
      expect(rest.items.map((o) => [o.metadata.name, o.data])).toEqual([["b", { a: "2" }], ["c", { a: "1" }]]);
      expect(JSON.parse((await store.listJson({ resource: "configmaps", namespace: "default", limit: 1 })).items[0]!)).toEqual(updated);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // PGlite on disk takes seconds to start, and this starts it twice.
}, 60_000);
