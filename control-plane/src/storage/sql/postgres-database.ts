// Queries go through Bun's own Postgres client; LISTEN and migrations through
// postgres.js, which Bun's client cannot do. Bun's client costs a third of
// the CPU per query that carries an object (14 against 44 µs for a 3 KB
// parameter), and postgres.js's socket writes under Bun held the event loop
// up: an API server doing the same work reached 2.6 times the creates per
// second (README, "Storage").
import { SQL } from "bun";
import { drizzle as drizzleBun } from "drizzle-orm/bun-sql";
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
  const pool = new SQL({ url, max: options.max ?? 10 });
  const db = drizzleBun(pool);
  // Only for LISTEN, which holds a connection of its own.
  const client = postgres(url, {
    max: 1,
    onnotice: () => {},
    // postgres.js shares one retry counter across the pool, so after a short
    // outage its default back-off reaches 20 s; reconnect within a second instead.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
  });
  return {
    query: async (statement) => rowsOf(await db.execute(statement)),
    raw: async (text, parameters) => rowsOf(await pool.unsafe(text, parameters)),
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
        await migrate(drizzle(lock), { migrationsFolder });
        await lock`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`;
      } finally {
        await lock.end();
      }
    },
    async close() {
      await pool.close({ timeout: 5 });
      await client.end({ timeout: 5 });
    },
  };
}
