// The UDP listener on real loopback sockets.
import { afterEach, describe, expect, test } from "bun:test";
import { Balancer, type BalancerPolicy } from "./balancer.ts";
import { testServiceAddress, udpClient, udpEcho } from "./test-sockets.ts";
import { UdpFrontend } from "./udp-proxy.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const plain: BalancerPolicy = { internalLocal: false, externalLocal: false };
const endpoint = (e: { ip: string; port: number }, ready = true) => ({ ip: e.ip, port: e.port, ready, serving: ready, terminating: false, nodeName: "n1" });

async function setup(names: string[], policy = plain) {
  const echoes = await Promise.all(names.map((n) => udpEcho(n)));
  for (const e of echoes) cleanups.push(() => e.stop());
  const balancer = new Balancer("n1");
  balancer.update(policy, echoes.map((e) => endpoint(e)));
  const proxy = await UdpFrontend.listen(testServiceAddress(), 0, { balancer, external: false }, 60_000);
  cleanups.push(() => proxy.close());
  return { echoes, balancer, proxy };
}

async function client() {
  const c = await udpClient();
  cleanups.push(() => c.close());
  return c;
}

describe("UdpFrontend", () => {
  test("each client is a session: its datagrams and the replies go through one endpoint, new clients round robin", async () => {
    const { proxy } = await setup(["a", "b"]);
    const first = await client();
    const second = await client();
    expect(await first.ask(proxy.ip, proxy.port, "1")).toBe("a:1");
    expect(await first.ask(proxy.ip, proxy.port, "2")).toBe("a:2");
    expect(await second.ask(proxy.ip, proxy.port, "3")).toBe("b:3");
    expect(proxy.sessions).toBe(2);
  });

  test("a session keeps its endpoint while it stops being ready, and moves once the endpoint is gone", async () => {
    const { echoes, balancer, proxy } = await setup(["a", "b"]);
    const c = await client();
    expect(await c.ask(proxy.ip, proxy.port, "x")).toBe("a:x");
    balancer.update(plain, [endpoint(echoes[0]!, false), endpoint(echoes[1]!)]);
    proxy.forgetGone();
    expect(await c.ask(proxy.ip, proxy.port, "y")).toBe("a:y");
    balancer.update(plain, [endpoint(echoes[1]!)]);
    proxy.forgetGone();
    expect(await c.ask(proxy.ip, proxy.port, "z")).toBe("b:z");
  });

  test("ClientIP affinity: a client's new sessions go to the same endpoint", async () => {
    const { proxy } = await setup(["a", "b", "c"], { ...plain, affinityTimeoutMs: 60_000 });
    const answers = new Set<string>();
    for (let i = 0; i < 4; i++) answers.add((await (await client()).ask(proxy.ip, proxy.port, "q")).split(":")[0]!);
    expect(answers.size).toBe(1);
  });
});
