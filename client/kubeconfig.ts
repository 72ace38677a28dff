// Reads the server URL (and a bearer token, if any) of the current context of a kubeconfig.
import { readFileSync } from "node:fs";
import { type Fetch, KubeClient } from "./kube-client.ts";

export interface KubeconfigTarget {
  server: string;
  token?: string;
  namespace?: string;
}

interface Named<T> {
  name: string;
  [key: string]: T | string;
}

export function readKubeconfig(path: string): KubeconfigTarget {
  let config: Record<string, unknown>;
  try {
    // Bun's own parser: the yaml package cost an idle agent about 4 MB of its resident memory.
    config = Bun.YAML.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot read kubeconfig ${path}: ${(error as Error).message}`, { cause: error });
  }
  const find = <T>(list: unknown, name: unknown, field: string): T | undefined =>
    (list as Named<T>[] | undefined)?.find((entry) => entry.name === name)?.[field] as T | undefined;
  const contextName = config["current-context"];
  const context = find<{ cluster?: string; user?: string; namespace?: string }>(config.contexts, contextName, "context");
  if (!context) throw new Error(`kubeconfig ${path} has no context "${String(contextName)}"`);
  const cluster = find<{ server?: string }>(config.clusters, context.cluster, "cluster");
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: cluster "${context.cluster}" has no server`);
  const user = find<{ token?: string }>(config.users, context.user, "user");
  return { server: cluster.server, token: user?.token, namespace: context.namespace };
}

/** A client for the kubeconfig's current context over the network (through `transport`, global fetch by default). */
export function clientFromKubeconfig(path: string, userAgent: string, serverOverride?: string, transport: Fetch = fetch): KubeClient {
  const target = readKubeconfig(path);
  const fetchWithAuth: Fetch = (request) => {
    if (target.token) request.headers.set("authorization", `Bearer ${target.token}`);
    return transport(request);
  };
  return new KubeClient(fetchWithAuth, serverOverride ?? target.server, userAgent);
}
