// The drizzle schema: the single source of truth for the tables and for the
// migrations drizzle-kit generates into migrations/.
import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

/**
 * The current state of every object. Objects are JSON text, not jsonb: a list
 * sends them unchanged, where jsonb cost a conversion back to text per row
 * (~25 µs per pod, most of a 10,000-pod LIST). Nothing queries inside them.
 */
export const objects = pgTable(
  "ledge_objects",
  {
    resource: text("resource").notNull(),
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    /** The revision of the object's last change: its resourceVersion. */
    revision: bigint("revision", { mode: "number" }).notNull(),
    /** The object's JSON: apiVersion, kind and metadata first, as the API sends it. */
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.resource, t.namespace, t.name] })],
);

/** The append-only change log, in revision order. */
export const changes = pgTable(
  "ledge_changes",
  {
    revision: bigint("revision", { mode: "number" }).primaryKey(),
    resource: text("resource").notNull(),
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    type: text("type", { enum: ["ADDED", "MODIFIED", "DELETED"] }).notNull(),
    /** The object after the change (for DELETED, its last state). */
    data: text("data").notNull(),
    /** The object before the change; it lets a paged list read any retained revision. */
    prev: text("prev"),
  },
  (t) => [index("ledge_changes_key_idx").on(t.resource, t.namespace, t.name, t.revision)],
);

/**
 * One row: the revision counter and the compaction mark. Writers lock this row
 * first, which serialises commits so that revisions become visible in order.
 */
export const state = pgTable(
  "ledge_state",
  {
    id: integer("id").primaryKey(),
    revision: bigint("revision", { mode: "number" }).notNull(),
    compacted: bigint("compacted", { mode: "number" }).notNull(),
  },
  (t) => [check("ledge_state_single_row", sql`${t.id} = 1`)],
);
