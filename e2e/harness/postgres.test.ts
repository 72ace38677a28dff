import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import postgres from "postgres";
import { POSTGRES_UNAVAILABLE, postgresAvailable, privatePostgresAvailable, startPostgres } from "./postgres.ts";

if (!privatePostgresAvailable()) console.warn(postgresAvailable() ? "PostgreSQL binaries not found: cannot test restart of a private server" : POSTGRES_UNAVAILABLE);

describe.if(privatePostgresAvailable())("private PostgreSQL server", () => {
  test("start → query → restart → query → dispose", async () => {
    const server = await startPostgres({ needsRestart: true });
    const dataDirOf = async (sql: postgres.Sql) => (await sql`SHOW data_directory`)[0]!.data_directory as string;
    let dataDir = "";
    try {
      expect(server.private).toBe(true);
      expect(new URL(server.url).hostname).toBe("127.0.0.1");

      // Writes before the restart must be there after it: same cluster, same port.
      const before = postgres(server.url, { max: 1, onnotice: () => {} });
      await before`CREATE TABLE marks (n int)`;
      await before`INSERT INTO marks VALUES (1)`;
      dataDir = await dataDirOf(before);
      await before.end();

      await server.restart();

      const after = postgres(server.url, { max: 1, onnotice: () => {} });
      const rows = await after`SELECT n FROM marks`;
      expect(rows.map((r) => r.n)).toEqual([1]);
      await after.end();

      // Each suite gets its own database, empty, on the same server.
      const other = postgres(await server.createDatabase("other"), { max: 1, onnotice: () => {} });
      const tables = await other`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'marks'`;
      expect(tables[0]!.n).toBe(0);
      await other.end();
    } finally {
      await server.dispose();
    }
    expect(dataDir).not.toBe("");
    expect(existsSync(dataDir)).toBe(false);
  });

  test("a stopped server refuses connections until started again", async () => {
    const server = await startPostgres({ needsRestart: true });
    try {
      await server.stop();
      const sql = postgres(server.url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
      await expect(sql`SELECT 1`).rejects.toThrow();
      await sql.end();
      await server.start();
      const again = postgres(server.url, { max: 1, onnotice: () => {} });
      expect((await again`SELECT 1 AS one`)[0]!.one).toBe(1);
      await again.end();
    } finally {
      await server.dispose();
    }
  });
});
