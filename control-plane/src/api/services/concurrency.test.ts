// No ClusterIP or NodePort is ever handed out twice, however many creates run
// at once: on one API server, on two API servers sharing an embedded store,
// and on two API servers (two stores, two connection pools) on one Postgres.
// Ranges are small so the creates fight over the same values.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { freshDatabase, POSTGRES_UNAVAILABLE, postgresAvailable } from "../../../../e2e/harness/postgres.ts";
import { openStore } from "../../storage/open.ts";
import type { Store } from "../../storage/store.ts";
import { createApp } from "../app.ts";
import { bootstrap } from "../bootstrap.ts";
import type { ServiceNetworkOptions } from "./allocator.ts";
import { IP_ADDRESSES, NODE_PORTS } from "./reservations.ts";

if (!postgresAvailable()) console.warn(POSTGRES_UNAVAILABLE);

const services = resourceOf("v1", "services");
const namespaces = resourceOf("v1", "namespaces");
/** 62 usable addresses and 80 node ports for 60 two-port services: every create contends. */
const NETWORK: ServiceNetworkOptions = { serviceCIDRs: ["10.97.0.0/26"], nodePortRange: "30000-30079" };
const SERVICES = 60;
/** Bun ignores bunfig's [test] timeout, so each test states its own. */
const TIMEOUT_MS = 60_000;

const apiServer = async (store: Store, first: boolean) => {
  const app = createApp({ store, serviceNetwork: NETWORK, onInternalError: (e) => console.error(e) });
  if (first) await bootstrap(app);
  return new KubeClient((request) => app.fetch(request));
};

const nodePortService = (ns: string, i: number): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: `svc-${i}`, namespace: ns },
  spec: {
    type: "NodePort",
    selector: { app: `a${i}` },
    // Every fifth one asks for a specific port, which others may be taking at random.
    ports: [{ name: "http", port: 80, ...(i % 5 === 0 ? { nodePort: 30000 + i } : {}) }],
  },
});

/** Creates all services at once across the clients; returns the ones that were created. */
async function createAll(clients: KubeClient[], ns: string): Promise<KubeObject[]> {
  await clients[0]!.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const results = await Promise.allSettled(Array.from({ length: SERVICES }, (_, i) => clients[i % clients.length]!.create(services, nodePortService(ns, i))));
  const created: KubeObject[] = [];
  for (const result of results) {
    if (result.status === "fulfilled") created.push(result.value);
    // A chosen port taken by a random allocation a moment earlier is a fair refusal; nothing else is.
    else expect(String(result.reason)).toContain("provided port is already allocated");
  }
  return created;
}

async function expectDistinct(store: Store, created: KubeObject[]): Promise<void> {
  const ips = created.map((s) => (s.spec as { clusterIP: string }).clusterIP);
  const ports = created.map((s) => (s.spec as { ports: { nodePort: number }[] }).ports[0]!.nodePort);
  expect(new Set(ips).size).toBe(created.length);
  expect(new Set(ports).size).toBe(created.length);
  // Each value is reserved exactly once (refused creates left nothing behind).
  const reservedIPs = (await store.list({ resource: IP_ADDRESSES })).items.map((o) => o.metadata.name);
  const reservedPorts = (await store.list({ resource: NODE_PORTS })).items.map((o) => o.metadata.name);
  expect(reservedIPs.sort()).toEqual([...ips].sort());
  expect(reservedPorts.sort()).toEqual(ports.map(String).sort());
}

describe("parallel creates on the embedded store", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore();
  }, TIMEOUT_MS);
  afterAll(() => store.close());

  test(`${SERVICES} services through two API servers get distinct ClusterIPs and NodePorts`, async () => {
    const clients = [await apiServer(store, true), await apiServer(store, false)];
    const created = await createAll(clients, "race");
    expect(created.length).toBeGreaterThanOrEqual(SERVICES - SERVICES / 5);
    await expectDistinct(store, created);
  }, TIMEOUT_MS);
});

describe.if(postgresAvailable())("parallel creates on two API servers sharing one Postgres", () => {
  let stores: Store[] = [];
  beforeAll(async () => {
    const url = await freshDatabase("service_allocation");
    stores = [await openStore({ databaseUrl: url }), await openStore({ databaseUrl: url })];
  }, TIMEOUT_MS);
  afterAll(async () => {
    for (const store of stores) await store.close();
  });

  test(`${SERVICES} services get distinct ClusterIPs and NodePorts`, async () => {
    const clients = [await apiServer(stores[0]!, true), await apiServer(stores[1]!, false)];
    const created = await createAll(clients, "race-pg");
    expect(created.length).toBeGreaterThanOrEqual(SERVICES - SERVICES / 5);
    await expectDistinct(stores[0]!, created);
  }, TIMEOUT_MS);
});
