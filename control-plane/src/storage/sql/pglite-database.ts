import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { type Database, type Row, rowsOf } from "./database.ts";

/** PGlite in `dataDir`, or in memory when it is absent. One process owns a data dir. */
export async function pgliteDatabase(dataDir?: string): Promise<Database> {
  const client = await PGlite.create(dataDir);
  const db = drizzle(client);
  return {
    query: async (statement) => rowsOf(await db.execute(statement)),
    raw: async (text, parameters) => (await client.query<Row>(text, parameters)).rows,
    // PGlite runs one transaction at a time, so any transaction is a snapshot.
    snapshot: (fn) => db.transaction((tx) => fn(async (statement) => rowsOf(await tx.execute(statement)))),
    transaction: (fn) => db.transaction((tx) => fn(async (statement) => rowsOf(await tx.execute(statement)))),
    async listen(channel, onNotify, onConnect) {
      const unlisten = await client.listen(channel, onNotify);
      onConnect();
      return unlisten;
    },
    migrate: (migrationsFolder) => migrate(db, { migrationsFolder }),
    close: () => client.close(),
  };
}
