// A private OCI registry for tests: Debian's docker-registry (distribution 2.8) on a
// free loopback port over plain HTTP, with its storage in a temp dir, optionally
// behind htpasswd basic auth. Removed by stop(), or by a watchdog if the test
// process dies first.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./postgres.ts";

export const REGISTRY_BINARY = "/usr/bin/docker-registry";

export interface RegistryServer {
  /** "127.0.0.1:PORT": prefix image references with it. */
  readonly host: string;
  readonly storageDir: string;
  /** Where the registry keeps a blob's bytes (tests corrupt them on purpose). */
  blobDataPath(digest: string): string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Require this login (htpasswd, bcrypt). */
  auth?: { username: string; password: string };
}

const WATCHDOG = `
parent=$1; child=$2; base=$3
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
kill "$child" 2>/dev/null
rm -rf "$base"
`;

export async function startRegistry(options: RegistryOptions = {}): Promise<RegistryServer> {
  if (!existsSync(REGISTRY_BINARY)) throw new Error(`${REGISTRY_BINARY} is missing: apt-get install docker-registry`);
  const base = mkdtempSync(join(tmpdir(), "ledge-registry-"));
  const storageDir = join(base, "storage");
  const auth = options.auth
    ? `auth:\n  htpasswd:\n    realm: ledge-test\n    path: ${join(base, "htpasswd")}\n`
    : "";
  if (options.auth) {
    const hash = await Bun.password.hash(options.auth.password, { algorithm: "bcrypt", cost: 4 });
    writeFileSync(join(base, "htpasswd"), `${options.auth.username}:${hash}\n`);
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const configPath = join(base, "config.yml");
    writeFileSync(
      configPath,
      `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storageDir}
  delete:
    enabled: true
http:
  addr: ${host}
  secret: ledge-test-${port}
${auth}`,
    );
    const child = Bun.spawn([REGISTRY_BINARY, "serve", configPath], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const stderr = new Response(child.stderr).text();
    const watchdog = Bun.spawn(["setsid", "sh", "-c", WATCHDOG, "ledge-registry-watchdog", String(process.pid), String(child.pid), base], {
      stdio: ["ignore", "ignore", "ignore"],
    });
    watchdog.unref();
    const ready = await waitReady(host, child.exited);
    if (ready) {
      return {
        host,
        storageDir,
        blobDataPath: (digest) => {
          const hex = digest.slice(digest.indexOf(":") + 1);
          return join(storageDir, "docker/registry/v2/blobs", digest.slice(0, digest.indexOf(":")), hex.slice(0, 2), hex, "data");
        },
        async stop() {
          child.kill();
          await child.exited;
          watchdog.kill();
          rmSync(base, { recursive: true, force: true });
        },
      };
    }
    child.kill();
    await child.exited;
    watchdog.kill();
    if (attempt >= 3) {
      rmSync(base, { recursive: true, force: true });
      throw new Error(`docker-registry did not start on ${host}:\n${await stderr}`);
    }
  }
}

/** Polls /v2/ until the registry answers (200, or 401 with auth), or the process exits. */
async function waitReady(host: string, exited: Promise<number>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  while (!gone && Date.now() < deadline) {
    const status = await fetch(`http://${host}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200 || status === 401) return true;
    await Bun.sleep(50); // poll interval while the server binds; bounded by the deadline
  }
  return false;
}
