// The TCP listener on real loopback sockets: backends on 127.1.x.y, the
// listener on a 127.97.x.y address, real client connections.
import { afterEach, describe, expect, test } from "bun:test";
import { Balancer, type BalancerPolicy } from "./balancer.ts";
import type { EndpointInfo } from "./service-ports.ts";
import { TcpFrontend } from "./tcp-proxy.ts";
import { answeredBy, connect, type LineServer, lineServer, request, testAddress, testServiceAddress } from "./test-sockets.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const plain: BalancerPolicy = { internalLocal: false, externalLocal: false };
const endpoint = (server: Pick<LineServer, "ip" | "port">, overrides: Partial<EndpointInfo> = {}): EndpointInfo => ({
  ip: server.ip,
  port: server.port,
  ready: true,
  serving: true,
  terminating: false,
  nodeName: "n1",
  ...overrides,
});

function servers(...names: string[]): LineServer[] {
  return names.map((name) => {
    const server = lineServer(name);
    cleanups.push(() => server.stop());
    return server;
  });
}

function frontend(endpoints: EndpointInfo[], policy = plain): { proxy: TcpFrontend; balancer: Balancer } {
  const balancer = new Balancer("n1");
  balancer.update(policy, endpoints);
  const proxy = TcpFrontend.listen(testServiceAddress(), 0, { balancer, external: false });
  cleanups.push(() => proxy.closeAll());
  return { proxy, balancer };
}

describe("TcpFrontend", () => {
  test("round robin: each new connection goes to the next ready endpoint", async () => {
    const backends = servers("a", "b", "c");
    const { proxy } = frontend(backends.map((s) => endpoint(s)));
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await request(proxy.ip, proxy.port, `r${i}`));
    expect(answers).toEqual(["a:r0", "b:r1", "c:r2", "a:r3", "b:r4", "c:r5"]);
  });

  test("ClientIP affinity: one client keeps its endpoint", async () => {
    const backends = servers("a", "b", "c");
    const { proxy } = frontend(backends.map((s) => endpoint(s)), { ...plain, affinityTimeoutMs: 60_000 });
    const answers = new Set<string>();
    for (let i = 0; i < 5; i++) answers.add(answeredBy(await request(proxy.ip, proxy.port)));
    expect(answers.size).toBe(1);
  });

  test("a refused connection is retried on another endpoint before the client sees an error", async () => {
    const [live] = servers("live");
    const dead = { ip: testAddress(), port: 9 }; // nothing listens there: refused at once
    const { proxy } = frontend([endpoint(dead), endpoint(live!), endpoint({ ip: testAddress(), port: 9 })]);
    for (let i = 0; i < 6; i++) expect(await request(proxy.ip, proxy.port, `r${i}`)).toBe(`live:r${i}`);
  });

  test("with every endpoint refusing, the client's connection is closed unanswered", async () => {
    const { proxy } = frontend([endpoint({ ip: testAddress(), port: 9 })]);
    expect(await request(proxy.ip, proxy.port).catch(() => "")).toBe("");
  });

  test("with no endpoints at all, the client's connection is closed unanswered", async () => {
    const { proxy } = frontend([]);
    expect(await request(proxy.ip, proxy.port).catch(() => "")).toBe("");
  });

  test("an endpoint that stops being ready drains: its open connection keeps working, new ones go elsewhere", async () => {
    const [a, b] = servers("a", "b");
    const { proxy, balancer } = frontend([endpoint(a!)]);
    const held = await connect(proxy.ip, proxy.port);
    cleanups.push(() => held.close());
    expect(await held.ask("before")).toBe("a:before");

    balancer.update(plain, [endpoint(a!, { ready: false, serving: false }), endpoint(b!)]);
    expect(await held.ask("during")).toBe("a:during");
    for (let i = 0; i < 3; i++) expect(answeredBy(await request(proxy.ip, proxy.port))).toBe("b");

    // Even gone from the Service entirely, the endpoint's connection stays until its ends close it.
    balancer.update(plain, [endpoint(b!)]);
    expect(await held.ask("after")).toBe("a:after");
    expect(a!.open).toBe(1);
  });

  test("no connection is dropped while the endpoints change under a stream of requests", async () => {
    const backends = servers("a", "b", "c", "d");
    const { proxy, balancer } = frontend(backends.slice(0, 2).map((s) => endpoint(s)));
    const held = await Promise.all(Array.from({ length: 8 }, () => connect(proxy.ip, proxy.port)));
    for (const h of held) cleanups.push(() => h.close());
    const sets = [[0, 1], [1, 2], [2, 3], [3], [0, 1, 2, 3]];
    for (const [round, set] of sets.entries()) {
      balancer.update(plain, set.map((i) => endpoint(backends[i]!)));
      const answers = await Promise.all([
        ...held.map((h, i) => h.ask(`held-${round}-${i}`)),
        ...Array.from({ length: 4 }, (_, i) => request(proxy.ip, proxy.port, `new-${round}-${i}`)),
      ]);
      expect(answers.every((a) => a.includes(`-${round}-`))).toBe(true);
      // New connections only reach the current set.
      const current = new Set(set.map((i) => backends[i]!.name));
      for (const answer of answers.slice(held.length)) expect(current.has(answeredBy(answer))).toBe(true);
    }
  });

  test("backpressure: a large transfer to a slow reader arrives complete and in order", async () => {
    // An echo backend: the proxy must pause the client while the backend's (and the client's) buffers are full.
    const ip = testAddress();
    const echo = Bun.listen<{ pending: Uint8Array[]; ended: boolean }>({
      hostname: ip,
      port: 0,
      allowHalfOpen: true,
      socket: {
        open(socket) {
          socket.data = { pending: [], ended: false };
        },
        data(socket, data) {
          const state = socket.data;
          if (state.pending.length > 0) {
            state.pending.push(data);
            return;
          }
          const written = socket.write(data);
          if (written < data.byteLength) {
            state.pending.push(data.subarray(Math.max(written, 0)));
            socket.pause();
          }
        },
        drain(socket) {
          const state = socket.data;
          while (state.pending.length > 0) {
            const chunk = state.pending[0]!;
            const written = socket.write(chunk);
            if (written < chunk.byteLength) {
              state.pending[0] = chunk.subarray(Math.max(written, 0));
              return;
            }
            state.pending.shift();
          }
          if (state.ended) socket.end();
          else socket.resume();
        },
        end(socket) {
          socket.data.ended = true;
          if (socket.data.pending.length === 0) socket.end();
        },
      },
    });
    cleanups.push(() => echo.stop(true));
    const { proxy } = frontend([endpoint({ ip, port: echo.port })]);

    const total = 32 * 1024 * 1024;
    const payload = new Uint8Array(total);
    for (let i = 0; i < total; i++) payload[i] = (i * 7919) & 0xff;
    const received = new Uint8Array(total);
    let got = 0;
    let sent = 0;
    const done = Promise.withResolvers<void>();
    const client = await Bun.connect({
      hostname: proxy.ip,
      port: proxy.port,
      allowHalfOpen: true,
      socket: {
        data(socket, data) {
          received.set(data, got);
          got += data.byteLength;
          // A slow reader: stop reading now and then, so every buffer on the way fills up.
          if (got % (4 * 1024 * 1024) < data.byteLength) {
            socket.pause();
            setTimeout(() => socket.resume(), 20);
          }
        },
        drain(socket) {
          sent += socket.write(payload.subarray(sent));
          if (sent === total) socket.shutdown();
        },
        close() {
          done.resolve();
        },
        end(socket) {
          socket.end();
        },
      },
    });
    sent += client.write(payload);
    if (sent === total) client.shutdown();
    await done.promise;
    expect(got).toBe(total);
    expect(Buffer.compare(received, payload)).toBe(0);
  }, 60_000);

  test("closing the listener stops new connections but keeps open ones", async () => {
    const [a] = servers("a");
    const { proxy } = frontend([endpoint(a!)]);
    const held = await connect(proxy.ip, proxy.port);
    cleanups.push(() => held.close());
    expect(await held.ask("one")).toBe("a:one");
    proxy.close();
    expect(request(proxy.ip, proxy.port)).rejects.toBeDefined();
    expect(await held.ask("two")).toBe("a:two");
  });
});
