import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase, POSTGRES_UNAVAILABLE, postgresAvailable } from "../../../e2e/harness/postgres.ts";
import { openStore } from "./open.ts";
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
