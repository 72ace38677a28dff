#!/usr/bin/env bun
// The `ledge` command line: parses arguments and hands over to the composition root.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readTokenFile } from "../../../client/token-file.ts";
import { parseCIDR, parsePortRange } from "../api/services/ip-range.ts";
import { CidrSet } from "../controllers/node-ipam/cidr-set.ts";
// Types only: the control plane is loaded when a command runs one, so `ledge agent` loads none of it.
import type { ControlPlaneOptions } from "../main.ts";

const USAGE = `Usage: ledge <command> [options]

Commands:
  up       Run a whole cluster in one process on embedded Postgres (PGlite), with a node agent
             --data-dir DIR   where state and the kubeconfig live (default ~/.ledge)
             --port N         API port on 127.0.0.1 (default 6443; 0 picks a free one)
             --agent-port N   the agent's log endpoint on 127.0.0.1 (default: any free port)
             --no-agent       run no node agent (pods stay Pending unless something else runs them)
             --agent-token-file PATH   as for server (default: its own agent gets a token made for the run)
  server   Run a control-plane replica against PostgreSQL
             --database-url URL   postgres://… (required)
             --bind ADDR          listen address (default 127.0.0.1)
             --port N             API port (default 6443; 0 picks a free one)
             --data-dir DIR       where the kubeconfig is written (default ~/.ledge)
             --agent-token-file PATH   the token pods/log presents to node agents (they take
                                  the same file as --token-file); without it, none is sent
  image push FILE_OR_DIR REF     Push to a registry: a .wasm file as a Wasm OCI artifact, a
                                 directory as a one-layer Linux image, a .tar/.tar.gz as its layer
             --plain-http          the registry speaks HTTP (loopback registries always may)
             --username U --password-stdin   log in (else ~/.docker/config.json, if it has one)
  image import FILE_OR_DIR --name REF   The same into a node's local image store (no registry)
             --data-dir DIR        the agent's data dir (default ~/.ledge/agent)
  agent    Run a node agent on this machine: registers it as a Node and runs its pods
             --kubeconfig PATH    credentials and server (required); \`ledge agent --help\` for more
  scheduler     Run only the scheduler, against the server of a kubeconfig
  controllers   Run only the controller manager, against the server of a kubeconfig
             --kubeconfig PATH    credentials and server (required)
             --cluster-cidr CIDR  (controllers) node pod CIDRs, as for up and server
             (each takes the same lease as its role inside ledge server: one is active at a time)
  help     Show this text

Options of up and server:
  --compaction-interval D   how often the change log is compacted, keeping one interval
                            of history for watches to resume from (default 5m; e.g. 30s, 10m, 1h)
  --service-cluster-ip-range CIDR[,CIDR]
                            ClusterIPs come from here, one CIDR per IP family (default
                            127.96.0.0/16 for up, in loopback mode; 10.96.0.0/12 for server)
  --service-node-port-range A-B   NodePorts come from here (default 30000-32767)
  --cluster-cidr CIDR       give each node a /24 pod CIDR from here (spec.podCIDR), for agents
                            in bridge mode (e.g. 10.244.0.0/16; default: none)
  --node-monitor-grace-period D   a node unheard for this long is Unknown and tainted (default 40s)
  --default-unreachable-toleration-seconds N
  --default-not-ready-toleration-seconds N
                            how long pods stay on an unreachable / not-ready node before
                            eviction, unless they say (default 300; edge links flap)
`;

class UsageError extends Error {}

const OPTIONS = {
  "data-dir": { type: "string" },
  port: { type: "string" },
  bind: { type: "string" },
  "database-url": { type: "string" },
  "compaction-interval": { type: "string" },
  "service-cluster-ip-range": { type: "string" },
  "service-node-port-range": { type: "string" },
  "cluster-cidr": { type: "string" },
  "node-monitor-grace-period": { type: "string" },
  "default-unreachable-toleration-seconds": { type: "string" },
  "default-not-ready-toleration-seconds": { type: "string" },
  "agent-port": { type: "string" },
  "agent-token-file": { type: "string" },
  "no-agent": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function parseDuration(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (!match) throw new UsageError(`${flag} must be a duration such as 30s, 5m or 1h, not "${value}"`);
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  if (ms < 1000) throw new UsageError(`${flag} must be at least 1s`);
  return ms;
}

function parseSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number of seconds, not "${value}"`);
  return Number(value);
}

/** The options every cluster has, checked here so a typo is a usage error, not a failed start. */
function clusterOptions(values: Record<string, string | boolean | undefined>) {
  const cidrs = typeof values["service-cluster-ip-range"] === "string" ? values["service-cluster-ip-range"].split(",").map((c) => c.trim()) : undefined;
  const nodePortRange = values["service-node-port-range"] as string | undefined;
  try {
    for (const cidr of cidrs ?? []) parseCIDR(cidr);
    if (nodePortRange !== undefined) parsePortRange(nodePortRange);
    if (typeof values["cluster-cidr"] === "string") new CidrSet(values["cluster-cidr"]);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const unreachable = parseSeconds(values["default-unreachable-toleration-seconds"] as string | undefined, "--default-unreachable-toleration-seconds");
  const notReady = parseSeconds(values["default-not-ready-toleration-seconds"] as string | undefined, "--default-not-ready-toleration-seconds");
  return {
    serviceCIDRs: cidrs,
    nodePortRange,
    clusterCIDR: values["cluster-cidr"] as string | undefined,
    nodeMonitorGracePeriodMs: parseDuration(values["node-monitor-grace-period"] as string | undefined, "--node-monitor-grace-period"),
    defaultTolerationSeconds: { unreachable, notReady },
  };
}

function parsePort(value: string | undefined, flag = "--port"): number {
  if (value === undefined) return 6443;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`${flag} must be a number from 0 to 65535, not "${value}"`);
  return port;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return;
  }
  if (command === "image") return imageCommand(rest);
  if (command === "agent") return agentCommand(rest);
  if (command === "scheduler" || command === "controllers") return standaloneCommand(command, rest);
  if (command !== "up" && command !== "server") throw new UsageError(`unknown command "${command}"`);
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };
  try {
    ({ values } = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const dataDir = resolve(values["data-dir"] ?? join(homedir(), ".ledge"));
  const port = parsePort(values.port);
  const compactionIntervalMs = parseDuration(values["compaction-interval"], "--compaction-interval");
  const cluster = clusterOptions(values);
  if (command === "server") {
    const databaseUrl = values["database-url"];
    if (!databaseUrl) throw new UsageError("ledge server needs --database-url postgres://…");
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new UsageError(`--database-url must start with postgres:// or postgresql://`);
    if (values.bind !== undefined && !values.bind) throw new UsageError("--bind needs an address");
    if (values["agent-port"] !== undefined || values["no-agent"]) throw new UsageError("ledge server runs no agent: --agent-port and --no-agent are options of ledge up");
    await run({ mode: "server", databaseUrl, dataDir, port, bind: values.bind ?? "127.0.0.1", compactionIntervalMs, ...cluster, ...agentToken(values["agent-token-file"]) });
  } else {
    if (values["database-url"] || values.bind) {
      throw new UsageError("ledge up takes --data-dir, --port and --compaction-interval only, besides the options of up and server");
    }
    const agentPort = values["agent-port"] === undefined ? 0 : parsePort(values["agent-port"], "--agent-port");
    if (values["no-agent"] && values["agent-port"] !== undefined) throw new UsageError("--agent-port and --no-agent do not go together");
    const agent = values["no-agent"] ? undefined : { port: agentPort };
    await run({ mode: "up", dataDir, port, bind: "127.0.0.1", compactionIntervalMs, ...cluster, agent, ...agentToken(values["agent-token-file"]) });
  }
}

/** The token of --agent-token-file, for ControlPlaneOptions (ledge up makes one for its own agent when none is given). */
function agentToken(path: string | undefined): { agentToken?: string } {
  return path === undefined ? {} : { agentToken: readTokenFile(resolve(path), "--agent-token-file") };
}

async function standaloneCommand(role: "scheduler" | "controllers", args: string[]): Promise<void> {
  let values: { kubeconfig?: string; "node-monitor-grace-period"?: string; "cluster-cidr"?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { kubeconfig: { type: "string" }, "node-monitor-grace-period": { type: "string" }, "cluster-cidr": { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!values.kubeconfig) throw new UsageError(`ledge ${role} needs --kubeconfig PATH`);
  if (role === "scheduler" && values["node-monitor-grace-period"]) throw new UsageError("--node-monitor-grace-period is an option of ledge controllers");
  if (role === "scheduler" && values["cluster-cidr"]) throw new UsageError("--cluster-cidr is an option of ledge controllers");
  try {
    if (values["cluster-cidr"] !== undefined) new CidrSet(values["cluster-cidr"]);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { startStandalone } = await import("../standalone.ts");
  const running = startStandalone(role, resolve(values.kubeconfig), {
    nodeMonitorGracePeriodMs: parseDuration(values["node-monitor-grace-period"], "--node-monitor-grace-period"),
    ...(values["cluster-cidr"] ? { clusterCIDR: values["cluster-cidr"] } : {}),
  });
  process.stdout.write(`ledge ${role} started against ${values.kubeconfig}\n`);
  const stop = async () => {
    await running.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/** Loaded on demand: the image tools are the node agent's, and only this command needs them. */
async function imageCommand(args: string[]): Promise<void> {
  const images = await import("../../../node-agent/src/images/image-cli.ts");
  try {
    await images.runImageCommand(args);
  } catch (error) {
    if (error instanceof images.ImageUsageError) throw new UsageError(error.message);
    throw error;
  }
}

/** Loaded on demand: an agent machine needs none of the control plane. */
async function agentCommand(args: string[]): Promise<void> {
  const agent = await import("../../../node-agent/src/main.ts");
  try {
    await agent.main(args);
  } catch (error) {
    if (error instanceof agent.UsageError) {
      process.stderr.write(`ledge agent: ${error.message}\n\n${agent.USAGE}`);
      process.exit(2);
    }
    throw error;
  }
}

async function run(options: ControlPlaneOptions): Promise<void> {
  const { startControlPlane } = await import("../main.ts");
  const plane = await startControlPlane(options);
  process.stdout.write(`Ledge API server listening on ${plane.url}\nkubeconfig: ${plane.kubeconfig}\n`);
  process.stdout.write(`  export KUBECONFIG=${plane.kubeconfig}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await plane.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`ledge: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  process.stderr.write(`ledge: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
