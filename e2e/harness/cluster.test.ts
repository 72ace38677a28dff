// The cluster harness keeps its promises: kubectl reaches the cluster in both
// modes, and nothing (no process, no file) outlives the cluster, even when the
// test process that started it is killed.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { type ClusterMode, eventually, startCluster } from "./cluster.ts";
import { POSTGRES_UNAVAILABLE, postgresAvailable } from "./postgres.ts";

if (!postgresAvailable()) console.warn(POSTGRES_UNAVAILABLE);

const refusesConnections = async (url: string): Promise<boolean> =>
  fetch(`${url}/livez`).then(
    () => false,
    () => true,
  );

/** The temp dir the harness made: the kubeconfig sits in its data dir. */
const tempDirOf = (kubeconfig: string): string => dirname(dirname(kubeconfig));

// Each test starts a Bun process that opens a database: more than the default 5 s on a busy machine.
setDefaultTimeout(60_000);

const modes: ClusterMode[] = postgresAvailable() ? ["up", "server"] : ["up"];

describe.each(modes)("ledge %s", (mode) => {
  test("kubectl reaches it through the written kubeconfig; stop ends Ledge and removes its files", async () => {
    const cluster = await startCluster(mode);
    let stopped = false;
    try {
      expect(cluster.mode).toBe(mode);
      expect(cluster.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ns = await cluster.namespace("harness");
      const result = await cluster.kubectl(["get", "namespace", ns, "-o", "name"]);
      expect(result).toEqual({ code: 0, stdout: `namespace/${ns}\n`, stderr: "" });
      const piped = await cluster.kubectl(["apply", "-n", ns, "-f", "-"], { stdin: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}' });
      expect(piped.stdout).toBe("configmap/c created\n");

      await cluster.stop();
      stopped = true;
      expect(await refusesConnections(cluster.url)).toBe(true);
      expect(existsSync(tempDirOf(cluster.kubeconfig))).toBe(false);
    } finally {
      if (!stopped) await cluster.stop();
    }
  });
});

test("a Ledge that cannot start fails the start with its output", async () => {
  const start = startCluster("server", { databaseUrl: "postgres://nobody@127.0.0.1:1/none" });
  await expect(start).rejects.toThrow(/exited with code 1 before it was listening[\s\S]*cannot open the database/);
});

test("when the test process is killed, its cluster stops and its files go", async () => {
  const harness = join(import.meta.dir, "cluster.ts");
  const script = `
    const { startCluster } = await import(${JSON.stringify(harness)});
    const cluster = await startCluster("up");
    console.log(JSON.stringify({ url: cluster.url, kubeconfig: cluster.kubeconfig }));
    setInterval(() => {}, 1 << 30);
  `;
  const runner = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" });
  let line = "";
  const decoder = new TextDecoder();
  for await (const chunk of runner.stdout as unknown as AsyncIterable<Uint8Array>) {
    line += decoder.decode(chunk, { stream: true });
    if (line.includes("\n")) break;
  }
  const { url, kubeconfig } = JSON.parse(line) as { url: string; kubeconfig: string };
  expect(await refusesConnections(url)).toBe(false);

  runner.kill("SIGKILL");
  await runner.exited;
  await eventually("the watchdog to stop Ledge", () => refusesConnections(url));
  await eventually("the watchdog to remove the temp dir", () => !existsSync(tempDirOf(kubeconfig)));
});
