import { describe, expect, test } from "bun:test";
import {
  bridgeMac,
  configurePodNetns,
  desiredRoutes,
  isOurVeth,
  namesFor,
  nodeCidr,
  parseAddresses,
  parseRoutes,
  routeChanges,
  uidOfNetns,
  vethNameOf,
} from "./bridge-plan.ts";

const names = namesFor("node-1");
const uid = "0f8e5c2a-1b2c-4d5e-8f90-123456789abc";

describe("names", () => {
  test("a pod's namespace is named by node and uid, and only such names are read back as ours", () => {
    expect(uidOfNetns(names, `ledge-node-1-${uid}`)).toBe(uid);
    expect(uidOfNetns(names, `ledge-node-10-${uid}`)).toBeUndefined();
    expect(uidOfNetns(namesFor("node"), `ledge-node-1-${uid}`)).toBeUndefined();
    expect(uidOfNetns(names, "ledge-node-1-something")).toBeUndefined();
  });

  test("veth names fit in 15 bytes, are stable per uid and recognisable", () => {
    const veth = vethNameOf(uid);
    expect(veth.length).toBeLessThanOrEqual(15);
    expect(vethNameOf(uid)).toBe(veth);
    expect(vethNameOf(uid.replace("0f", "1f"))).not.toBe(veth);
    expect(isOurVeth(veth)).toBe(true);
    expect(isOurVeth("eth0")).toBe(false);
    expect(isOurVeth("lvabc")).toBe(false);
  });

  test("the bridge's MAC is fixed and locally administered", () => {
    expect(bridgeMac("10.244.1.1")).toBe("02:4c:0a:f4:01:01");
  });
});

test.each([
  ["10.244.1.0/24", "10.244.1.1", "10.244.1.2", "10.244.1.254", 24],
  ["10.244.8.0/26", "10.244.8.1", "10.244.8.2", "10.244.8.62", 26],
])("pod CIDR %s: bridge %s, pods %s … %s", (cidr, gateway, first, last, prefix) => {
  const node = nodeCidr(cidr);
  expect(node.gateway).toBe(gateway);
  expect(node.prefix).toBe(prefix);
  const ip = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
  expect([ip(node.pods.first), ip(node.pods.last)]).toEqual([first, last]);
});

test("a pod namespace: veth into the bridge, lo and eth0 up, its address, a default route via the bridge", () => {
  expect(configurePodNetns(names, nodeCidr("10.244.1.0/24"), "ns", "lvx", "10.244.1.7")).toEqual([
    ["link", "set", "lvx", "master", "ledge0"],
    ["link", "set", "lvx", "up"],
    ["-n", "ns", "link", "set", "lo", "up"],
    ["-n", "ns", "addr", "replace", "10.244.1.7/24", "dev", "eth0"],
    ["-n", "ns", "link", "set", "eth0", "up"],
    ["-n", "ns", "route", "replace", "default", "via", "10.244.1.1", "dev", "eth0"],
  ]);
});

describe("routes to other nodes' pods", () => {
  const nodes = [
    { name: "node-1", podCIDR: "10.244.1.0/24", internalIP: "10.99.0.11" },
    { name: "node-2", podCIDR: "10.244.2.0/24", internalIP: "10.99.0.12" },
    { name: "node-3", internalIP: "10.99.0.13" },
    { name: "node-4", podCIDR: "10.244.4.0/24" },
    { name: "node-5", podCIDR: "10.244.5.0/24", internalIP: "fd00::5" },
  ];

  test("every other node with a pod CIDR and an IPv4 InternalIP", () => {
    expect([...desiredRoutes(nodes, "node-1")]).toEqual([["10.244.2.0/24", "10.99.0.12"]]);
  });

  test("what `ip -o route show proto 76` lists", () => {
    expect([...parseRoutes("10.244.2.0/24 via 10.99.0.12 dev eth0 \n10.244.3.0/24 via 10.99.0.13 dev eth0 onlink\n\n")]).toEqual([
      ["10.244.2.0/24", "10.99.0.12"],
      ["10.244.3.0/24", "10.99.0.13"],
    ]);
  });

  test.each([
    ["new node", {}, { "10.244.2.0/24": "10.99.0.12" }, [["10.244.2.0/24", "10.99.0.12"]], []],
    ["node moved", { "10.244.2.0/24": "10.99.0.12" }, { "10.244.2.0/24": "10.99.0.22" }, [["10.244.2.0/24", "10.99.0.22"]], []],
    ["node gone", { "10.244.2.0/24": "10.99.0.12" }, {}, [], ["10.244.2.0/24"]],
    ["unchanged", { "10.244.2.0/24": "10.99.0.12" }, { "10.244.2.0/24": "10.99.0.12" }, [], []],
  ])("%s", (_, current, desired, replace, remove) => {
    const changes = routeChanges(new Map(Object.entries(current)), new Map(Object.entries(desired)));
    expect(changes).toEqual({ replace: replace as [string, string][], remove });
  });
});

test("addresses from `ip -o -4 addr show`", () => {
  const out = "5: ledge0    inet 10.244.1.1/24 brd 10.244.1.255 scope global ledge0\\       valid_lft forever\n5: ledge0    inet 10.244.1.9/32 scope global ledge0\\       valid_lft forever\n";
  expect(parseAddresses(out)).toEqual(["10.244.1.1/24", "10.244.1.9/32"]);
});
