// What SqlStore needs from a Postgres-speaking database, so that one store
// implementation serves both postgres.js (a real server) and PGlite (embedded).
import type { SQL } from "drizzle-orm";

export type Row = Record<string, unknown>;

/** Runs one statement and returns its rows, whatever shape the driver uses. */
export type Query = (statement: SQL) => Promise<Row[]>;

export interface Database {
  query: Query;
  /**
   * Runs one statement given as text with $n parameters, without building it
   * through drizzle: for the store's hottest statements, where building cost
   * more than running. Arrays are sent as Postgres arrays.
   */
  raw(text: string, parameters: unknown[]): Promise<Row[]>;
  /** Runs `fn` in a read-only transaction that sees one snapshot. */
  snapshot<T>(fn: (query: Query) => Promise<T>): Promise<T>;
  /** Runs `fn` in a read-write transaction. */
  transaction<T>(fn: (query: Query) => Promise<T>): Promise<T>;
  /**
   * Subscribes to NOTIFY on `channel`. `onConnect` runs each time the listening
   * connection is (re)established, since notifications sent while it was away are lost.
   */
  listen(channel: string, onNotify: (payload: string) => void, onConnect: () => void): Promise<() => Promise<void>>;
  /** Applies migrations/; safe when several processes start at once. */
  migrate(migrationsFolder: string): Promise<void>;
  close(): Promise<void>;
}

/** drizzle's execute() gives an array (postgres.js) or `{ rows }` (PGlite). */
export const rowsOf = (result: unknown): Row[] =>
  Array.isArray(result) ? (result as Row[]) : ((result as { rows: Row[] }).rows ?? []);
