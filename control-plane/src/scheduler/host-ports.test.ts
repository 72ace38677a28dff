import { describe, expect, test } from "bun:test";
import { makePod } from "./builders.ts";
import { type HostPort, HostPortSet, podHostPorts } from "./host-ports.ts";

const tcp = (port: number, ip = "0.0.0.0"): HostPort => ({ ip, protocol: "TCP", port });

describe("HostPortSet.conflicts", () => {
  test.each<[string, HostPort[], HostPort, boolean]>([
    ["nothing bound", [], tcp(80), false],
    ["same port, all addresses", [tcp(80)], tcp(80), true],
    ["another port", [tcp(80)], tcp(81), false],
    ["another protocol", [tcp(80)], { ip: "0.0.0.0", protocol: "UDP", port: 80 }, false],
    ["a specific address against all addresses", [tcp(80)], tcp(80, "10.0.0.1"), true],
    ["all addresses against a specific address", [tcp(80, "10.0.0.1")], tcp(80), true],
    ["two different specific addresses", [tcp(80, "10.0.0.1")], tcp(80, "10.0.0.2"), false],
    ["the same specific address", [tcp(80, "10.0.0.1")], tcp(80, "10.0.0.1"), true],
  ])("%s", (_, bound, wanted, expected) => {
    const set = new HostPortSet();
    for (const p of bound) set.add(p);
    expect(set.conflicts(wanted)).toBe(expected);
  });

  test("removing one of two identical claims keeps the other", () => {
    const set = new HostPortSet();
    set.add(tcp(80));
    set.add(tcp(80));
    set.remove(tcp(80));
    expect(set.conflicts(tcp(80))).toBe(true);
    set.remove(tcp(80));
    expect(set.conflicts(tcp(80))).toBe(false);
    expect(set.size).toBe(0);
  });
});

describe("podHostPorts", () => {
  test("defaults the address and protocol and skips ports without a hostPort", () => {
    const pod = makePod("p", {
      spec: {
        containers: [{ name: "a", ports: [{ containerPort: 8080, hostPort: 80 }, { containerPort: 9090 }, { containerPort: 53, hostPort: 53, protocol: "UDP", hostIP: "10.0.0.1" }] }],
        initContainers: [
          { name: "init", ports: [{ containerPort: 1, hostPort: 1 }] },
          { name: "sidecar", restartPolicy: "Always", ports: [{ containerPort: 2, hostPort: 2 }] },
        ],
      },
    });
    expect(podHostPorts(pod)).toEqual([tcp(80), { ip: "10.0.0.1", protocol: "UDP", port: 53 }, tcp(2)]);
  });
});
