import { describe, expect, test } from "bun:test";
import { Balancer, type BalancerPolicy } from "./balancer.ts";
import type { EndpointInfo } from "./service-ports.ts";

const ep = (ip: string, overrides: Partial<EndpointInfo> = {}): EndpointInfo => ({ ip, port: 80, ready: true, serving: true, terminating: false, nodeName: "n1", ...overrides });
const plain: BalancerPolicy = { internalLocal: false, externalLocal: false };

function balancer(endpoints: EndpointInfo[], policy: BalancerPolicy = plain, now = () => 0): Balancer {
  const b = new Balancer("n1", now);
  b.update(policy, endpoints);
  return b;
}

const picks = (b: Balancer, n: number, client = "10.0.0.1", external = false) => Array.from({ length: n }, () => b.pick(client, external)?.ip);

describe("Balancer", () => {
  test("round robin over ready endpoints", () => {
    expect(picks(balancer([ep("a"), ep("b"), ep("c")]), 6)).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  test("an endpoint that is not ready gets no new connections", () => {
    const b = balancer([ep("a"), ep("b")]);
    b.update(plain, [ep("a"), ep("b", { ready: false, serving: false })]);
    expect(new Set(picks(b, 4))).toEqual(new Set(["a"]));
  });

  test.each([
    ["no endpoints", [], undefined],
    ["only unready ones", [ep("a", { ready: false, serving: false })], undefined],
    ["terminating but serving, when nothing is ready (Kubernetes' fallback)", [ep("a", { ready: false, serving: true, terminating: true })], "a"],
    ["ready ones before terminating ones", [ep("a", { ready: false, serving: true, terminating: true }), ep("b")], "b"],
  ] as [string, EndpointInfo[], string | undefined][])("with %s it picks %p", (_, endpoints, expected) => {
    expect(balancer(endpoints).pick("c", false)?.ip).toBe(expected);
  });

  test("excluded (already tried) endpoints are skipped, and undefined once all are", () => {
    const b = balancer([ep("a"), ep("b")]);
    const tried = new Set(["a:80"]);
    expect(b.pick("c", false, tried)?.ip).toBe("b");
    expect(b.pick("c", false, tried)?.ip).toBe("b");
    expect(b.pick("c", false, new Set(["a:80", "b:80"]))).toBeUndefined();
  });

  describe("ClientIP affinity", () => {
    const sticky: BalancerPolicy = { ...plain, affinityTimeoutMs: 1000 };

    test("a client keeps its endpoint, other clients are spread", () => {
      const b = balancer([ep("a"), ep("b"), ep("c")], sticky);
      const first = b.pick("10.0.0.1", false)!.ip;
      expect(picks(b, 5, "10.0.0.1")).toEqual(Array(5).fill(first));
      expect(new Set([b.pick("10.0.0.2", false)!.ip, b.pick("10.0.0.3", false)!.ip]).size).toBe(2);
    });

    test("affinity ends after the timeout without traffic, and each use extends it", () => {
      let now = 0;
      const b = balancer([ep("a"), ep("b")], sticky, () => now);
      expect(b.pick("x", false)!.ip).toBe("a");
      now = 900;
      expect(b.pick("x", false)!.ip).toBe("a");
      now = 1800; // 900 ms after the last use: still within the timeout
      expect(b.pick("x", false)!.ip).toBe("a");
      now = 2800; // a full timeout since: round robin decides again
      expect(b.pick("x", false)!.ip).toBe("b");
    });

    test("a client stuck to an endpoint that stopped being ready moves on", () => {
      const b = balancer([ep("a"), ep("b")], sticky);
      expect(b.pick("x", false)!.ip).toBe("a");
      b.update(sticky, [ep("a", { ready: false, serving: false }), ep("b")]);
      expect(picks(b, 3, "x")).toEqual(["b", "b", "b"]);
    });

    test("a failed connection drops the affinity so the retry lands elsewhere", () => {
      const b = balancer([ep("a"), ep("b")], sticky);
      const a = b.pick("x", false)!;
      b.failed("x", a);
      expect(b.pick("x", false, new Set(["a:80"]))!.ip).toBe("b");
      expect(b.pick("x", false)!.ip).toBe("b");
    });
  });

  describe("traffic policies", () => {
    const endpoints = [ep("here", { nodeName: "n1" }), ep("there", { nodeName: "n2" })];

    test.each([
      ["Cluster/Cluster", plain, ["here", "there"], ["here", "there"]],
      ["internalTrafficPolicy Local", { ...plain, internalLocal: true }, ["here"], ["here", "there"]],
      ["externalTrafficPolicy Local", { ...plain, externalLocal: true }, ["here", "there"], ["here"]],
    ] as [string, BalancerPolicy, string[], string[]][])("%s", (_, policy, internal, external) => {
      const b = balancer(endpoints, policy);
      expect(new Set(picks(b, 4, "c", false))).toEqual(new Set(internal));
      expect(new Set(picks(b, 4, "c", true))).toEqual(new Set(external));
    });

    test("Local with no endpoint on this node has nothing to pick (traffic is dropped, not sent elsewhere)", () => {
      const b = balancer([ep("there", { nodeName: "n2" })], { internalLocal: true, externalLocal: true });
      expect(b.pick("c", false)).toBeUndefined();
      expect(b.pick("c", true)).toBeUndefined();
    });
  });
});
