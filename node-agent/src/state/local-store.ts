// What the agent runs, kept on its own disk (bun:sqlite in the data dir), so
// that its pods outlive both a lost control plane and a restart of the agent:
// each pod's object as last seen, the state of its machine, its IP, and the
// ConfigMaps and Secrets its volumes and environment were built from.
//
// Writes are synchronous and small; WAL keeps them cheap and a crash mid-write
// leaves the previous row intact. The connection holds SQLite's exclusive
// lock for as long as it is open, so a second agent on the same data dir
// fails at once instead of running the same pods twice; the lock dies with
// the process, so a crash leaves nothing to clean up.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** Each entry migrates the schema one version up; user_version counts the entries applied. */
const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE pods (
       uid TEXT PRIMARY KEY,
       namespace TEXT NOT NULL,
       name TEXT NOT NULL,
       pod TEXT NOT NULL,
       record TEXT NOT NULL,
       pod_ip TEXT UNIQUE,
       updated_at INTEGER NOT NULL
     )`,
    `CREATE TABLE objects (
       kind TEXT NOT NULL,
       namespace TEXT NOT NULL,
       name TEXT NOT NULL,
       object TEXT NOT NULL,
       PRIMARY KEY (kind, namespace, name)
     )`,
    `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  ],
];
const SCHEMA_VERSION = MIGRATIONS.length;

export interface StoredPod {
  uid: string;
  namespace: string;
  name: string;
  /** The pod object as last seen (JSON). */
  pod: unknown;
  /** The agent's own record of the pod (JSON); pods/pod-record.ts reads it. */
  record: unknown;
  podIP?: string;
}

export type CachedKind = "ConfigMap" | "Secret" | "RuntimeClass";

export class LocalStore {
  readonly #db: Database;

  private constructor(db: Database) {
    this.#db = db;
  }

  /** Opens (creating if need be) the database at `path`; ":memory:" for tests. */
  static open(path: string): LocalStore {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { create: true, strict: true });
    try {
      db.run("PRAGMA busy_timeout = 200");
      db.run("PRAGMA locking_mode = EXCLUSIVE");
      db.run("PRAGMA journal_mode = WAL");
      db.run("BEGIN IMMEDIATE");
      db.run("COMMIT");
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === "SQLITE_BUSY") {
        throw new Error(`another agent is running on ${dirname(path)} (its database ${path} is locked)`, { cause: error });
      }
      throw error;
    }
    db.run("PRAGMA synchronous = NORMAL");
    const { user_version: version } = db.query("PRAGMA user_version").get() as { user_version: number };
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new Error(`agent database ${path} is from a newer Ledge (schema ${version}, this agent knows ${SCHEMA_VERSION})`);
    }
    db.transaction(() => {
      for (const statement of MIGRATIONS.slice(version).flat()) db.run(statement);
      db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    })();
    return new LocalStore(db);
  }

  pods(): StoredPod[] {
    return (this.#db.query(`SELECT ${POD_COLUMNS} FROM pods ORDER BY updated_at`).all() as PodRow[]).map(storedPod);
  }

  /** One saved pod, by uid. */
  pod(uid: string): StoredPod | undefined {
    const row = this.#db.query(`SELECT ${POD_COLUMNS} FROM pods WHERE uid = ?`).get(uid) as PodRow | null;
    return row ? storedPod(row) : undefined;
  }

  /** Saves a pod; an absent podIP keeps the one it holds (claimPodIP gives addresses up). */
  savePod(pod: StoredPod): void {
    this.#db
      .query(
        `INSERT INTO pods (uid, namespace, name, pod, record, pod_ip, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (uid) DO UPDATE SET pod = excluded.pod, record = excluded.record, pod_ip = COALESCE(excluded.pod_ip, pods.pod_ip), updated_at = excluded.updated_at`,
      )
      .run(pod.uid, pod.namespace, pod.name, JSON.stringify(pod.pod), JSON.stringify(pod.record), pod.podIP ?? null, Date.now());
  }

  deletePod(uid: string): void {
    this.#db.query("DELETE FROM pods WHERE uid = ?").run(uid);
  }

  podIP(uid: string): string | undefined {
    const row = this.#db.query("SELECT pod_ip FROM pods WHERE uid = ?").get(uid) as { pod_ip: string | null } | null;
    return row?.pod_ip ?? undefined;
  }

  podIPsInUse(): Set<string> {
    const rows = this.#db.query("SELECT pod_ip FROM pods WHERE pod_ip IS NOT NULL").all() as { pod_ip: string }[];
    return new Set(rows.map((r) => r.pod_ip));
  }

  /** Claims `ip` for a pod already saved; false when another pod holds it. */
  claimPodIP(uid: string, ip: string | undefined): boolean {
    try {
      this.#db.query("UPDATE pods SET pod_ip = ? WHERE uid = ?").run(ip ?? null, uid);
      return true;
    } catch (error) {
      if (String((error as Error).message).includes("UNIQUE")) return false;
      throw error;
    }
  }

  cacheObject(kind: CachedKind, namespace: string, name: string, object: unknown): void {
    if (object === undefined) {
      this.#db.query("DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?").run(kind, namespace, name);
      return;
    }
    this.#db
      .query("INSERT INTO objects (kind, namespace, name, object) VALUES (?, ?, ?, ?) ON CONFLICT (kind, namespace, name) DO UPDATE SET object = excluded.object")
      .run(kind, namespace, name, JSON.stringify(object));
  }

  cachedObject(kind: CachedKind, namespace: string, name: string): unknown {
    const row = this.#db.query("SELECT object FROM objects WHERE kind = ? AND namespace = ? AND name = ?").get(kind, namespace, name) as {
      object: string;
    } | null;
    return row ? JSON.parse(row.object) : undefined;
  }

  /** Drops cached objects no pod of `namespace` refers to any more. */
  pruneObjects(keep: (kind: CachedKind, namespace: string, name: string) => boolean): void {
    const rows = this.#db.query("SELECT kind, namespace, name FROM objects").all() as { kind: CachedKind; namespace: string; name: string }[];
    for (const row of rows) if (!keep(row.kind, row.namespace, row.name)) this.cacheObject(row.kind, row.namespace, row.name, undefined);
  }

  meta(key: string): string | undefined {
    const row = this.#db.query("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | null;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#db.query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  close(): void {
    this.#db.close();
  }
}

const POD_COLUMNS = "uid, namespace, name, pod, record, pod_ip";

interface PodRow {
  uid: string;
  namespace: string;
  name: string;
  pod: string;
  record: string;
  pod_ip: string | null;
}

const storedPod = (row: PodRow): StoredPod => ({
  uid: row.uid,
  namespace: row.namespace,
  name: row.name,
  pod: JSON.parse(row.pod),
  record: JSON.parse(row.record),
  podIP: row.pod_ip ?? undefined,
});
