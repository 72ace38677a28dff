// A private PostgreSQL server for tests and benchmarks: its own initdb cluster
// in a temp dir on a free loopback port, so no test ever depends on (or
// disturbs) a system service. DATABASE_URL points the suites at an external
// server instead; that one cannot be stopped or restarted from here.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, appendFileSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";

export const POSTGRES_UNAVAILABLE = "PostgreSQL binaries not found: skipping Postgres back end";

export interface PostgresServer {
  /** A database created for the caller on this server. */
  readonly url: string;
  /** True when this process started the server (so stop/restart work). */
  readonly private: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** A fast shutdown and a start of the same cluster on the same port. */
  restart(): Promise<void>;
  /** Stops the server and removes its files (external: drops the databases it made). */
  dispose(): Promise<void>;
  /** A new, empty database on this server; returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
}

interface Binaries {
  dir: string;
  version: number;
}

let binariesMemo: Binaries | null | undefined;

/** The newest installed PostgreSQL's bin dir, or null. */
export function findPostgresBinaries(): Binaries | null {
  if (binariesMemo !== undefined) return binariesMemo;
  const candidates: Binaries[] = [];
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    for (const entry of readdirSync(root)) {
      const version = Number.parseFloat(entry);
      const dir = join(root, entry, "bin");
      if (Number.isFinite(version) && hasServerBinaries(dir)) candidates.push({ dir, version });
    }
  }
  if (candidates.length === 0) {
    const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
    const dir = pgConfig.status === 0 ? pgConfig.stdout.trim() : "";
    if (dir && hasServerBinaries(dir)) candidates.push({ dir, version: 0 });
  }
  candidates.sort((a, b) => b.version - a.version);
  binariesMemo = candidates[0] ?? null;
  return binariesMemo;
}

const hasServerBinaries = (dir: string): boolean =>
  ["initdb", "pg_ctl", "postgres"].every((name) => existsSync(join(dir, name)));

/** Whether a Postgres back end can be tested here: local binaries or DATABASE_URL. */
export const postgresAvailable = (): boolean => findPostgresBinaries() !== null || !!process.env.DATABASE_URL;

/** Whether a private server (which can be restarted) can be started. */
export const privatePostgresAvailable = (): boolean => findPostgresBinaries() !== null;

export interface StartOptions {
  /**
   * Start a private server even when DATABASE_URL is set, because the caller
   * stops or restarts it. Throws when no binaries are installed.
   */
  needsRestart?: boolean;
  /** Name prefix of the database `url` points at. */
  database?: string;
}

/** A server with a fresh database on it; call dispose() when done. */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const external = process.env.DATABASE_URL;
  if (external && !options.needsRestart) return openExternal(external, options.database ?? "ledge");
  const binaries = findPostgresBinaries();
  if (!binaries) {
    throw new Error(
      options.needsRestart
        ? "a private PostgreSQL server is needed (it is restarted) but no binaries were found under /usr/lib/postgresql/*/bin or pg_config --bindir"
        : "no PostgreSQL binaries under /usr/lib/postgresql/*/bin or pg_config --bindir, and DATABASE_URL is not set",
    );
  }
  return startPrivate(binaries, options.database ?? "ledge");
}

let sharedMemo: Promise<PostgresServer> | undefined;

/**
 * One server for the whole test process (bun test runs every file in one
 * process), so each suite pays for a CREATE DATABASE, not an initdb. Never
 * stop or restart it: other suites use it. It is removed at process exit.
 */
export function sharedPostgres(): Promise<PostgresServer> {
  sharedMemo ??= startPostgres({ database: "shared" });
  return sharedMemo;
}

/** A new, empty database on the shared server, so test files never see each other's rows. */
export async function freshDatabase(prefix = "suite"): Promise<string> {
  return (await sharedPostgres()).createDatabase(prefix);
}

// ---------------------------------------------------------------------------

let databaseCounter = 0;

const databaseName = (prefix: string): string => {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 30) || "db";
  databaseCounter += 1;
  return `${clean}_${process.pid}_${databaseCounter}_${Math.random().toString(36).slice(2, 8)}`;
};

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

async function adminQuery(url: string, statement: string): Promise<void> {
  // One short-lived connection: CREATE/DROP DATABASE cannot run in a
  // transaction and must not share a pool with anything.
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function createDatabaseOn(adminUrl: string, prefix: string): Promise<string> {
  const name = databaseName(prefix);
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
  return withDatabase(adminUrl, name);
}

async function openExternal(url: string, prefix: string): Promise<PostgresServer> {
  const created: string[] = [];
  const notPrivate = (what: string) => async () => {
    throw new Error(`${what} needs a private PostgreSQL server, but DATABASE_URL points at an external one; unset DATABASE_URL to let the harness start its own`);
  };
  const createDatabase = async (p = "db") => {
    const made = await createDatabaseOn(url, p);
    created.push(made);
    return made;
  };
  return {
    url: await createDatabase(prefix),
    private: false,
    stop: notPrivate("stop()"),
    start: notPrivate("start()"),
    restart: notPrivate("restart()"),
    createDatabase,
    async dispose() {
      for (const made of created.splice(0)) {
        const name = new URL(made).pathname.slice(1);
        await adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }
    },
  };
}

/**
 * A watchdog outside this process that stops the server and removes its files
 * once this process is gone: `bun test` runs no exit handlers, and a test run
 * that crashes or is killed must not leave servers behind.
 */
const WATCHDOG = `
parent=$1; data=$2; base=$3; shift 3
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
"$@" -D "$data" stop -m immediate -w >/dev/null 2>&1
rm -rf "$base"
`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startPrivate(binaries: Binaries, prefix: string): Promise<PostgresServer> {
  const asRoot = process.getuid?.() === 0;
  // initdb and postgres refuse to run as root; the postgres OS user owns the cluster then.
  const owner = asRoot ? lookupUser("postgres") : null;
  const base = mkdtempSync(join(tmpdir(), "ledge-pg-"));
  const dataDir = join(base, "data");
  const socketDir = join(base, "socket");
  const logFile = join(base, "server.log");
  mkdirSync(socketDir);
  if (owner) {
    for (const path of [base, socketDir]) chownSync(path, owner.uid, owner.gid);
  }
  const removeFiles = () => rmSync(base, { recursive: true, force: true });

  const argvOf = (command: string, args: string[]): string[] =>
    owner ? ["runuser", "-u", "postgres", "--", join(binaries.dir, command), ...args] : [join(binaries.dir, command), ...args];
  const env = { ...process.env, LC_ALL: "C" };
  // Asynchronous, so that clients in this process see the server go away
  // while it is down instead of the whole event loop sleeping through it.
  const run = async (command: string, args: string[]): Promise<{ ok: boolean; output: string }> => {
    const child = Bun.spawn(argvOf(command, args), { cwd: base, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, status] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    return { ok: status === 0, output: stdout + stderr };
  };
  const logTail = () => (existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n") : "(no server log)");

  // Its own session, so a Ctrl-C aimed at the test run does not kill it too.
  const watchdog = Bun.spawn(["setsid", "sh", "-c", WATCHDOG, "ledge-pg-watchdog", String(process.pid), dataDir, base, ...argvOf("pg_ctl", [])], {
    stdio: ["ignore", "ignore", "ignore"],
  });
  watchdog.unref();
  const removeAll = () => {
    removeFiles();
    watchdog.kill();
  };

  try {
    const init = await run("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
    if (!init.ok) throw new Error(`initdb failed:\n${init.output}`);
  } catch (error) {
    removeAll();
    throw error;
  }

  let port = 0;
  let up = false;
  const pgCtl = (args: string[]) => run("pg_ctl", ["-D", dataDir, ...args]);
  const start = async () => {
    const result = await pgCtl(["start", "-w", "-t", "60", "-l", logFile]);
    if (!result.ok) throw new Error(`pg_ctl start failed on port ${port}:\n${result.output}\n${logTail()}`);
    up = true;
  };
  const stop = async () => {
    if (!up) return;
    const result = await pgCtl(["stop", "-w", "-t", "60", "-m", "fast"]);
    if (!result.ok) throw new Error(`pg_ctl stop failed:\n${result.output}\n${logTail()}`);
    up = false;
  };

  // A free port can be taken between probing and binding; try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    appendFileSync(
      join(dataDir, "postgresql.conf"),
      [
        "",
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${socketDir}'`,
        // Test data only: nothing here has to survive a machine crash, and a
        // fast shutdown still writes everything out before a restart.
        "fsync = off",
        "full_page_writes = off",
        // Two stores, watchers and benchmark writers each hold connections.
        "max_connections = 300",
        "",
      ].join("\n"),
    );
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= 3) {
        removeAll();
        throw error;
      }
    }
  }

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const dispose = async () => {
    try {
      await stop();
    } finally {
      removeAll();
    }
  };

  let url: string;
  try {
    url = await createDatabaseOn(adminUrl, prefix);
  } catch (error) {
    await dispose();
    throw error;
  }

  return {
    url,
    private: true,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    createDatabase: (p = "db") => createDatabaseOn(adminUrl, p),
    dispose,
  };
}

function lookupUser(name: string): { uid: number; gid: number } {
  const result = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const group = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (result.status !== 0 || group.status !== 0) {
    throw new Error(`running as root, so PostgreSQL must run as the "${name}" OS user, which does not exist (install the postgresql package)`);
  }
  return { uid: Number(result.stdout.trim()), gid: Number(group.stdout.trim()) };
}
