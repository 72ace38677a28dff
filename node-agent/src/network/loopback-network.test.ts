import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { LocalStore } from "../state/local-store.ts";
import { LoopbackNetwork } from "./loopback-network.ts";
import { ipv4Range, ipv4ToString } from "./pod-network.ts";

let store: LocalStore;
beforeEach(() => {
  store = LocalStore.open(":memory:");
});
afterEach(() => store.close());

const pod = (uid: string) => {
  store.savePod({ uid, namespace: "n", name: uid, pod: {}, record: {} });
  return { uid, namespace: "n", name: uid };
};

describe("loopback pod addresses", () => {
  test("each pod its own address from the range; the same pod the same address again", async () => {
    const network = new LoopbackNetwork(store, "127.1.0.0/16");
    const a = await network.setUp(pod("a"));
    const b = await network.setUp(pod("b"));
    expect(a.ips).toEqual(["127.1.0.1"]);
    expect(b.ips).toEqual(["127.1.0.2"]);
    expect(await network.setUp(pod("a"))).toEqual(a);
  });

  test("freed addresses are reused only after the rest of the range", async () => {
    const network = new LoopbackNetwork(store, "127.9.0.0/30");
    expect((await network.setUp(pod("a"))).ips).toEqual(["127.9.0.1"]);
    await network.tearDown("a");
    expect((await network.setUp(pod("b"))).ips).toEqual(["127.9.0.2"]);
    expect((await network.setUp(pod("c"))).ips).toEqual(["127.9.0.1"]);
    await expect(network.setUp(pod("d"))).rejects.toThrow("no free pod address left in 127.9.0.0/30");
  });

  test("the range must be inside 127.0.0.0/8", () => {
    expect(() => new LoopbackNetwork(store, "10.0.0.0/24")).toThrow("must lie inside 127.0.0.0/8");
  });
});

test.each([
  ["127.1.0.0/16", "127.1.0.1", "127.1.255.254"],
  ["127.1.2.3/24", "127.1.2.1", "127.1.2.254"],
])("%s holds %s … %s", (cidr, first, last) => {
  const range = ipv4Range(cidr);
  expect([ipv4ToString(range.first), ipv4ToString(range.last)]).toEqual([first, last]);
});

test.each(["127.1.0.0", "127.1.0.0/31", "300.1.0.0/16"])("%s is refused", (cidr) => {
  expect(() => ipv4Range(cidr)).toThrow();
});
