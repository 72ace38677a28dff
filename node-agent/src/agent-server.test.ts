// The agent's endpoint as the API server calls it: routes, the kubelet's
// query parameters, errors as plain text with their status.
import { describe, expect, test } from "bun:test";
import { agentFetch, logQuery } from "./agent-server.ts";
import { LogLookupError } from "./logs/log-locator.ts";

const endpoints = {
  locateLog: (_ns: string, pod: string, container: string) => {
    if (pod === "gone") throw new LogLookupError(404, `pod default/gone is not running on this node`);
    throw new LogLookupError(400, `container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`);
  },
  summary: () => ({ node: { nodeName: "edge-1" } }),
  pods: () => ({ kind: "PodList", items: [] }),
};
const serve = agentFetch(endpoints);
const get = (path: string) => serve(new Request(`http://agent${path}`));

describe("routes", () => {
  test.each([
    ["/healthz", 200, "ok"],
    ["/containerLogs/default/gone/app", 404, "pod default/gone is not running on this node"],
    ["/containerLogs/default/web/app", 400, 'container "app" in pod "web" is waiting to start: ContainerCreating'],
    ["/containerLogs/default/web/app?tailLines=x", 400, 'tailLines must be an integer, not "x"'],
    ["/containerLogs/default/web", 404, "not found"],
  ])("GET %s → %d", async (path, status, body) => {
    const response = get(path);
    expect(response.status).toBe(status);
    expect(await response.text()).toBe(body);
  });

  test("stats and pods are JSON", async () => {
    expect(await get("/stats/summary").json()).toEqual({ node: { nodeName: "edge-1" } });
    expect(((await get("/pods").json()) as { kind: string }).kind).toBe("PodList");
  });

  test("only GET", () => {
    expect(serve(new Request("http://agent/healthz", { method: "POST" })).status).toBe(405);
  });
});

describe("with a token", () => {
  const locked = agentFetch(endpoints, "s3cret");
  const call = (path: string, authorization?: string) => locked(new Request(`http://agent${path}`, authorization ? { headers: { authorization } } : {}));

  test.each([
    ["no credentials", undefined],
    ["another token", "Bearer s3cret-not"],
    ["another scheme", "Basic czNjcmV0"],
    ["the bare token", "s3cret"],
  ])("%s: 401 for logs, stats and pods", (_, authorization) => {
    for (const path of ["/containerLogs/default/gone/app", "/stats/summary", "/pods", "/nowhere"]) {
      const response = call(path, authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="ledge-agent"');
    }
  });

  test("the token opens every path", async () => {
    expect(call("/containerLogs/default/gone/app", "Bearer s3cret").status).toBe(404);
    expect(await call("/stats/summary", "Bearer s3cret").json()).toEqual({ node: { nodeName: "edge-1" } });
  });

  test("health needs none", () => {
    expect(call("/healthz").status).toBe(200);
  });
});

describe("log query", () => {
  test.each([
    ["", { follow: false, timestamps: false }],
    ["follow=true&timestamps=true&tailLines=10&limitBytes=100", { follow: true, timestamps: true, tailLines: 10, limitBytes: 100 }],
    ["follow=false&tailLines=-1", { follow: false, timestamps: false }],
    ["sinceTime=2030-01-01T00:00:00Z", { follow: false, timestamps: false, sinceMs: Date.parse("2030-01-01T00:00:00Z") }],
  ])("?%s", (query, expected) => {
    expect(logQuery(new URLSearchParams(query))).toEqual(expected);
  });

  test("sinceSeconds counts back from now", () => {
    const before = Date.now();
    const { sinceMs } = logQuery(new URLSearchParams("sinceSeconds=60"));
    expect(sinceMs).toBeGreaterThanOrEqual(before - 60_000);
    expect(sinceMs).toBeLessThanOrEqual(Date.now() - 60_000);
  });

  test.each(["sinceSeconds=0", "limitBytes=0", "sinceTime=yesterday"])("?%s is refused", (query) => {
    expect(() => logQuery(new URLSearchParams(query))).toThrow();
  });
});
