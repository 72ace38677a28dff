// A real multi-node Ledge cluster on one machine: a private PostgreSQL (the
// Postgres harness), `ledge server` bound to the test bridge's host address
// with a cluster CIDR, and one `ledge agent --network bridge` per node, each
// inside its node's network namespace with its own data dir. Images are
// imported into each agent's store (`ledge image import`) — the nodes cannot
// reach a registry on the host's loopback — so pods use imagePullPolicy Never.
import type { Subprocess } from "bun";
import { join, resolve } from "node:path";
import { type Cluster, eventually, ledgeEnv, startCluster } from "../harness/cluster.ts";
import { TestNetwork, type TestNode } from "./test-network.ts";

const REPO_ROOT = resolve(import.meta.dir, "../..");
const CLI = join(REPO_ROOT, "control-plane/src/cli/main.ts");
export const CLUSTER_CIDR = "10.244.0.0/16";
export const SERVICE_CIDR = "10.96.0.0/16";
const AGENT_STOP_GRACE_MS = 15_000;

export interface AgentProcess {
  node: TestNode;
  dataDir: string;
  logs(lines?: number): string;
  stop(): Promise<void>;
}

export interface MultiNodeCluster {
  network: TestNetwork;
  cluster: Cluster;
  agents: AgentProcess[];
  /** kubectl that must succeed; its stdout. */
  ok(args: string[], options?: { stdin?: string; timeoutMs?: number }): Promise<string>;
  /** kubectl … -o json, parsed. */
  json<T = any>(args: string[]): Promise<T>;
  /** The server's and every agent's last lines, for failure messages. */
  logs(lines?: number): string;
  stop(): Promise<void>;
}

export interface MultiNodeOptions {
  nodes?: number;
  /** Files or directories to import into every node's image store, by reference. */
  images: { path: string; reference: string }[];
  /** --node-monitor-grace-period of the control plane (agents renew their lease every 10 s). */
  nodeMonitorGracePeriod?: string;
}

async function drain(stream: ReadableStream<Uint8Array>, sink: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) sink(decoder.decode(chunk, { stream: true }));
}

async function importImage(dataDir: string, path: string, reference: string): Promise<void> {
  const child = Bun.spawn([process.execPath, CLI, "image", "import", path, "--name", reference, "--data-dir", dataDir], { cwd: REPO_ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`ledge image import ${path} --name ${reference}: ${stderr}`);
}

function startAgent(network: TestNetwork, node: TestNode, kubeconfig: string): AgentProcess {
  const dataDir = join(network.baseDir, node.name);
  const argv = network.inNode(node, [process.execPath, CLI, "agent", "--kubeconfig", kubeconfig, "--name", node.name, "--data-dir", dataDir, "--node-ip", node.ip, "--network", "bridge"]);
  const child: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(argv, { cwd: REPO_ROOT, env: ledgeEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let output = "";
  const drained = Promise.all([drain(child.stdout, (s) => (output += s)), drain(child.stderr, (s) => (output += s))]);
  return {
    node,
    dataDir,
    logs: (lines = 30) => `--- agent ${node.name} ---\n${output.split("\n").slice(-lines).join("\n")}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), AGENT_STOP_GRACE_MS);
        await child.exited;
        clearTimeout(timer);
      }
      await drained;
    },
  };
}

export async function startMultiNode(options: MultiNodeOptions): Promise<MultiNodeCluster> {
  const network = await TestNetwork.create(options.nodes ?? 3);
  let cluster: Cluster | undefined;
  const agents: AgentProcess[] = [];
  const stop = async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cluster?.stop();
    await network.destroy();
  };
  try {
    cluster = await startCluster("server", {
      args: [
        "--bind",
        network.hostIP,
        "--cluster-cidr",
        CLUSTER_CIDR,
        // Clear of the nodes' 10.99.x.0/24 (the default 10.96.0.0/12 holds it).
        "--service-cluster-ip-range",
        SERVICE_CIDR,
        "--node-monitor-grace-period",
        options.nodeMonitorGracePeriod ?? "40s",
      ],
    });
    const server = cluster;
    for (const node of network.nodes) {
      for (const image of options.images) await importImage(join(network.baseDir, node.name), image.path, image.reference);
    }
    for (const node of network.nodes) agents.push(startAgent(network, node, server.kubeconfig));
    const logs = (lines = 30) => [server.logs(lines), ...agents.map((a) => a.logs(lines))].join("\n");
    const ok = async (args: string[], opts: { stdin?: string; timeoutMs?: number } = {}) => {
      const result = await server.kubectl(args, opts);
      if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${result.code}\n${result.stderr}\n${logs()}`);
      return result.stdout;
    };
    const json = async (args: string[]) => JSON.parse(await ok([...args, "-o", "json"]));
    await eventually(
      `${network.nodes.length} Ready nodes with pod CIDRs`,
      async () => {
        const result = await server.kubectl(["get", "nodes", "-o", "json"]);
        if (result.code !== 0) return false;
        const items = (JSON.parse(result.stdout) as { items: any[] }).items;
        return items.length === network.nodes.length && items.every((n) => n.spec?.podCIDR && n.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"));
      },
      120_000,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${logs()}`);
    });
    return { network, cluster: server, agents, ok, json, logs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const HTTP_GET = join(import.meta.dir, "http-get.ts");

/** GET `url` from inside a network namespace (a node's or a pod's): status and body, or undefined when it failed. */
export async function httpGetIn(netnsPath: string, url: string): Promise<{ status: number; body: string } | undefined> {
  const child = Bun.spawn(["nsenter", `--net=${netnsPath}`, process.execPath, HTTP_GET, url], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`GET ${url} in ${netnsPath}: exit ${code}: ${err}`);
  const result = JSON.parse(out) as { status?: number; body?: string; error?: string };
  return result.status === undefined ? undefined : { status: result.status, body: result.body ?? "" };
}
