// The setup the agent's tests against an in-process API share: one API server
// for the file, a test agent per test (cleaned up after it) on a fresh node
// name, and pod helpers bound to both.
import { afterAll, afterEach, beforeAll } from "bun:test";
import type { KubeObject } from "../../../client/kube-client.ts";
import { type InProcessApi, inProcessApi } from "../../../e2e/harness/in-process-api.ts";
import type { Pod } from "../../../schemas/index.ts";
import { getPod, podsResource, testPod, unique } from "./pods.ts";
import { startTestAgent, type TestAgent, type TestAgentOptions } from "./test-agent.ts";

export interface AgentSuite {
  readonly api: InProcessApi;
  /** The current test's agent (a test that restarts it sets the successor here, so it is cleaned up). */
  node: TestAgent;
  readonly nodeName: string;
  /** Starts this test's agent on a new node name. */
  agent(options?: TestAgentOptions): Promise<TestAgent>;
  /** Creates a pod bound to the current node. */
  create(name: string, spec?: Parameters<typeof testPod>[2]): Promise<KubeObject>;
  pod(name: string): Promise<Pod | undefined>;
}

/** Registers the file's hooks; call once at the top level of a test file. */
export function agentSuite(nodePrefix = "node"): AgentSuite {
  let api: InProcessApi;
  let node: TestAgent;
  let nodeName: string;

  beforeAll(async () => {
    api = await inProcessApi();
  });

  afterAll(async () => {
    await api.close();
  });

  afterEach(async () => {
    await node?.cleanup();
  });

  return {
    get api() {
      return api;
    },
    get node() {
      return node;
    },
    set node(next: TestAgent) {
      node = next;
    },
    get nodeName() {
      return nodeName;
    },
    async agent(options = {}) {
      nodeName = unique(nodePrefix);
      node = await startTestAgent(api.client, { nodeName, ...options });
      return node;
    },
    create: (name, spec = {}) => api.admin.create(podsResource, testPod(name, nodeName, spec)),
    pod: (name) => getPod(api.admin, name),
  };
}
