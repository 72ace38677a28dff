// The Store over any Postgres-speaking database (postgres.js or PGlite).
// Every write is one call of ledge_write() (migrations/0003), which assigns the
// revision under a row lock so that commit order equals revision order.
import { type SQL, sql } from "drizzle-orm";
import {
  type ChangeEvent,
  type DeleteOptions,
  type DeleteResult,
  describeKey,
  type JsonListResult,
  type KubeObject,
  type ListOptions,
  type ListResult,
  type Mutation,
  type ObjectKey,
  type Preconditions,
  type Store,
  StoreError,
  type UpdateOptions,
  type Watch,
  type WatchOptions,
} from "../store.ts";
import { type ChangeSource, WatchCache, type WatchCacheOptions } from "../watch-cache.ts";
import { Batcher, type Outcome } from "./batcher.ts";
import type { Database, Query, Row } from "./database.ts";
import { changes, objects, state } from "./schema.ts";

const CHANNEL = "ledge_changes";
/** How many times a read-modify-write is retried on conflicts before giving up. */
const MAX_RETRIES = 64;
/** Rows read per round trip while filling a page with a predicate. */
const LIST_BATCH = 1000;
/**
 * Writes: two batches at once, so the next one is at the database, waiting
 * for the ledge_state lock, when the one before commits. Reads: a few, out
 * of a pool of ten connections that lists and the watch also use.
 */
const WRITE_BATCHING = { inFlight: 2, maxSize: 128 };
const READ_BATCHING = { inFlight: 4, maxSize: 128 };

export type SqlStoreOptions = WatchCacheOptions;


type WriteOp = "create" | "update" | "delete";

interface PendingWrite {
  op: WriteOp;
  key: ObjectKey;
  expected: number | null;
  /** The object's text before and after the place of its resourceVersion (encodeAround). */
  head: string;
  tail: string;
}

export class SqlStore implements Store {
  private readonly cache: WatchCache;
  private readonly reads = new Batcher<ObjectKey, string | undefined>((keys) => this.readBatch(keys), READ_BATCHING);
  private readonly writes = new Batcher<PendingWrite, number>((batch) => this.writeBatch(batch), WRITE_BATCHING);

  constructor(
    private readonly database: Database,
    options: SqlStoreOptions = {},
  ) {
    const source: ChangeSource = {
      readChanges: (after, limit) => this.readChanges(after, limit),
      currentRevision: () => this.currentRevision(),
      compactedRevision: () => this.compactedRevision(),
      subscribe: (wake) =>
        this.database.listen(
          CHANNEL,
          (payload) => wake(Number(payload)),
          () => wake(),
        ),
    };
    this.cache = new WatchCache(source, options);
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  async close(): Promise<void> {
    await this.cache.stop();
    await this.database.close();
  }

  async create(resource: string, input: KubeObject, options: { dryRun?: boolean } = {}): Promise<KubeObject> {
    const meta = input.metadata ?? {};
    const generated = !meta.name && !!meta.generateName;
    for (let attempt = 0; ; attempt++) {
      const name = generated ? meta.generateName + randomSuffix() : meta.name;
      if (!name) throw new StoreError("Invalid", "name or generateName is required");
      const object: KubeObject = {
        ...input,
        metadata: {
          ...stripSystemFields(meta),
          name,
          uid: crypto.randomUUID(),
          creationTimestamp: timestamp(),
          // The API's strategy decides whether the kind has a generation.
          ...(typeof meta.generation === "number" ? { generation: meta.generation } : {}),
        },
      };
      const key = { resource, namespace: meta.namespace ?? "", name };
      if (options.dryRun) {
        await this.expectAbsent(key);
        return object;
      }
      try {
        const revision = await this.write("create", key, null, object);
        return withRevision(object, revision);
      } catch (error) {
        // A generated name that collides is tried again with another suffix, as Kubernetes does.
        if (generated && error instanceof StoreError && error.code === "AlreadyExists" && attempt < 8) continue;
        throw error;
      }
    }
  }

  async get(key: ObjectKey): Promise<KubeObject> {
    return JSON.parse(await this.getText(key)) as KubeObject;
  }

  private async getText(key: ObjectKey): Promise<string> {
    const data = await this.reads.submit(key);
    if (data === undefined) throw new StoreError("NotFound", `${describeKey(key)} not found`);
    return data;
  }

  /** The stored text of each key (undefined where there is none), in one round trip. */
  private async readBatch(keys: ObjectKey[]): Promise<Outcome<string | undefined>[]> {
    if (keys.length === 1) {
      const [key] = keys as [ObjectKey];
      const rows = await this.database.raw(READ_ONE, [key.resource, key.namespace, key.name]).catch(translate);
      return [{ value: rows[0]?.data as string | undefined }];
    }
    const rows = await this.database
      .raw(READ_MANY, [keys.map((k) => k.resource), keys.map((k) => k.namespace), keys.map((k) => k.name)])
      .catch(translate);
    const outcomes: Outcome<string | undefined>[] = keys.map(() => ({ value: undefined }));
    for (const row of rows) outcomes[Number(row.i) - 1] = { value: (row.data as string | null) ?? undefined };
    return outcomes;
  }

  list(options: ListOptions): Promise<ListResult> {
    const { predicate } = options;
    return this.listRows(options, (data) => {
      const object = JSON.parse(data) as KubeObject;
      return !predicate || predicate(object) ? object : undefined;
    });
  }

  listJson(options: ListOptions): Promise<JsonListResult> {
    const { predicate } = options;
    // Without a predicate the text is never parsed: that is the point.
    return this.listRows(options, predicate ? (data) => (predicate(JSON.parse(data) as KubeObject) ? data : undefined) : (data) => data);
  }

  /** One page of the stored objects, each made an item by `decode`, which returns undefined for those the predicate drops. */
  private async listRows<T>(options: ListOptions, decode: (data: string) => T | undefined): Promise<{ items: T[]; revision: number; continue?: string }> {
    const token = options.continue ? decodeContinue(options.continue) : undefined;
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    return this.database
      .snapshot(async (query) => {
        // Rows come in key order from the primary key (and the log's key index)
        // rather than sorted: a planner without fresh statistics (always, on
        // PGlite, which has no autovacuum) sorts wide rows on disk, which took
        // more time than reading them.
        await query(sql`SET LOCAL enable_sort = off`);
        const [{ revision: current, compacted }] = await readState(query);
        const revision = token?.revision ?? current;
        if (token && revision <= compacted) {
          throw new StoreError(
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
          );
        }
        const items: T[] = [];
        let after = token?.after;
        /** The key of the page's last item, where the next page starts. */
        let last: [string, string] | undefined;
        // Read until the page is full plus one more match (which says whether more remain).
        for (;;) {
          const batchSize = limit === Infinity ? 0 : Math.max(LIST_BATCH, limit + 1 - items.length);
          const rows = await query(
            token
              ? pageAtRevision(options, revision, after, batchSize)
              : pageOfCurrent(options, after, batchSize),
          );
          for (const row of rows) {
            after = [row.namespace as string, row.name as string];
            const item = decode(row.data as string);
            if (item === undefined) continue;
            items.push(item);
            if (items.length === limit) last = after;
            if (items.length > limit) break;
          }
          if (items.length > limit || batchSize === 0 || rows.length < batchSize) break;
        }
        if (items.length > limit) {
          items.length = limit;
          return { items, revision, continue: encodeContinue({ revision, after: last! }) };
        }
        return { items, revision };
      })
      .catch(translate);
  }

  async update(key: ObjectKey, input: KubeObject, options: UpdateOptions = {}): Promise<KubeObject> {
    const expected = options.resourceVersion || input.metadata?.resourceVersion || undefined;
    // Without a resourceVersion the update is unconditional: retried over concurrent writers.
    return this.guaranteedUpdate(
      key,
      (current) => {
        if (expected && current.metadata.resourceVersion !== expected) throw conflict(key);
        return input;
      },
      { dryRun: options.dryRun },
    );
  }

  async guaranteedUpdate(
    key: ObjectKey,
    mutate: Mutation,
    options: { dryRun?: boolean; preconditions?: Preconditions } = {},
  ): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const text = await this.getText(key);
      const current = JSON.parse(text) as KubeObject;
      checkPreconditions(key, current, options.preconditions);
      // A copy of its own for the mutation: parsing the text again costs less than a structuredClone.
      const next = await mutate(JSON.parse(text) as KubeObject);
      try {
        return await this.replace(key, current, next, options.dryRun ?? false);
      } catch (error) {
        if (error instanceof StoreError && error.code === "Conflict" && attempt < MAX_RETRIES) continue;
        throw error;
      }
    }
  }

  /** Writes `input` over `current` if `current` is still the stored version. */
  private async replace(key: ObjectKey, current: KubeObject, input: KubeObject, dryRun: boolean): Promise<KubeObject> {
    const meta = current.metadata;
    const next: KubeObject = {
      ...input,
      metadata: {
        ...input.metadata,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        creationTimestamp: meta.creationTimestamp,
        deletionTimestamp: meta.deletionTimestamp,
        deletionGracePeriodSeconds: meta.deletionGracePeriodSeconds,
        // As the API's strategy computed it (absent for kinds without one).
        generation: input.metadata.generation,
        resourceVersion: meta.resourceVersion,
      },
    };
    dropUndefined(next.metadata);
    // An update that changes nothing is not written, so it makes no event.
    if (Bun.deepEquals(current, next)) return current;
    if (dryRun) return next;
    const expected = Number(meta.resourceVersion);
    // The last finalizer leaving a deleting object completes its deletion.
    const completesDeletion = !!meta.deletionTimestamp && !!meta.finalizers?.length && !next.metadata.finalizers?.length;
    const revision = await this.write(completesDeletion ? "delete" : "update", key, expected, next);
    return withRevision(next, revision);
  }

  async delete(key: ObjectKey, options: DeleteOptions = {}): Promise<DeleteResult> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(key);
      checkPreconditions(key, current, options.preconditions);
      const expected = Number(current.metadata.resourceVersion);
      const grace = options.gracePeriodSeconds ?? 0;
      try {
        const finalizers = [...new Set([...(current.metadata.finalizers ?? []), ...(options.finalizers ?? [])])];
        if (finalizers.length || grace > 0 || options.deferred) {
          // Only marked: finalizers (or the node, for a graceful pod) finish it.
          if (current.metadata.deletionTimestamp) {
            if (options.dryRun) return { object: current, deleted: false };
            if (finalizers.length === (current.metadata.finalizers?.length ?? 0)) return { object: current, deleted: false };
            // A later delete may still add a propagation finalizer.
            const revision = await this.write("update", key, expected, { ...current, metadata: { ...current.metadata, finalizers } });
            return { object: withRevision({ ...current, metadata: { ...current.metadata, finalizers } }, revision), deleted: false };
          }
          let marked: KubeObject = {
            ...current,
            metadata: {
              ...current.metadata,
              ...(finalizers.length ? { finalizers } : {}),
              deletionTimestamp: timestamp(Date.now() + grace * 1000),
              deletionGracePeriodSeconds: grace,
              // Kubernetes' BeforeDelete advances a generation only where there is one.
              ...(current.metadata.generation ? { generation: current.metadata.generation + 1 } : {}),
            },
          };
          if (options.onMark) marked = options.onMark(marked);
          if (options.dryRun) return { object: marked, deleted: false };
          const revision = await this.write("update", key, expected, marked);
          return { object: withRevision(marked, revision), deleted: false };
        }
        if (options.dryRun) return { object: current, deleted: true };
        const revision = await this.write("delete", key, expected, current);
        return { object: withRevision(current, revision), deleted: true };
      } catch (error) {
        const retry = !options.preconditions?.resourceVersion && attempt < MAX_RETRIES;
        if (retry && error instanceof StoreError && error.code === "Conflict") continue;
        throw error;
      }
    }
  }

  watch(options: WatchOptions): Promise<Watch> {
    return this.cache.watch(options);
  }

  async currentRevision(): Promise<number> {
    const [row] = await readState(this.database.query).catch(translate);
    return row.revision;
  }

  async compactedRevision(): Promise<number> {
    const [row] = await readState(this.database.query).catch(translate);
    return row.compacted;
  }

  async compact(revision: number): Promise<void> {
    // The mark moves first and in the same transaction, so no reader can see
    // the rows gone while the mark still says they are there.
    await this.database
      .transaction(async (query) => {
        await query(
          sql`UPDATE ${state} SET compacted = GREATEST(${state.compacted}, LEAST(${revision}, ${state.revision})) WHERE ${state.id} = 1`,
        );
        await query(sql`DELETE FROM ${changes} WHERE ${changes.revision} <= (SELECT ${state.compacted} FROM ${state} WHERE ${state.id} = 1)`);
      })
      .catch(translate);
  }

  /** Resolves once this process's watches have seen `revision`. */
  waitForWatchCache(revision: number): Promise<void> {
    return this.cache.waitFor(revision);
  }

  /** Writes `object` (for a delete, its last state); ledge_write_batch assigns its resourceVersion. */
  private write(op: WriteOp, key: ObjectKey, expected: number | null, object: KubeObject): Promise<number> {
    const [head, tail] = encodeAround(object);
    return this.writes.submit({ op, key, expected, head, tail });
  }

  /** One transaction for the writes that came together (migrations/0004); each fails or succeeds alone. */
  private async writeBatch(batch: PendingWrite[]): Promise<Outcome<number>[]> {
    let rows: Row[];
    try {
      rows = await this.database.raw(WRITE_MANY, [
        batch.map((w) => w.op),
        batch.map((w) => w.key.resource),
        batch.map((w) => w.key.namespace),
        batch.map((w) => w.key.name),
        batch.map((w) => w.expected),
        batch.map((w) => w.head),
        batch.map((w) => w.tail),
      ]);
    } catch (error) {
      // A statement that fails as a whole fails every write in it; sent one
      // by one, the others still go through and only the cause fails.
      if (batch.length > 1 && !isUnavailable(error)) return Promise.all(batch.map(async (w) => (await this.writeBatch([w]))[0]!));
      return batch.map((w) => ({ error: translated(error, w.key) }));
    }
    return rows.map((row, i) =>
      row.out_error === null ? { value: Number(row.out_revision) } : { error: translated({ code: row.out_error }, batch[i]!.key) },
    );
  }

  private async expectAbsent(key: ObjectKey): Promise<void> {
    try {
      await this.get(key);
    } catch (error) {
      if (error instanceof StoreError && error.code === "NotFound") return;
      throw error;
    }
    throw new StoreError("AlreadyExists", `${describeKey(key)} already exists`);
  }

  /** Changes after `after`; Expired when compaction has already removed some of them. */
  private async readChanges(after: number, limit: number): Promise<ChangeEvent[]> {
    const rows = await this.database
      .snapshot(async (query) => {
        const [{ compacted }] = await readState(query);
        if (after < compacted) throw new StoreError("Expired", `too old resource version: ${after} (${compacted})`);
        return query(
          sql`SELECT ${changes.revision} AS revision, ${changes.type} AS type, ${changes.resource} AS resource,
                     ${changes.namespace} AS namespace, ${changes.name} AS name,
                     ${changes.data} AS data, ${changes.prev} AS prev
              FROM ${changes} WHERE ${changes.revision} > ${after}
              ORDER BY ${changes.revision} LIMIT ${limit}`,
        );
      })
      .catch(translate);
    return rows.map((row) => {
      const data = row.data as string;
      let prevText = row.prev as string | null;
      let previous: KubeObject | null = null;
      return {
        type: row.type as ChangeEvent["type"],
        revision: Number(row.revision),
        resource: row.resource as string,
        namespace: row.namespace as string,
        name: row.name as string,
        object: JSON.parse(data) as KubeObject,
        // The stored text is what the API sends: a watch writes it as it is.
        json: data,
        // Only watches with a predicate read the state before the change: parse
        // it then, once. An own enumerable getter, so `{ ...event }` copies the value.
        get previous(): KubeObject | null {
          if (prevText !== null) {
            previous = JSON.parse(prevText) as KubeObject;
            prevText = null;
          }
          return previous;
        },
      };
    });
  }
}

async function readState(query: Query): Promise<[{ revision: number; compacted: number }]> {
  const rows = await query(sql`SELECT ${state.revision} AS revision, ${state.compacted} AS compacted FROM ${state} WHERE ${state.id} = 1`);
  const row = rows[0];
  if (!row) throw new StoreError("Unavailable", "the database has not been migrated: ledge_state is empty");
  return [{ revision: Number(row.revision), compacted: Number(row.compacted) }];
}

function scope(options: ListOptions, table: typeof objects | typeof changes, after: [string, string] | undefined): SQL {
  const conditions: SQL[] = [sql`${table.resource} = ${options.resource}`];
  if (options.namespace !== undefined) conditions.push(sql`${table.namespace} = ${options.namespace}`);
  if (after) conditions.push(sql`(${table.namespace}, ${table.name}) > (${after[0]}, ${after[1]})`);
  return sql.join(conditions, sql` AND `);
}

const limitClause = (size: number): SQL => (size > 0 ? sql` LIMIT ${size}` : sql``);

function pageOfCurrent(options: ListOptions, after: [string, string] | undefined, size: number): SQL {
  return sql`SELECT ${objects.namespace} AS namespace, ${objects.name} AS name, ${objects.data} AS data
             FROM ${objects} WHERE ${scope(options, objects, after)}
             ORDER BY ${objects.namespace}, ${objects.name}${limitClause(size)}`;
}

/**
 * The objects as they were at `revision`: those unchanged since, plus, for
 * each key changed after it, the state before its first later change (`prev`;
 * null when that change created it).
 */
function pageAtRevision(options: ListOptions, revision: number, after: [string, string] | undefined, size: number): SQL {
  return sql`SELECT namespace, name, data FROM (
               SELECT ${objects.namespace} AS namespace, ${objects.name} AS name, ${objects.data} AS data
               FROM ${objects} WHERE ${scope(options, objects, after)} AND ${objects.revision} <= ${revision}
               UNION ALL
               (SELECT DISTINCT ON (${changes.namespace}, ${changes.name})
                      ${changes.namespace} AS namespace, ${changes.name} AS name, ${changes.prev} AS data
               FROM ${changes} WHERE ${scope(options, changes, after)} AND ${changes.revision} > ${revision}
               ORDER BY ${changes.namespace}, ${changes.name}, ${changes.revision})
             ) AS page WHERE data IS NOT NULL ORDER BY namespace, name${limitClause(size)}`;
}

interface ContinueToken {
  revision: number;
  after: [string, string];
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ rv: token.revision, start: token.after })).toString("base64url");
}

function decodeContinue(value: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as { rv: unknown; start: unknown };
    const [ns, name] = parsed.start as unknown[];
    if (Number.isSafeInteger(parsed.rv) && typeof ns === "string" && typeof name === "string") {
      return { revision: parsed.rv as number, after: [ns, name] };
    }
  } catch {
    // Falls through to the one error every malformed token gets.
  }
  throw new StoreError("BadRequest", "invalid continue token: continue key is not valid");
}

function checkPreconditions(key: ObjectKey, current: KubeObject, preconditions: Preconditions | undefined): void {
  if (preconditions?.uid && preconditions.uid !== current.metadata.uid) {
    throw new StoreError(
      "Conflict",
      `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`,
    );
  }
  if (preconditions?.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
    throw new StoreError(
      "Conflict",
      `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
    );
  }
  void key;
}

const conflict = (key: ObjectKey) =>
  new StoreError(
    "Conflict",
    `Operation cannot be fulfilled on ${describeKey(key)}: the object has been modified; please apply your changes to the latest version and try again`,
  );

/** Fields a client may not set on create: the store owns them. */
function stripSystemFields(meta: KubeObject["metadata"]): KubeObject["metadata"] {
  const {
    uid: _uid,
    resourceVersion: _rv,
    creationTimestamp: _ct,
    deletionTimestamp: _dt,
    deletionGracePeriodSeconds: _dg,
    generation: _g,
    ...rest
  } = meta;
  return rest;
}

function dropUndefined(record: Record<string, unknown>): void {
  for (const k of Object.keys(record)) if (record[k] === undefined) delete record[k];
}

/**
 * The object's JSON text split where ledge_write puts the revision it assigns:
 * head ends with `"resourceVersion":"` (the last field of metadata), tail
 * starts with its closing quote. apiVersion, kind and metadata come first, as
 * Kubernetes serialises objects, so a list can send the stored text unchanged.
 */
function encodeAround(object: KubeObject): [string, string] {
  const { apiVersion, kind, metadata, ...rest } = object;
  const { resourceVersion: _rv, ...meta } = metadata;
  // `{"apiVersion":…,"kind":…,"metadata":{…,"resourceVersion":""}}`
  const head = JSON.stringify({ apiVersion, kind, metadata: { ...meta, resourceVersion: "" } });
  const fields = JSON.stringify(rest);
  const at = head.length - 3;
  return [head.slice(0, at), `${head.slice(at, -1)}${fields === "{}" ? "}" : `,${fields.slice(1)}`}`];
}

const withRevision = (object: KubeObject, revision: number): KubeObject => ({
  ...object,
  metadata: { ...object.metadata, resourceVersion: String(revision) },
});

/** RFC 3339 with second precision, as Kubernetes writes metadata timestamps. */
export const timestamp = (ms = Date.now()): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return Array.from(bytes, (b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join("");
}

// The hottest statements, as text: building them through drizzle cost more
// than running them (a tenth of the API server's CPU under a scheduling burst).
const READ_ONE = "SELECT data FROM ledge_objects WHERE resource = $1 AND namespace = $2 AND name = $3";
/** A subquery per key, so that each is a primary-key lookup whatever the planner thinks of the unnest's size. */
const READ_MANY = `SELECT k.i AS i, (SELECT o.data FROM ledge_objects o WHERE o.resource = k.resource AND o.namespace = k.namespace AND o.name = k.name) AS data
  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(resource, namespace, name, i)`;
const WRITE_MANY = "SELECT out_revision, out_error FROM ledge_write_batch($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[])";

/**
 * Connection failures: the codes of postgres.js, of Bun's SQL client and of
 * Postgres' "server going away" classes.
 */
const UNAVAILABLE = /^(CONNECTION_|CONNECT_TIMEOUT|ECONN|EPIPE|ETIMEDOUT|ERR_POSTGRES_(CONNECTION|.*TIMEOUT|.*CLOSED)|57P0|08)/;

/** The SQLSTATE or driver code of the error or of one of its causes (Bun's SQL client gives the SQLSTATE as errno). */
function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { errno, code } = e as { errno?: unknown; code?: unknown };
    if (typeof errno === "string") return errno;
    if (typeof code === "string" && code !== "ERR_POSTGRES_SERVER_ERROR") return code;
  }
  return undefined;
}

const isUnavailable = (error: unknown): boolean => {
  const code = codeOf(error);
  return code !== undefined && UNAVAILABLE.test(code);
};

/** The one place database errors become store errors. */
function translated(error: unknown, key?: ObjectKey): StoreError {
  if (error instanceof StoreError) return error;
  const code = codeOf(error);
  const what = key ? describeKey(key) : "object";
  if (code === "23505") return new StoreError("AlreadyExists", `${what} already exists`, { cause: error });
  if (code === "LG404") return new StoreError("NotFound", `${what} not found`, { cause: error });
  if (code === "LG409" && key) return conflict(key);
  if (code && UNAVAILABLE.test(code)) return new StoreError("Unavailable", "the database is unavailable", { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError("Internal", `database error: ${message}`, { cause: error });
}

function translate(error: unknown, key?: ObjectKey): never {
  throw translated(error, key);
}

export type { Row };
