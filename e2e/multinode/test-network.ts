// The machines of a multi-node test, on one host: a network namespace per
// node, each with a veth pair into a test bridge in the host's namespace,
// which holds the subnet's first address (the control plane binds there, and
// the test process reaches NodePorts from there: outside every node). The
// subnet is a free /24 of 10.99.0.0/16, so runs side by side do not meet.
//
// Everything is named after a random id (bridge lmn<id>, namespaces
// lmn<id>-n1 …, node names mn<id>-1 …) and removed by destroy() — the
// nodes' namespaces, the bridge, and the pod namespaces their agents made —
// or, when the test process dies first, by a watchdog running the same
// script.
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestNode {
  /** The Node's name (and its agent's --name). */
  name: string;
  /** Its network namespace (`ip netns`). */
  netns: string;
  /** Its address (--node-ip). */
  ip: string;
  /** The host end of its link, which cut() takes down. */
  hostVeth: string;
}

const run = async (argv: string[]): Promise<{ code: number; out: string }> => {
  const child = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, out: out + err };
};

const must = async (argv: string[]): Promise<string> => {
  const { code, out } = await run(argv);
  if (code !== 0) throw new Error(`\`${argv.join(" ")}\` failed (exit ${code}): ${out.trim()}`);
  return out;
};

/** Why these tests cannot run here, or undefined when they can. */
export function multinodeUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "multi-node tests need root (network namespaces)";
  for (const tool of ["ip", "nsenter", "runc", "kubectl"]) if (Bun.which(tool) === null) return `multi-node tests need ${tool}`;
  return undefined;
}

/**
 * Removes, in order: what still runs in the nodes' namespaces (agents, Wasm
 * pods), the containers runc still runs for the agents, the pods' namespaces,
 * the nodes', the bridge, the containers' root file systems, the data dirs.
 */
const CLEANUP = `
id=$1; base=$2
for ns in $(ip netns list | awk '{print $1}' | grep -E "^lmn$id-"); do
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
done
for state in "$base"/*/oci/runc; do
  [ -d "$state" ] || continue
  for c in $(runc --root "$state" list -q 2>/dev/null); do runc --root "$state" delete --force "$c" >/dev/null 2>&1; done
done
for ns in $(ip netns list | awk '{print $1}' | grep -E "^(ledge-mn$id-|lmn$id-)"); do ip netns del "$ns" 2>/dev/null; done
ip link del "lmn$id" 2>/dev/null
# Root file systems of containers that outlived their agent are still mounted.
for m in $(awk -v base="$base/" 'index($2, base) == 1 {print $2}' /proc/mounts | sort -r); do umount "$m" 2>/dev/null || umount -l "$m"; done
rm -rf "$base"
exit 0
`;

const WATCHDOG = `
while kill -0 "$1" 2>/dev/null; do sleep 1; done
shift
${CLEANUP}
`;

export class TestNetwork {
  readonly nodes: TestNode[];
  /** The agents' data dirs go in here (removed by destroy(), runc's containers first). */
  readonly baseDir: string;
  #destroyed = false;

  private constructor(
    readonly id: string,
    readonly bridge: string,
    /** The host's address on the bridge: the control plane's, and "outside the nodes". */
    readonly hostIP: string,
    readonly subnet: string,
    count: number,
  ) {
    const prefix = subnet.split(".").slice(0, 3).join(".");
    this.baseDir = join(tmpdir(), `ledge-mn${id}`);
    mkdirSync(this.baseDir, { recursive: true });
    this.nodes = Array.from({ length: count }, (_, i) => ({
      name: `mn${id}-${i + 1}`,
      netns: `lmn${id}-n${i + 1}`,
      ip: `${prefix}.${11 + i}`,
      hostVeth: `lmn${id}n${i + 1}`,
    }));
  }

  static async create(count: number): Promise<TestNetwork> {
    const id = crypto.randomUUID().slice(0, 4);
    const used = await must(["ip", "-o", "-4", "route", "show", "table", "all"]);
    const free = Array.from({ length: 256 }, (_, i) => i).filter((octet) => !used.includes(`10.99.${octet}.`));
    const octet = free[Math.floor(Math.random() * free.length)];
    if (octet === undefined) throw new Error("no free /24 in 10.99.0.0/16 for the test network");
    const network = new TestNetwork(id, `lmn${id}`, `10.99.${octet}.1`, `10.99.${octet}.0/24`, count);
    try {
      await network.#build();
    } catch (error) {
      await network.destroy();
      throw error;
    }
    return network;
  }

  async #build(): Promise<void> {
    // Armed before anything exists, so a test process killed half way still leaves nothing.
    const detach = 'setsid sh -c "$0" ledge-multinode-watchdog "$@" </dev/null >/dev/null 2>&1 &';
    Bun.spawnSync(["sh", "-c", detach, WATCHDOG, String(process.pid), this.id, this.baseDir]);
    await must(["ip", "link", "add", this.bridge, "type", "bridge"]);
    await must(["ip", "addr", "add", `${this.hostIP}/24`, "dev", this.bridge]);
    await must(["ip", "link", "set", this.bridge, "up"]);
    for (const node of this.nodes) {
      await must(["ip", "netns", "add", node.netns]);
      await must(["ip", "link", "add", node.hostVeth, "type", "veth", "peer", "name", "eth0", "netns", node.netns]);
      await must(["ip", "link", "set", node.hostVeth, "master", this.bridge, "up"]);
      await must(["ip", "-n", node.netns, "link", "set", "lo", "up"]);
      await must(["ip", "-n", node.netns, "addr", "add", `${node.ip}/24`, "dev", "eth0"]);
      await must(["ip", "-n", node.netns, "link", "set", "eth0", "up"]);
    }
  }

  /** argv run inside the node's namespace (network only: files and mounts are the host's, as for `ip netns` pods). */
  inNode(node: TestNode, argv: string[]): string[] {
    return ["nsenter", `--net=/run/netns/${node.netns}`, ...argv];
  }

  /** Cuts the node off the network (its link down), or brings it back. */
  async cut(node: TestNode, off = true): Promise<void> {
    await must(["ip", "link", "set", node.hostVeth, off ? "down" : "up"]);
  }

  /** The pod namespaces the nodes' agents made. */
  async podNamespaces(): Promise<string[]> {
    const out = await must(["ip", "netns", "list"]);
    return out
      .split("\n")
      .map((line) => line.split(" ")[0] ?? "")
      .filter((name) => name.startsWith(`ledge-mn${this.id}-`));
  }

  /** Removes everything; safe to call twice. Stop the agents first (their containers are removed here). */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    await must(["sh", "-c", CLEANUP, "ledge-multinode-cleanup", this.id, this.baseDir]);
  }
}
