import { describe, expect, test } from "bun:test";
import { endpointSubsets } from "./endpoints.ts";
import { findPort, type Pod, type ServiceObject, shouldPodBeInEndpoints } from "./service-pods.ts";

type PodOptions = { ip?: string; ready?: boolean; phase?: string; terminating?: boolean; node?: string; ports?: { name: string; containerPort: number; protocol?: string }[]; hostname?: string; subdomain?: string };

const pod = (name: string, o: PodOptions = {}): Pod =>
  ({
    metadata: { name, namespace: "ns", uid: `uid-${name}`, labels: { app: "web" }, ...(o.terminating ? { deletionTimestamp: "2025-01-01T00:00:00Z" } : {}) },
    spec: {
      containers: [{ name: "c", image: "x", ports: o.ports }],
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
    },
    status: {
      phase: o.phase ?? "Running",
      ...(o.ip === undefined ? { podIP: `10.244.0.${name.length}` } : o.ip ? { podIP: o.ip } : {}),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  }) as unknown as Pod;

const service = (spec: Record<string, unknown> = {}): ServiceObject =>
  ({
    metadata: { name: "web", namespace: "ns" },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }], ...spec },
  }) as unknown as ServiceObject;

const address = (name: string, ip: string, extra: object = {}) => ({ ip, targetRef: { kind: "Pod", namespace: "ns", name, uid: `uid-${name}` }, ...extra });

describe("endpointSubsets", () => {
  test("ready pods are addresses, unready ones notReadyAddresses, one subset for one port set", () => {
    const subsets = endpointSubsets(service(), [pod("a", { ip: "10.0.0.2", node: "n1" }), pod("bb", { ip: "10.0.0.1", ready: false })]);
    expect(subsets).toEqual([
      {
        addresses: [address("a", "10.0.0.2", { nodeName: "n1" })],
        notReadyAddresses: [address("bb", "10.0.0.1")],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    ]);
  });

  test("publishNotReadyAddresses lists every pod as ready, terminating ones too", () => {
    const subsets = endpointSubsets(service({ publishNotReadyAddresses: true }), [pod("a", { ip: "10.0.0.1", ready: false }), pod("b", { ip: "10.0.0.2", terminating: true })]);
    expect(subsets[0]!.addresses!.map((a) => a.ip)).toEqual(["10.0.0.1", "10.0.0.2"]);
    expect(subsets[0]!.notReadyAddresses).toBeUndefined();
  });

  test.each<[string, PodOptions]>([
    ["without an IP", { ip: "" }],
    ["succeeded", { phase: "Succeeded" }],
    ["failed", { phase: "Failed" }],
    ["terminating", { terminating: true }],
  ])("a pod %s is left out", (_, options) => {
    expect(endpointSubsets(service(), [pod("a", options)])).toEqual([]);
  });

  test("named target ports resolve per pod; pods resolving differently get their own subsets", () => {
    const svc = service({ ports: [{ name: "http", port: 80, targetPort: "web", protocol: "TCP" }] });
    const subsets = endpointSubsets(svc, [
      pod("a", { ip: "10.0.0.1", ports: [{ name: "web", containerPort: 8080 }] }),
      pod("b", { ip: "10.0.0.2", ports: [{ name: "web", containerPort: 9090 }] }),
      pod("c", { ip: "10.0.0.3", ports: [{ name: "web", containerPort: 8080 }] }),
      // No port of that name (or only for UDP): not an endpoint of this port.
      pod("d", { ip: "10.0.0.4", ports: [{ name: "web", containerPort: 8080, protocol: "UDP" }] }),
    ]);
    expect(subsets).toEqual([
      { addresses: [address("a", "10.0.0.1"), address("c", "10.0.0.3")], ports: [{ name: "http", port: 8080, protocol: "TCP" }] },
      { addresses: [address("b", "10.0.0.2")], ports: [{ name: "http", port: 9090, protocol: "TCP" }] },
    ]);
  });

  test("ports offered by the same pods share a subset", () => {
    const svc = service({ ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }, { name: "metrics", port: 9100, targetPort: 9100, protocol: "TCP" }] });
    const subsets = endpointSubsets(svc, [pod("a", { ip: "10.0.0.1" }), pod("b", { ip: "10.0.0.2" })]);
    expect(subsets).toHaveLength(1);
    expect(subsets[0]!.ports!.map((p) => p.name)).toEqual(["http", "metrics"]);
  });

  test("a headless service without ports lists its pods without ports; hostname when the pod asks for the subdomain", () => {
    const svc = service({ clusterIP: "None", ports: undefined });
    const subsets = endpointSubsets(svc, [pod("a", { ip: "10.0.0.1", hostname: "a", subdomain: "web" }), pod("b", { ip: "10.0.0.2", hostname: "b", subdomain: "other" })]);
    expect(subsets).toEqual([{ addresses: [address("a", "10.0.0.1", { hostname: "a" }), address("b", "10.0.0.2")] }]);
  });

  test("the same pods in another order give the same subsets", () => {
    const pods = [pod("a", { ip: "10.0.0.3" }), pod("b", { ip: "10.0.0.1", ready: false }), pod("c", { ip: "10.0.0.2" })];
    expect(endpointSubsets(service(), [...pods].reverse())).toEqual(endpointSubsets(service(), pods));
  });
});

test.each<[string, unknown, number | undefined]>([
  ["a number is the port", 8080, 8080],
  ["a name is looked up", "web", 7000],
  ["an unknown name is no port", "nope", undefined],
])("findPort: %s", (_, targetPort, expected) => {
  const p = pod("a", { ports: [{ name: "web", containerPort: 7000 }] });
  expect(findPort(p, { port: 80, targetPort, protocol: "TCP" } as never)).toBe(expected);
});

test.each<[string, PodOptions, boolean, boolean]>([
  ["running with an IP", {}, false, true],
  ["terminating, not included", { terminating: true }, false, false],
  ["terminating, included", { terminating: true }, true, true],
  ["no IP", { ip: "" }, true, false],
  ["failed", { phase: "Failed" }, true, false],
])("shouldPodBeInEndpoints: %s", (_, options, includeTerminating, expected) => {
  expect(shouldPodBeInEndpoints(pod("a", options), includeTerminating)).toBe(expected);
});
