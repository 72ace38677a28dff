// The command line as a user meets it: clear messages and exit code 2 for bad usage.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLI = join(import.meta.dir, "main.ts");

async function ledge(...args: string[]) {
  const child = Bun.spawn([process.execPath, CLI, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}

test("help lists the commands", async () => {
  const r = await ledge("help");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("ledge <command>");
  expect(r.stdout).toContain("server");
});

test.each([
  [["frob"], 'unknown command "frob"'],
  [["server"], "ledge server needs --database-url"],
  [["server", "--database-url", "mysql://x"], "--database-url must start with postgres://"],
  [["up", "--port", "99999"], '--port must be a number from 0 to 65535, not "99999"'],
  [["up", "--port", "abc"], '--port must be a number from 0 to 65535, not "abc"'],
  [["up", "--compaction-interval", "5x"], "--compaction-interval must be a duration"],
  [["up", "--bogus"], "Unknown option '--bogus'"],
  [["scheduler"], "ledge scheduler needs --kubeconfig PATH"],
  [["controllers", "--kubeconfig"], "Option '--kubeconfig <value>' argument missing"],
  [["up", "--bind", "0.0.0.0"], "ledge up takes --data-dir, --port and --compaction-interval only"],
  [["up", "--service-cluster-ip-range", "10.96.0.1/12"], "service CIDR 10.96.0.1/12 has host bits set"],
  [["server", "--database-url", "postgres://x/y", "--service-node-port-range", "32767-30000"], '"32767-30000" is not a port range'],
  [["up", "--default-unreachable-toleration-seconds", "5m"], "--default-unreachable-toleration-seconds must be a whole number of seconds"],
  [["server", "--database-url", "postgres://x/y", "--cluster-cidr", "10.244.0.1/16"], "--cluster-cidr 10.244.0.1/16: CIDR 10.244.0.1/16 has host bits set"],
  [["up", "--cluster-cidr", "10.244.0.0/26"], "do not fit in --cluster-cidr"],
  [["scheduler", "--kubeconfig", "k", "--cluster-cidr", "10.244.0.0/16"], "--cluster-cidr is an option of ledge controllers"],
])("ledge %p fails with a clear message", async (args, message) => {
  const r = await ledge(...args);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(message);
  expect(r.stderr).toContain("Usage: ledge");
});

test("an unreachable database is named in the error, without its password", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "ledge-cli-"));
  const r = await ledge("server", "--database-url", "postgres://u:secret@127.0.0.1:1/db", "--port", "0", "--data-dir", dataDir).finally(() =>
    rmSync(dataDir, { recursive: true, force: true }),
  );
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("cannot open the database at postgres://u:***@127.0.0.1:1/db");
  expect(r.stderr).not.toContain("secret");
});

test("a standalone role with an unreadable kubeconfig says which file", async () => {
  const r = await ledge("controllers", "--kubeconfig", "/nonexistent/kubeconfig");
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("cannot read kubeconfig /nonexistent/kubeconfig");
});

test("an unreadable --agent-token-file says which file, before anything starts", async () => {
  const r = await ledge("server", "--database-url", "postgres://u@127.0.0.1:1/db", "--agent-token-file", "/nonexistent/token");
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("cannot read --agent-token-file /nonexistent/token");
});
