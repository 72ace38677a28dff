// Node IPAM against the in-process API: every node a block of its own, also
// when many register at once, when a second controller (a new leader) takes
// over, and when the range runs out and a node goes away.
import { afterEach, beforeEach, expect, setDefaultTimeout, test } from "bun:test";
import { InformerFactory } from "../../../../client/informer-factory.ts";
import { type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { runControllers } from "../runtime/controller.ts";
import { eventually, testCluster } from "../test-cluster.ts";
import { CIDR_NOT_AVAILABLE, NodeIpamController } from "./node-ipam-controller.ts";

const nodes = resourceOf("v1", "nodes");
const events = resourceOf("v1", "events");

// A shared, busy machine makes the in-memory API slow to start; nothing here is timed.
setDefaultTimeout(120_000);

let cluster: Awaited<ReturnType<typeof testCluster>>;
const stops: (() => void)[] = [];

beforeEach(async () => {
  cluster = await testCluster();
}, 60_000);
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await cluster.close();
});

async function startIpam(clusterCIDR: string): Promise<() => void> {
  const informers = new InformerFactory(cluster.client);
  const stopControllers = await runControllers([new NodeIpamController({ clusterCIDR })], { client: cluster.client, informers, log: () => {} });
  const stop = () => {
    stopControllers();
    informers.stop();
  };
  stops.push(stop);
  return stop;
}

const createNode = (name: string, spec: Record<string, unknown> = {}) =>
  cluster.client.create(nodes, { apiVersion: "v1", kind: "Node", metadata: { name }, spec });

async function podCIDRs(): Promise<Map<string, string | undefined>> {
  const list = await cluster.client.list(nodes);
  return new Map(list.items.map((n: KubeObject) => [n.metadata.name ?? "", (n.spec as { podCIDR?: string } | undefined)?.podCIDR]));
}

async function allAllocated(count: number): Promise<Map<string, string | undefined>> {
  return eventually(`${count} nodes with a pod CIDR`, async () => {
    const cidrs = await podCIDRs();
    return cidrs.size === count && [...cidrs.values()].every(Boolean) && cidrs;
  });
}

test("nodes registering at once each get a block of their own, in spec.podCIDR and spec.podCIDRs", async () => {
  await startIpam("10.244.0.0/16");
  await Promise.all(Array.from({ length: 8 }, (_, i) => createNode(`node-${i}`)));
  const cidrs = await allAllocated(8);
  expect(new Set(cidrs.values()).size).toBe(8);
  for (const cidr of cidrs.values()) expect(cidr).toMatch(/^10\.244\.\d+\.0\/24$/);
  const one = await cluster.client.get(nodes, undefined, "node-3");
  expect(one.spec).toMatchObject({ podCIDR: cidrs.get("node-3"), podCIDRs: [cidrs.get("node-3")] });
});

test("a node that already has a pod CIDR keeps it, and nobody else gets it", async () => {
  await createNode("preset", { podCIDR: "10.244.0.0/24", podCIDRs: ["10.244.0.0/24"] });
  await startIpam("10.244.0.0/16");
  await createNode("fresh");
  const cidrs = await allAllocated(2);
  expect(cidrs.get("preset")).toBe("10.244.0.0/24");
  expect(cidrs.get("fresh")).toBe("10.244.1.0/24");
});

test("a new leader derives what is taken from the nodes and hands out no block twice", async () => {
  const first = await startIpam("10.244.0.0/16");
  await Promise.all(["a", "b", "c"].map((n) => createNode(n)));
  const before = await allAllocated(3);
  first();
  await startIpam("10.244.0.0/16");
  await Promise.all(["d", "e"].map((n) => createNode(n)));
  const after = await allAllocated(5);
  for (const name of ["a", "b", "c"]) expect(after.get(name)).toBe(before.get(name));
  expect(new Set(after.values()).size).toBe(5);
});

test("two controllers at once (leases overlapping) still give every node a block of its own", async () => {
  await Promise.all([startIpam("10.244.0.0/16"), startIpam("10.244.0.0/16")]);
  await Promise.all(Array.from({ length: 6 }, (_, i) => createNode(`both-${i}`)));
  const cidrs = await allAllocated(6);
  // Each controller's write carries the resourceVersion it saw: the loser of a race gets a 409 and finds the winner's block.
  const settled = await eventually("allocations settled", async () => {
    const now = await podCIDRs();
    return [...now].every(([name, cidr]) => cidrs.get(name) === cidr) && now;
  });
  expect(settled.size).toBe(6);
});

test("a full range: CIDRNotAvailable, and the block of a deleted node goes to the waiting one", async () => {
  await startIpam("10.244.0.0/23");
  await createNode("one");
  await createNode("two");
  await allAllocated(2);
  await createNode("three");
  await eventually("a CIDRNotAvailable event", async () => {
    const list = await cluster.client.list(events, { namespace: "default" });
    return list.items.some((e: KubeObject) => (e as { reason?: string }).reason === CIDR_NOT_AVAILABLE && (e as { involvedObject?: { name?: string } }).involvedObject?.name === "three");
  });
  const freed = (await podCIDRs()).get("one");
  await cluster.client.delete(nodes, undefined, "one");
  const cidrs = await allAllocated(2);
  expect(cidrs.get("three")).toBe(freed);
});
