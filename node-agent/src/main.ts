#!/usr/bin/env bun
// `ledge agent`: a node agent on an edge machine, talking to the cluster only
// through the API server named in a kubeconfig. It needs no control-plane
// code: `ledge` loads this file for the agent command, and
// `bun node-agent/src/main.ts` runs it directly.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Fetch } from "../../client/kube-client.ts";
import { clientFromKubeconfig, readKubeconfig } from "../../client/kubeconfig.ts";
import { readTokenFile } from "../../client/token-file.ts";
import { Agent, DEFAULT_AGENT_PORT, DEFAULT_MAX_PODS } from "./agent.ts";
import { defaultComponents, WASM_ENGINE_CHOICES, type WasmEngineChoice } from "./components.ts";
import { DEFAULT_LOOPBACK_POD_CIDR } from "./network/loopback-network.ts";
import { ipv4Range } from "./network/pod-network.ts";
import { defaultNodeIP, defaultNodeName } from "./node/machine.ts";

export const USAGE = `Usage: ledge agent --kubeconfig PATH [options]

Runs a node agent: registers this machine as a Node and runs the pods bound to it.

Options:
  --kubeconfig PATH   the cluster's server and credentials (required)
  --server URL        the API server's URL, instead of the kubeconfig's
  --name NAME         the node's name (default: this host's name, lower-cased)
  --data-dir DIR      the agent's database, images, volumes and logs (default ~/.ledge/agent,
                      where ledge up keeps its agent's: one agent per data dir)
  --node-ip IP        the node's InternalIP; the log endpoint listens there (default: the
                      first non-loopback IPv4 address)
  --port N            the log endpoint's port (default ${DEFAULT_AGENT_PORT}; 0 picks a free one)
  --max-pods N        pods this node takes at most (default ${DEFAULT_MAX_PODS})
  --pod-cidr CIDR     pod addresses in loopback mode, inside 127.0.0.0/8 (default ${DEFAULT_LOOPBACK_POD_CIDR})
  --network MODE      loopback (default: one node, no root) or bridge (multi-node, root): pods get
                      addresses from the node's spec.podCIDR (ledge server --cluster-cidr) on a
                      bridge, OCI pods their own network namespace; give --node-ip with it
  --instance-type T   the node.kubernetes.io/instance-type label (e.g. rpi4)
  --token-file PATH   the log endpoint answers only requests carrying this file's token as
                      "Authorization: Bearer", as the API server sends it (ledge server
                      --agent-token-file); without it the endpoint serves anyone who reaches it
  --wasm-engine E     auto, wasmtime or jco: the engine for Wasm pods that name no RuntimeClass
                      (default auto: wasmtime when built, else jco)
`;

export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly usage = USAGE;
}

const OPTIONS = {
  kubeconfig: { type: "string" },
  server: { type: "string" },
  name: { type: "string" },
  "data-dir": { type: "string" },
  "node-ip": { type: "string" },
  port: { type: "string" },
  "max-pods": { type: "string" },
  "pod-cidr": { type: "string" },
  network: { type: "string" },
  "instance-type": { type: "string" },
  "token-file": { type: "string" },
  "wasm-engine": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** API calls give up after this long (watches excepted): a node on a dead link must not wait forever. */
const REQUEST_TIMEOUT_MS = 15_000;

export interface AgentCommand {
  kubeconfig: string;
  server?: string;
  name: string;
  dataDir: string;
  nodeIP: string;
  port: number;
  maxPods: number;
  podCIDR: string;
  /** Absent: loopback. */
  network?: "bridge";
  instanceType?: string;
  /** The log endpoint's bearer token is read from here. */
  tokenFile?: string;
  /** Absent: auto. */
  wasmEngine?: WasmEngineChoice;
}

export function parseAgentArgs(argv: string[]): AgentCommand | "help" {
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  if (!values.kubeconfig) throw new UsageError("ledge agent needs --kubeconfig PATH (the cluster's server and credentials)");
  if (values.server !== undefined && !/^https?:\/\/[^/]/.test(values.server)) throw new UsageError(`--server must be an http:// or https:// URL, not "${values.server}"`);
  const name = values.name ?? defaultNodeName();
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name) || name.length > 253) {
    throw new UsageError(`--name must be a DNS subdomain (lower-case letters, digits, '-' and '.'), not "${name}"`);
  }
  const nodeIP = values["node-ip"] ?? defaultNodeIP();
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(nodeIP) && !nodeIP.includes(":")) throw new UsageError(`--node-ip must be an IP address, not "${nodeIP}"`);
  const podCIDR = values["pod-cidr"] ?? DEFAULT_LOOPBACK_POD_CIDR;
  if (values.network !== undefined && values.network !== "loopback" && values.network !== "bridge") {
    throw new UsageError(`--network must be loopback or bridge, not "${values.network}"`);
  }
  if (values.network === "bridge" && values["pod-cidr"] !== undefined) throw new UsageError("--pod-cidr is loopback mode's; in bridge mode the node's pod CIDR comes from the control plane");
  try {
    const { first } = ipv4Range(podCIDR);
    if (Math.floor(first / 2 ** 24) !== 127) throw new Error(`--pod-cidr ${podCIDR} must lie inside 127.0.0.0/8 (loopback mode)`);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    kubeconfig: resolve(values.kubeconfig),
    ...(values.server ? { server: values.server } : {}),
    name,
    dataDir: resolve(values["data-dir"] ?? join(homedir(), ".ledge", "agent")),
    nodeIP,
    port: wholeNumber(values.port, "--port", DEFAULT_AGENT_PORT, 65535),
    maxPods: wholeNumber(values["max-pods"], "--max-pods", DEFAULT_MAX_PODS, 10_000),
    podCIDR,
    ...(values.network === "bridge" ? { network: "bridge" as const } : {}),
    ...(values["instance-type"] ? { instanceType: instanceTypeOf(values["instance-type"]) } : {}),
    ...(values["token-file"] ? { tokenFile: resolve(values["token-file"]) } : {}),
    ...(values["wasm-engine"] !== undefined ? { wasmEngine: wasmEngineOf(values["wasm-engine"]) } : {}),
  };
}

function wasmEngineOf(value: string): WasmEngineChoice {
  if (!(WASM_ENGINE_CHOICES as readonly string[]).includes(value)) throw new UsageError(`--wasm-engine must be one of ${WASM_ENGINE_CHOICES.join(", ")}, not "${value}"`);
  return value as WasmEngineChoice;
}

function instanceTypeOf(value: string): string {
  if (!/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(value)) throw new UsageError(`--instance-type must be a label value (letters, digits, '-', '_', '.'), not "${value}"`);
  return value;
}

function wholeNumber(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > max) throw new UsageError(`${flag} must be a whole number from 0 to ${max}, not "${value}"`);
  return Number(value);
}

/** Bounded requests, except watches, which end on their own (timeoutSeconds) and are restarted when the link comes back. */
export const timedFetch: Fetch = (request) => {
  if (new URL(request.url).searchParams.get("watch") === "1") return fetch(request);
  const signal = request.signal ? AbortSignal.any([request.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) : AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return fetch(new Request(request, { signal }));
};

/** Runs `ledge agent`; resolves once the agent is up (it then runs until SIGINT or SIGTERM). */
export async function main(argv: string[]): Promise<void> {
  const command = parseAgentArgs(argv);
  if (command === "help") {
    process.stdout.write(USAGE);
    return;
  }
  // Read first so that a bad kubeconfig is a clear error, not a failed request later.
  readKubeconfig(command.kubeconfig);
  const client = clientFromKubeconfig(command.kubeconfig, `ledge-agent/${command.name}`, command.server, timedFetch);
  const token = command.tokenFile === undefined ? undefined : readTokenFile(command.tokenFile, "--token-file");
  const components = defaultComponents(command.dataDir, command.wasmEngine);
  const agent = await Agent.start({
    client,
    nodeName: command.name,
    dataDir: command.dataDir,
    nodeIP: command.nodeIP,
    port: command.port,
    maxPods: command.maxPods,
    podCIDR: command.podCIDR,
    ...(command.network === "bridge" ? { bridge: {} } : {}),
    ...(command.instanceType ? { instanceType: command.instanceType } : {}),
    ...(token === undefined ? {} : { token }),
    ...components,
  });
  process.stdout.write(`Ledge agent for node ${command.name} running; logs served on ${agent.url}\n`);
  if (token === undefined) process.stderr.write(`ledge agent: no --token-file: ${agent.url} serves pod logs to anyone who reaches it\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await agent.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`ledge agent: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`ledge agent: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
