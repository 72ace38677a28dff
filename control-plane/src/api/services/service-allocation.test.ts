import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { openStore } from "../../storage/open.ts";
import type { SqlStore } from "../../storage/sql/sql-store.ts";
import { createApp } from "../app.ts";
import { bootstrap } from "../bootstrap.ts";
import { ServiceAllocator } from "./allocator.ts";
import { repairAllocations } from "./repair.ts";
import { IP_ADDRESSES, NODE_PORTS } from "./reservations.ts";

const services = resourceOf("v1", "services");
const namespaces = resourceOf("v1", "namespaces");

interface Cluster {
  store: SqlStore;
  client: KubeClient;
}

const internalErrors: unknown[] = [];

async function cluster(serviceNetwork: ConstructorParameters<typeof ServiceAllocator>[1], shared?: SqlStore): Promise<Cluster> {
  const store = shared ?? (await openStore());
  // "range is full" is a 500, as in Kubernetes; the test looks at it instead of the log.
  const app = createApp({ store, serviceNetwork, onInternalError: (e) => internalErrors.push(e) });
  if (!shared) await bootstrap(app);
  return { store, client: new KubeClient((request) => app.fetch(request)) };
}

let main: Cluster;
beforeAll(async () => {
  main = await cluster({ serviceCIDRs: ["10.96.0.0/12"], nodePortRange: "30000-32767" });
});
afterAll(() => main.store.close());

let counter = 0;
async function namespace(c: Cluster = main): Promise<string> {
  const name = `svc-${++counter}`;
  await c.client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
}

type Spec = Record<string, any>;
const service = (ns: string, name: string, spec: Spec = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: ns },
  spec: { selector: { app: name }, ports: [{ name: "http", port: 80 }], ...spec },
});
const specOf = (o: KubeObject) => o.spec as Spec;

const reserved = async (c: Cluster, resource: string): Promise<string[]> =>
  (await c.store.list({ resource })).items.map((o) => o.metadata.name ?? "");

const inServiceCIDR = (ip: string) => {
  const [a, b] = ip.split(".").map(Number);
  return a === 10 && b! >= 96 && b! < 112;
};

describe("ClusterIP", () => {
  test("a new service gets a free address from the range at once, and its reservation", async () => {
    const ns = await namespace();
    const created = await main.client.create(services, service(ns, "web"));
    const spec = specOf(created);
    expect(inServiceCIDR(spec.clusterIP)).toBe(true);
    expect(spec.clusterIPs).toEqual([spec.clusterIP]);
    expect(spec.ipFamilies).toEqual(["IPv4"]);
    expect(spec.ipFamilyPolicy).toBe("SingleStack");
    expect(await reserved(main, IP_ADDRESSES)).toContain(spec.clusterIP);
    const reservation = await main.store.get({ resource: IP_ADDRESSES, namespace: "", name: spec.clusterIP });
    expect(reservation.spec).toMatchObject({ parentRef: { resource: "services", namespace: ns, name: "web" } });
    expect(reservation.metadata.labels).toMatchObject({ "ipaddress.kubernetes.io/ip-family": "IPv4" });
  });

  test("a chosen address is honoured, and refused to a second service", async () => {
    const ns = await namespace();
    const created = await main.client.create(services, service(ns, "a", { clusterIP: "10.96.0.10" }));
    expect(specOf(created).clusterIPs).toEqual(["10.96.0.10"]);
    const before = await main.store.currentRevision();
    const refused = main.client.create(services, service(ns, "b", { clusterIP: "10.96.0.10" }));
    await expect(refused).rejects.toMatchObject({ code: 422 });
    await expect(refused).rejects.toThrow("spec.clusterIPs: Invalid value: [\"10.96.0.10\"]: failed to allocate IP 10.96.0.10: provided IP is already allocated");
    // A refused create writes nothing.
    expect(await main.store.currentRevision()).toBe(before);
  });

  test("an address outside the range is refused with the range in the message", async () => {
    const ns = await namespace();
    await expect(main.client.create(services, service(ns, "out", { clusterIP: "192.168.1.1" }))).rejects.toThrow(
      "the provided IP (192.168.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12",
    );
  });

  test('"None" makes a headless service with nothing reserved', async () => {
    const ns = await namespace();
    const before = await reserved(main, IP_ADDRESSES);
    const created = await main.client.create(services, service(ns, "headless", { clusterIP: "None" }));
    expect(specOf(created)).toMatchObject({ clusterIP: "None", clusterIPs: ["None"] });
    expect(await reserved(main, IP_ADDRESSES)).toEqual(before);
  });

  test("ExternalName services get no address, and may not ask for one", async () => {
    const ns = await namespace();
    const created = await main.client.create(services, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "ext", namespace: ns },
      spec: { type: "ExternalName", externalName: "example.com" },
    });
    expect(specOf(created).clusterIP).toBeUndefined();
    await expect(
      main.client.create(services, { apiVersion: "v1", kind: "Service", metadata: { name: "ext2", namespace: ns }, spec: { type: "ExternalName", externalName: "example.com", clusterIP: "10.96.0.99" } }),
    ).rejects.toMatchObject({ code: 422 });
  });

  test("deleting the service releases its address", async () => {
    const ns = await namespace();
    const created = await main.client.create(services, service(ns, "gone", { clusterIP: "10.96.0.20" }));
    expect(specOf(created).clusterIP).toBe("10.96.0.20");
    await main.client.delete(services, ns, "gone");
    expect(await reserved(main, IP_ADDRESSES)).not.toContain("10.96.0.20");
    const again = await main.client.create(services, service(ns, "again", { clusterIP: "10.96.0.20" }));
    expect(specOf(again).clusterIP).toBe("10.96.0.20");
  });

  test("an update without clusterIP keeps it; one that changes it is refused", async () => {
    const ns = await namespace();
    const created = await main.client.create(services, service(ns, "keep"));
    const ip = specOf(created).clusterIP;
    const put = await main.client.update(services, { ...created, spec: { selector: { app: "other" }, ports: [{ name: "http", port: 81 }] } });
    expect(specOf(put)).toMatchObject({ clusterIP: ip, clusterIPs: [ip], selector: { app: "other" } });
    await expect(main.client.patch(services, ns, "keep", "merge", { spec: { clusterIP: "10.96.0.30", clusterIPs: ["10.96.0.30"] } })).rejects.toMatchObject({ code: 422 });
  });

  test("a dry run shows an address but reserves nothing", async () => {
    const ns = await namespace();
    const before = await reserved(main, IP_ADDRESSES);
    const response = await main.client.request("POST", `/api/v1/namespaces/${ns}/services`, { body: service(ns, "dry"), query: { dryRun: "All" } });
    const body = (await response.json()) as KubeObject;
    expect(inServiceCIDR(specOf(body).clusterIP)).toBe(true);
    expect(await reserved(main, IP_ADDRESSES)).toEqual(before);
  });

  test("a generated name is written into the reservation", async () => {
    const ns = await namespace();
    const created = await main.client.create(services, { ...service(ns, ""), metadata: { generateName: "gen-", namespace: ns } });
    const reservation = await main.store.get({ resource: IP_ADDRESSES, namespace: "", name: specOf(created).clusterIP });
    expect(reservation.spec).toMatchObject({ parentRef: { namespace: ns, name: created.metadata.name } });
  });
});

describe("NodePort", () => {
  test("NodePort services get a port in the range for each port, and keep it on update", async () => {
    const ns = await namespace();
    const created = await main.client.create(services, service(ns, "np", { type: "NodePort", ports: [{ name: "http", port: 80 }, { name: "https", port: 443 }] }));
    const ports = specOf(created).ports.map((p: Spec) => p.nodePort);
    for (const port of ports) expect(port >= 30000 && port <= 32767).toBe(true);
    expect(new Set(ports).size).toBe(2);
    expect(await reserved(main, NODE_PORTS)).toEqual(expect.arrayContaining(ports.map(String)));
    // kubectl apply and edit send the ports without nodePort: they are kept by name.
    const updated = await main.client.update(services, { ...created, spec: { ...specOf(created), ports: [{ name: "https", port: 443 }, { name: "http", port: 80 }] } });
    expect(specOf(updated).ports.map((p: Spec) => p.nodePort)).toEqual([ports[1], ports[0]]);
  });

  test("a chosen node port is honoured, and refused when taken or out of range", async () => {
    const ns = await namespace();
    const created = await main.client.create(services, service(ns, "chosen", { type: "NodePort", ports: [{ name: "http", port: 80, nodePort: 30080 }] }));
    expect(specOf(created).ports[0].nodePort).toBe(30080);
    await expect(main.client.create(services, service(ns, "taken", { type: "NodePort", ports: [{ name: "http", port: 80, nodePort: 30080 }] }))).rejects.toThrow(
      "spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated",
    );
    await expect(main.client.create(services, service(ns, "far", { type: "NodePort", ports: [{ name: "http", port: 80, nodePort: 8080 }] }))).rejects.toThrow(
      "provided port is not in the valid range. The range of valid ports is 30000-32767",
    );
  });

  test("one node port may serve a port's TCP and UDP, but not twice for one protocol", async () => {
    const ns = await namespace();
    const dns = await main.client.create(
      services,
      service(ns, "dns", { type: "NodePort", ports: [{ name: "dns", port: 53, protocol: "UDP", nodePort: 30053 }, { name: "dns-tcp", port: 53, protocol: "TCP", nodePort: 30053 }] }),
    );
    expect(specOf(dns).ports.map((p: Spec) => p.nodePort)).toEqual([30053, 30053]);
    await expect(
      main.client.create(services, service(ns, "twice", { type: "NodePort", ports: [{ name: "a", port: 1, nodePort: 30054 }, { name: "b", port: 2, nodePort: 30054 }] })),
    ).rejects.toMatchObject({ code: 422 });
  });

  test("changing the type away from NodePort releases the node ports; back again allocates", async () => {
    const ns = await namespace();
    const created = await main.client.create(services, service(ns, "flip", { type: "NodePort" }));
    const port = specOf(created).ports[0].nodePort as number;
    const clusterIP = specOf(created).clusterIP;
    // The node port is still in the stored object; Kubernetes drops it with the type.
    const asClusterIP = await main.client.patch(services, ns, "flip", "merge", { spec: { type: "ClusterIP" } });
    expect(specOf(asClusterIP).ports[0].nodePort).toBeUndefined();
    expect(specOf(asClusterIP).clusterIP).toBe(clusterIP);
    expect(await reserved(main, NODE_PORTS)).not.toContain(String(port));
    const back = await main.client.patch(services, ns, "flip", "merge", { spec: { type: "NodePort" } });
    expect(specOf(back).ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(await reserved(main, NODE_PORTS)).toContain(String(specOf(back).ports[0].nodePort));
  });

  test("changing to ExternalName releases the ClusterIP", async () => {
    const ns = await namespace();
    const created = await main.client.create(services, service(ns, "toext"));
    const ip = specOf(created).clusterIP;
    const ext = await main.client.patch(services, ns, "toext", "merge", { spec: { type: "ExternalName", externalName: "example.com", selector: null } });
    expect(specOf(ext).clusterIP).toBeUndefined();
    expect(await reserved(main, IP_ADDRESSES)).not.toContain(ip);
  });

  test("LoadBalancer with externalTrafficPolicy Local gets a healthCheckNodePort too, released on delete", async () => {
    const ns = await namespace();
    const created = await main.client.create(services, service(ns, "lb", { type: "LoadBalancer", externalTrafficPolicy: "Local" }));
    const spec = specOf(created);
    expect(spec.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect(spec.healthCheckNodePort).not.toBe(spec.ports[0].nodePort);
    await main.client.delete(services, ns, "lb");
    const left = await reserved(main, NODE_PORTS);
    expect(left).not.toContain(String(spec.healthCheckNodePort));
    expect(left).not.toContain(String(spec.ports[0].nodePort));
  });
});

describe("small and dual-stack ranges", () => {
  test("a full range answers 'range is full' and a freed address is handed out again", async () => {
    // Another API server on the same store, configured with a tiny range.
    const tiny = await cluster({ serviceCIDRs: ["10.0.0.0/30"] }, main.store);
    {
      const ns = await namespace(tiny);
      const a = await tiny.client.create(services, service(ns, "a"));
      const b = await tiny.client.create(services, service(ns, "b"));
      expect(new Set([specOf(a).clusterIP, specOf(b).clusterIP])).toEqual(new Set(["10.0.0.1", "10.0.0.2"]));
      await expect(tiny.client.create(services, service(ns, "c"))).rejects.toThrow("range is full");
      await tiny.client.delete(services, ns, "a");
      expect(specOf(await tiny.client.create(services, service(ns, "c"))).clusterIP).toBe(specOf(a).clusterIP);
      expect(internalErrors).toHaveLength(1);
    }
  });

  test("PreferDualStack gets one address of each family; RequireDualStack needs a dual-stack cluster", async () => {
    const dual = await cluster({ serviceCIDRs: ["10.200.0.0/16", "fd00:10:96::/112"] }, main.store);
    {
      const ns = await namespace(dual);
      const both = await dual.client.create(services, service(ns, "both", { ipFamilyPolicy: "PreferDualStack" }));
      const spec = specOf(both);
      expect(spec.ipFamilies).toEqual(["IPv4", "IPv6"]);
      expect(spec.clusterIPs).toHaveLength(2);
      expect(spec.clusterIPs[1]).toStartWith("fd00:10:96::");
      const single = await dual.client.create(services, service(ns, "single"));
      expect(specOf(single).clusterIPs).toHaveLength(1);
    }
    const ns = await namespace();
    await expect(main.client.create(services, service(ns, "req", { ipFamilyPolicy: "RequireDualStack" }))).rejects.toThrow(
      "this cluster is not configured for dual-stack services",
    );
  });
});

describe("repair", () => {
  test("a leaked reservation is freed once old enough, and a missing one is restored", async () => {
    const c = main;
    const ns = await namespace(c);
    const allocator = new ServiceAllocator(c.store, { serviceCIDRs: ["10.96.0.0/12"] });
    // A server that died between reserving and storing its Service leaves this behind.
    expect(await allocator.reserveIP("10.96.1.1", { namespace: ns, name: "never-stored" })).toEqual({ ok: true, value: "10.96.1.1" });
    const svc = await c.client.create(services, service(ns, "live", { type: "NodePort" }));
    const ip = specOf(svc).clusterIP as string;
    const port = specOf(svc).ports[0].nodePort as number;
    await allocator.releaseIP(ip);
    await allocator.releasePort(port);

    const young = await repairAllocations(c.store, allocator, { leakGraceMs: 60_000, log: () => {} });
    expect(young.released).toEqual([]);
    expect(young.restored.sort()).toEqual([`ip/${ip}`, `port/${port}`].sort());

    const later = await repairAllocations(c.store, allocator, { leakGraceMs: 60_000, now: () => Date.now() + 120_000, log: () => {} });
    expect(later.released).toEqual(["ip/10.96.1.1"]);
    expect(await reserved(c, IP_ADDRESSES)).toContain(ip);
    expect(await reserved(c, IP_ADDRESSES)).not.toContain("10.96.1.1");
    expect(await reserved(c, NODE_PORTS)).toContain(String(port));
  });
});
