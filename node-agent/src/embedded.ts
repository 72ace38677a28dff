// The agent inside `ledge up`: the same Agent, reaching the API in-process
// (the Hono app's fetch, no socket) and serving logs on 127.0.0.1.
import { type Fetch, KubeClient } from "../../client/kube-client.ts";
import { Agent } from "./agent.ts";
import { defaultComponents } from "./components.ts";
import { defaultNodeName } from "./node/machine.ts";

export interface EmbeddedAgentOptions {
  /** The API's own fetch. */
  fetch: Fetch;
  dataDir: string;
  nodeName?: string;
  /** The log endpoint's port on 127.0.0.1 (0, the default, picks a free one; the API server reads it from the Node). */
  port?: number;
  /** The bearer token the API's pods/log proxy presents; the log endpoint refuses requests without it. */
  token?: string;
  log?: (message: string) => void;
}

export function startEmbeddedAgent(options: EmbeddedAgentOptions): Promise<Agent> {
  const nodeName = options.nodeName ?? defaultNodeName();
  const client = new KubeClient(options.fetch, "http://ledge.local", `ledge-agent/${nodeName}`);
  return Agent.start({
    client,
    nodeName,
    dataDir: options.dataDir,
    nodeIP: "127.0.0.1",
    port: options.port ?? 0,
    ...defaultComponents(options.dataDir),
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.log ? { log: options.log } : {}),
  });
}
