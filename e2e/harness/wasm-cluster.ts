// `ledge up` with its agent, and the e2e Wasm images imported into the agent's
// store with `ledge image import`: localhost/e2e/hello:1 (a WASI command) and
// localhost/e2e/echo:1 (a wasi:http component).
import { dirname, join, resolve } from "node:path";
import { buildFixtures } from "../../node-agent/src/runtime/testdata/fixtures.ts";
import { type Cluster, type KubectlOptions, startCluster } from "./cluster.ts";

const CLI = resolve(import.meta.dir, "../../control-plane/src/cli/main.ts");

/** Starts the cluster while the fixtures build (a minute or more cold), then imports them. */
export async function startWasmCluster(): Promise<Cluster> {
  const [cluster, fixtures] = await Promise.all([startCluster("up", { agent: true }), buildFixtures()]);
  const agentDataDir = join(dirname(cluster.kubeconfig), "agent");
  for (const [name, reference] of [["hello", "localhost/e2e/hello:1"], ["http-echo", "localhost/e2e/echo:1"]] as const) {
    const imported = Bun.spawnSync([process.execPath, CLI, "image", "import", fixtures[name].path, "--name", reference, "--data-dir", agentDataDir]);
    if (imported.exitCode !== 0) throw new Error(`ledge image import ${name}: ${imported.stderr.toString()}`);
  }
  return cluster;
}

/** kubectl that must succeed; returns its stdout, or fails with its stderr and the cluster's logs. */
export async function kubectlOk(cluster: Cluster, args: string[], options: KubectlOptions = {}): Promise<string> {
  const result = await cluster.kubectl(args, options);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${result.code}\n${result.stderr}\n${cluster.logs()}`);
  return result.stdout;
}
