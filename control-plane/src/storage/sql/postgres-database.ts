import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { type Database, rowsOf } from "./database.ts";

/** Any number fits: every Ledge process takes it before migrating. */
const MIGRATION_LOCK = 0x1ed9e;

export interface PostgresOptions {
  /** Pool size; the LISTEN connection comes on top. */
  max?: number;
}

export function postgresDatabase(url: string, options: PostgresOptions = {}): Database {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // postgres.js shares one retry counter across the pool, so after a short
    // outage its default back-off reaches 20 s; reconnect within a second instead.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
  });
  const db = drizzle(client);
  return {
    query: async (statement) => rowsOf(await db.execute(statement)),
    snapshot: (fn) =>
      db.transaction((tx) => fn(async (statement) => rowsOf(await tx.execute(statement))), {
        isolationLevel: "repeatable read",
        accessMode: "read only",
      }),
    transaction: (fn) => db.transaction((tx) => fn(async (statement) => rowsOf(await tx.execute(statement)))),
    async listen(channel, onNotify, onConnect) {
      const request = await client.listen(channel, onNotify, onConnect);
      return () => request.unlisten();
    },
    async migrate(migrationsFolder) {
      // A session-level advisory lock on a connection of its own: a second
      // server starting at the same time waits here, then finds nothing to do.
      const lock = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await lock`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
        await migrate(db, { migrationsFolder });
        await lock`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`;
      } finally {
        await lock.end();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}
