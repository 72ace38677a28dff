// The three probe actions against real endpoints on loopback.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import type { ContainerHandle } from "../runtime/runtime.ts";
import { execProbe } from "./exec.ts";
import { httpGetProbe } from "./http-get.ts";
import { resolvePort } from "./probe-result.ts";
import { tcpSocketProbe } from "./tcp-socket.ts";

let http: ReturnType<typeof Bun.serve>;
let tcp: Server;
let tcpPort: number;

beforeAll(async () => {
  http = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/slow") await new Promise((resolve) => setTimeout(resolve, 3_000));
      if (path === "/redirect") return new Response(null, { status: 302, headers: { location: "http://example.invalid/" } });
      if (path === "/header") return new Response(request.headers.get("x-probe") ?? "none", { status: request.headers.get("x-probe") ? 200 : 400 });
      return new Response(path, { status: path === "/bad" ? 503 : 200 });
    },
  });
  tcp = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  tcpPort = (tcp.address() as { port: number }).port;
});

afterAll(() => {
  void http.stop(true);
  tcp.close();
});

const target = (path: string, headers: { name: string; value: string }[] = []) => ({ scheme: "HTTP" as const, host: "127.0.0.1", port: http.port!, path, headers });

describe("httpGet", () => {
  test.each([
    ["/healthz", true, ""],
    ["/redirect", true, ""],
    ["/bad", false, "HTTP probe failed with statuscode: 503"],
  ])("GET %s passes: %p", async (path, ok, output) => {
    const result = await httpGetProbe(target(path), 1_000);
    expect(result.ok).toBe(ok);
    if (!ok) expect(result.output).toBe(output);
  });

  test("sends the probe's headers", async () => {
    expect((await httpGetProbe(target("/header", [{ name: "X-Probe", value: "yes" }]), 1_000)).ok).toBe(true);
  });

  test("a server slower than timeoutSeconds fails the probe", async () => {
    const result = await httpGetProbe(target("/slow"), 100);
    expect(result).toEqual({ ok: false, output: expect.stringContaining("context deadline exceeded") });
  });

  test("nothing listening fails the probe", async () => {
    const result = await httpGetProbe({ ...target("/"), port: 1 }, 1_000);
    expect(result.ok).toBe(false);
  });
});

describe("tcpSocket", () => {
  test("a listening port passes; a closed one fails as the kubelet words it", async () => {
    expect((await tcpSocketProbe("127.0.0.1", tcpPort, 1_000)).ok).toBe(true);
    expect(await tcpSocketProbe("127.0.0.1", 1, 1_000)).toEqual({ ok: false, output: "dial tcp 127.0.0.1:1: connect: connection refused" });
  });
});

describe("exec", () => {
  const handle = (exec?: ContainerHandle["exec"]): ContainerHandle =>
    ({ id: "c", startedAt: "", exited: new Promise(() => {}), stop: async () => ({ exitCode: 0, reason: "Completed", finishedAt: "" }), exec }) as ContainerHandle;

  test("exit code 0 passes; anything else fails with the command's output", async () => {
    expect((await execProbe(handle(async () => ({ exitCode: 0, output: "fine" })), ["true"], 1_000)).ok).toBe(true);
    expect(await execProbe(handle(async () => ({ exitCode: 1, output: "not ready\n" })), ["check"], 1_000)).toEqual({ ok: false, output: "not ready" });
  });

  test("a runtime without exec fails the probe and says why", async () => {
    expect(await execProbe(handle(), ["true"], 1_000)).toEqual({ ok: false, output: "exec probes are not supported by this container's runtime" });
  });
});

test.each([
  [8080, [], 8080],
  ["8080", [], 8080],
  ["http", [{ name: "http", containerPort: 9000 }], 9000],
  ["metrics", [{ name: "http", containerPort: 9000 }], undefined],
])("port %p of %p is %p", (port, ports, expected) => {
  expect(resolvePort(port, ports)).toBe(expected);
});
