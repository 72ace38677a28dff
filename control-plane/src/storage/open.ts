// Picks the back end from the options: the only place that knows both exist.
import { fileURLToPath } from "node:url";
import { pgliteDatabase } from "./sql/pglite-database.ts";
import { postgresDatabase } from "./sql/postgres-database.ts";
import { SqlStore, type SqlStoreOptions } from "./sql/sql-store.ts";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../../migrations", import.meta.url));

export interface OpenStoreOptions extends SqlStoreOptions {
  /** postgres://… for a real server (postgres.js). */
  databaseUrl?: string;
  /** Where PGlite keeps its files; neither option: PGlite in memory. */
  dataDir?: string;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<SqlStore> {
  const database = options.databaseUrl ? postgresDatabase(options.databaseUrl) : await pgliteDatabase(options.dataDir);
  try {
    await database.migrate(MIGRATIONS_FOLDER);
    const store = new SqlStore(database, options);
    await store.start();
    return store;
  } catch (error) {
    await database.close();
    throw error;
  }
}
