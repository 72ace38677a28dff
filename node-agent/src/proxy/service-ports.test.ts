import { describe, expect, test } from "bun:test";
import type { EndpointSlice, Service } from "../../../schemas/index.ts";
import { endpointsFor, frontendsOf, servicePorts } from "./service-ports.ts";

const svc = (spec: Service["spec"], status?: Service["status"]): Service => ({ metadata: { namespace: "ns", name: "web" }, spec, ...(status ? { status } : {}) }) as Service;

describe("servicePorts", () => {
  test("one entry per TCP/UDP port with the Service's addresses and policies; SCTP is not proxied", () => {
    const ports = servicePorts(
      svc({
        type: "NodePort",
        clusterIP: "10.0.0.1",
        clusterIPs: ["10.0.0.1"],
        sessionAffinity: "ClientIP",
        externalTrafficPolicy: "Local",
        ports: [
          { name: "http", port: 80, protocol: "TCP", nodePort: 30080 },
          { name: "dns", port: 53, protocol: "UDP", nodePort: 30053 },
          { name: "sig", port: 9, protocol: "SCTP" },
        ],
      }),
    );
    expect(ports.map((p) => p.id)).toEqual(["ns/web:http/TCP", "ns/web:dns/UDP"]);
    expect(ports[0]).toMatchObject({ port: 80, nodePort: 30080, clusterIPs: ["10.0.0.1"], affinityTimeoutMs: 10_800_000, externalLocal: true, internalLocal: false });
  });

  test.each([
    ["ExternalName", { type: "ExternalName", externalName: "example.com" }, 0],
    ["headless: ports but no ClusterIP listeners", { clusterIP: "None", ports: [{ port: 80 }] }, 1],
  ] as [string, Service["spec"], number][])("%s", (_, spec, count) => {
    const ports = servicePorts(svc(spec));
    expect(ports).toHaveLength(count);
    for (const p of ports) expect(p.clusterIPs).toEqual([]);
  });

  test("a ClusterIP Service keeps no nodePort even if one is set; a LoadBalancer lists its ingress IPs", () => {
    expect(servicePorts(svc({ clusterIP: "10.0.0.1", ports: [{ port: 80, nodePort: 30000 }] }))[0]!.nodePort).toBeUndefined();
    const lb = servicePorts(svc({ type: "LoadBalancer", clusterIP: "10.0.0.1", ports: [{ port: 80, nodePort: 30000 }] }, { loadBalancer: { ingress: [{ ip: "192.0.2.7" }, { hostname: "lb.example" }] } }));
    expect(lb[0]!.loadBalancerIPs).toEqual(["192.0.2.7"]);
  });
});

describe("endpointsFor", () => {
  const slice = (ports: EndpointSlice["ports"], endpoints: EndpointSlice["endpoints"], addressType: "IPv4" | "FQDN" = "IPv4"): EndpointSlice =>
    ({ metadata: { name: "s" }, addressType, ports, endpoints }) as EndpointSlice;

  test("matches the slice port by name and protocol, reads conditions with Kubernetes' defaults", () => {
    const found = endpointsFor({ portName: "http", protocol: "TCP" }, [
      slice([{ name: "http", port: 8080, protocol: "TCP" }, { name: "metrics", port: 9090, protocol: "TCP" }], [
        { addresses: ["10.1.0.1"], nodeName: "n1" },
        { addresses: ["10.1.0.2"], conditions: { ready: false, serving: true, terminating: true } },
      ]),
      slice([{ name: "http", port: 8080, protocol: "UDP" }], [{ addresses: ["10.1.0.9"] }]),
      slice([{ name: "http", port: 8080, protocol: "TCP" }], [{ addresses: ["web.example"] }], "FQDN"),
    ]);
    expect(found).toEqual([
      { ip: "10.1.0.1", port: 8080, ready: true, serving: true, terminating: false, nodeName: "n1" },
      { ip: "10.1.0.2", port: 8080, ready: false, serving: true, terminating: true },
    ]);
  });

  test("an endpoint in two slices (moving between them) counts once, ready if either says so", () => {
    const found = endpointsFor({ portName: "", protocol: "TCP" }, [
      slice([{ port: 80 }], [{ addresses: ["10.1.0.1"], conditions: { ready: false } }]),
      slice([{ port: 80 }], [{ addresses: ["10.1.0.1"], conditions: { ready: true } }]),
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]!.ready).toBe(true);
  });
});

describe("frontendsOf", () => {
  test("ClusterIPs are internal; the NodePort on every node address and this node's LoadBalancer/external IPs are external", () => {
    const [info] = servicePorts(
      svc({ type: "LoadBalancer", clusterIP: "10.0.0.1", externalIPs: ["198.51.100.1"], ports: [{ port: 80, nodePort: 30080 }] }, { loadBalancer: { ingress: [{ ip: "192.0.2.1" }, { ip: "192.0.2.2" }] } }),
    );
    expect(frontendsOf(info!, ["192.0.2.1", "172.16.0.1"])).toEqual([
      { protocol: "TCP", ip: "10.0.0.1", port: 80, external: false },
      { protocol: "TCP", ip: "192.0.2.1", port: 30080, external: true },
      { protocol: "TCP", ip: "172.16.0.1", port: 30080, external: true },
      { protocol: "TCP", ip: "192.0.2.1", port: 80, external: true },
    ]);
  });
});
