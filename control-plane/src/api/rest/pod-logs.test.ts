// pods/log through app.request(): answered from the pod where it can be,
// otherwise proxied to the agent of the pod's node (here a stand-in agent on
// loopback), its query passed on and its body streamed back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openStore } from "../../storage/open.ts";
import type { SqlStore } from "../../storage/sql/sql-store.ts";
import { createApp } from "../app.ts";
import { bootstrap } from "../bootstrap.ts";

let store: SqlStore;
let app: ReturnType<typeof createApp>;
let agent: ReturnType<typeof Bun.serve>;
const seen: URL[] = [];

beforeAll(async () => {
  store = await openStore();
  app = createApp({ store });
  await bootstrap(app);
  agent = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      seen.push(url);
      if (url.pathname.endsWith("/missing/app")) return new Response("pod default/missing is not running on this node", { status: 404 });
      if (url.searchParams.get("follow") === "true") {
        let count = 0;
        return new Response(
          new ReadableStream({
            pull(controller) {
              controller.enqueue(new TextEncoder().encode(`line ${++count}\n`));
              if (count === 3) controller.close();
            },
          }),
        );
      }
      return new Response("hello\nworld\n");
    },
  });
  await json("POST", "/api/v1/nodes", node("edge-1", agent.port!));
  await json("POST", "/api/v1/nodes", node("silent", undefined));
  await json("POST", "/api/v1/nodes", node("down", 1));
  await json("POST", "/api/v1/namespaces/default/pods", pod("web", "edge-1", ["app"]));
  await json("POST", "/api/v1/namespaces/default/pods", pod("pair", "edge-1", ["app", "sidecar"], ["setup"]));
  await json("POST", "/api/v1/namespaces/default/pods", pod("missing", "edge-1", ["app"]));
  await json("POST", "/api/v1/namespaces/default/pods", pod("unbound", undefined, ["app"]));
  await json("POST", "/api/v1/namespaces/default/pods", pod("quiet", "silent", ["app"]));
  await json("POST", "/api/v1/namespaces/default/pods", pod("offline", "down", ["app"]));
  await json("POST", "/api/v1/namespaces/default/pods", pod("waiting", "edge-1", ["app"]));
  await json("PATCH", "/api/v1/namespaces/default/pods/waiting/status", {
    status: { containerStatuses: [{ name: "app", ready: false, restartCount: 0, image: "x", imageID: "", state: { waiting: { reason: "ImagePullBackOff" } }, lastState: {} }] },
  });
});

afterAll(async () => {
  await agent.stop(true);
  await store.close();
});

async function json(method: string, path: string, body: unknown) {
  const contentType = method === "PATCH" ? "application/merge-patch+json" : "application/json";
  const response = await app.request(path, { method, headers: { "content-type": contentType }, body: JSON.stringify(body) });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
}

const node = (name: string, port: number | undefined) => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name },
  status: { addresses: [{ type: "InternalIP", address: "127.0.0.1" }], ...(port ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}) },
});

const pod = (name: string, nodeName: string | undefined, containers: string[], initContainers: string[] = []) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: {
    ...(nodeName ? { nodeName } : {}),
    containers: containers.map((c) => ({ name: c, image: "x" })),
    ...(initContainers.length ? { initContainers: initContainers.map((c) => ({ name: c, image: "x" })) } : {}),
  },
});

const logs = (pod: string, query = "") => app.request(`/api/v1/namespaces/default/pods/${pod}/log${query}`);

describe("proxied to the node's agent", () => {
  test("the only container's logs, the query passed on", async () => {
    const response = await logs("web", "?tailLines=10&timestamps=true&sinceSeconds=60&limitBytes=100&previous=true&pretty=true");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/plain");
    expect(await response.text()).toBe("hello\nworld\n");
    const url = seen.at(-1)!;
    expect(url.pathname).toBe("/containerLogs/default/web/app");
    expect(Object.fromEntries(url.searchParams)).toEqual({ tailLines: "10", timestamps: "true", sinceSeconds: "60", limitBytes: "100", previous: "true" });
  });

  test("follow streams", async () => {
    const response = await logs("pair", "?container=sidecar&follow=true");
    expect(await response.text()).toBe("line 1\nline 2\nline 3\n");
    expect(seen.at(-1)!.pathname).toBe("/containerLogs/default/pair/sidecar");
  });

  test("the agent's 404 becomes a NotFound Status", async () => {
    const response = await logs("missing");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ kind: "Status", reason: "NotFound", message: "pod default/missing is not running on this node" });
  });
});

describe("an agent that requires a token", () => {
  let locked: ReturnType<typeof Bun.serve>;
  const presented: (string | null)[] = [];

  beforeAll(async () => {
    locked = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request) {
        presented.push(request.headers.get("authorization"));
        return request.headers.get("authorization") === "Bearer agent-token" ? new Response("secret\n") : new Response("Unauthorized", { status: 401 });
      },
    });
    await json("POST", "/api/v1/nodes", node("locked", locked.port!));
    await json("POST", "/api/v1/namespaces/default/pods", pod("guarded", "locked", ["app"]));
  });

  afterAll(async () => {
    await locked.stop(true);
  });

  test("gets the API server's agent token", async () => {
    const withToken = createApp({ store, agentToken: "agent-token" });
    const response = await withToken.request("/api/v1/namespaces/default/pods/guarded/log");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("secret\n");
    expect(presented.at(-1)).toBe("Bearer agent-token");
  });

  test.each([
    ["no token", undefined, "presents none (ledge server --agent-token-file)"],
    ["another token", "stale", "presents is not the agent's (its --token-file)"],
  ])("%s: 503 saying so", async (_, agentToken, says) => {
    const other = createApp({ store, ...(agentToken ? { agentToken } : {}) });
    const response = await other.request("/api/v1/namespaces/default/pods/guarded/log");
    expect(response.status).toBe(503);
    const body = (await response.json()) as { message: string };
    expect(body.message).toBe(`the agent of node locked refused the API server (401): the token the API server ${says}`);
    expect(presented.at(-1)).toBe(agentToken ? `Bearer ${agentToken}` : null);
  });
});

describe("answered by the API server", () => {
  test.each([
    ["pair", "", 400, "a container name must be specified for pod pair, choose one of: [app sidecar] or one of the init containers: [setup]"],
    ["web", "?container=nope", 400, "container nope is not valid for pod web"],
    ["web", "?tailLines=ten", 400, 'tailLines must be an integer, not "ten"'],
    ["unbound", "", 400, "pod unbound does not have a host assigned"],
    ["waiting", "", 400, 'container "app" in pod "waiting" is waiting to start: ImagePullBackOff'],
    ["waiting", "?previous=true", 400, 'previous terminated container "app" in pod "waiting" not found'],
    ["quiet", "", 503, "the agent of node silent cannot be reached: the node reports no agent port"],
    ["offline", "", 503, "the agent of node down cannot be reached at 127.0.0.1:1"],
    ["absent", "", 404, 'pods "absent" not found'],
  ])("%s%s: %d %s", async (name, query, status, message) => {
    const response = await logs(name, query);
    expect(response.status).toBe(status);
    const body = (await response.json()) as { kind: string; message: string };
    expect(body.kind).toBe("Status");
    expect(body.message).toStartWith(message);
  });
});
