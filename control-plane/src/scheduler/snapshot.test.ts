import { describe, expect, test } from "bun:test";
import type { Pod } from "../../../schemas/index.ts";
import { makeNode, makePod } from "./builders.ts";
import { compilePodSelector } from "./pod-selector.ts";
import { Snapshot } from "./snapshot.ts";

const cpuOf = (snapshot: Snapshot, node: string) => snapshot.get(node)?.requested.milliCpu;

describe("nodes", () => {
  test("added, updated and removed", () => {
    const s = new Snapshot();
    s.setNode(makeNode("a", { cpu: "2" }));
    s.setNode(makeNode("b"));
    expect(s.numNodes).toBe(2);
    s.setNode(makeNode("a", { cpu: "8" }));
    expect(s.numNodes).toBe(2);
    expect(s.get("a")?.allocatable.milliCpu).toBe(8000);
    s.removeNode("a");
    expect(s.numNodes).toBe(1);
    expect(s.get("a")).toBeUndefined();
    expect(s.nodeInfos().map((n) => n.name)).toEqual(["b"]);
  });

  test("a deleted node's pods stay counted until they go, and count again if it returns", () => {
    const s = new Snapshot();
    s.setNode(makeNode("a"));
    s.setPod(makePod("p", { nodeName: "a", cpu: "1" }));
    s.removeNode("a");
    expect(s.get("a")).toBeUndefined();
    s.setNode(makeNode("a"));
    expect(cpuOf(s, "a")).toBe(1000);
  });

  test("pods seen before their node are counted when it arrives", () => {
    const s = new Snapshot();
    s.setPod(makePod("p", { nodeName: "late", cpu: "500m" }));
    expect(s.numNodes).toBe(0);
    s.setNode(makeNode("late"));
    expect(cpuOf(s, "late")).toBe(500);
  });

  test("nodes are listed zone by zone in turn", () => {
    const s = new Snapshot();
    const zone = (name: string, z: string) => makeNode(name, { labels: { "topology.kubernetes.io/zone": z } });
    for (const n of [zone("a1", "a"), zone("a2", "a"), zone("a3", "a"), zone("b1", "b"), zone("c1", "c"), zone("c2", "c")]) s.setNode(n);
    expect(s.nodeInfos().map((n) => n.name)).toEqual(["a1", "b1", "c1", "a2", "c2", "a3"]);
  });

  test("image presence is counted across nodes", () => {
    const s = new Snapshot();
    const images = [{ names: ["nginx:1.27"], sizeBytes: 1 }];
    s.setNode(makeNode("a", { images }));
    s.setNode(makeNode("b", { images }));
    expect(s.nodesWithImage("docker.io/library/nginx:1.27")).toBe(2);
    s.setNode(makeNode("b"));
    s.removeNode("a");
    expect(s.nodesWithImage("docker.io/library/nginx:1.27")).toBe(0);
  });
});

describe("pods", () => {
  const setup = () => {
    const s = new Snapshot();
    s.setNode(makeNode("a"));
    s.setNode(makeNode("b"));
    return s;
  };

  test.each<[string, (s: Snapshot) => void, number | undefined, number | undefined]>([
    ["a bound pod counts on its node", (s) => s.setPod(makePod("p", { nodeName: "a", cpu: "1" })), 1000, 0],
    ["a pending pod is the queue's, not counted", (s) => s.setPod(makePod("p", { cpu: "1" })), 0, 0],
    [
      "a pod moving nodes moves its requests",
      (s) => {
        s.setPod(makePod("p", { nodeName: "a", cpu: "1" }));
        s.setPod(makePod("p", { nodeName: "b", cpu: "1" }));
      },
      0,
      1000,
    ],
    [
      "an update replaces, never adds",
      (s) => {
        s.setPod(makePod("p", { nodeName: "a", cpu: "1" }));
        s.setPod(makePod("p", { nodeName: "a", cpu: "2" }));
      },
      2000,
      0,
    ],
    [
      "a finished pod frees its node",
      (s) => {
        s.setPod(makePod("p", { nodeName: "a", cpu: "1" }));
        s.setPod(makePod("p", { nodeName: "a", cpu: "1", phase: "Succeeded" }));
      },
      0,
      0,
    ],
    [
      "a deleted pod frees its node",
      (s) => {
        const p = makePod("p", { nodeName: "a", cpu: "1" });
        s.setPod(p);
        s.removePod(p);
      },
      0,
      0,
    ],
  ])("%s", (_, act, a, b) => {
    const s = setup();
    act(s);
    expect([cpuOf(s, "a"), cpuOf(s, "b")]).toEqual([a, b]);
  });

  test("host ports and pod counts follow their pods", () => {
    const s = setup();
    const p = makePod("p", { nodeName: "a", spec: { containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 80 }] }] } });
    s.setPod(p);
    expect(s.get("a")?.pods.size).toBe(1);
    expect(s.get("a")?.usedPorts.conflicts({ ip: "0.0.0.0", protocol: "TCP", port: 80 })).toBe(true);
    s.removePod(p);
    expect(s.get("a")?.pods.size).toBe(0);
    expect(s.get("a")?.usedPorts.size).toBe(0);
  });
});

describe("assume and forget", () => {
  const pending = (): Pod => makePod("p", { cpu: "1" });

  test("an assumed pod counts until forgotten", () => {
    const s = new Snapshot();
    s.setNode(makeNode("a"));
    expect(s.assume(pending(), "a")).toBe(true);
    expect(cpuOf(s, "a")).toBe(1000);
    expect(s.isAssumed(pending())).toBe(true);
    s.forget(pending());
    expect(cpuOf(s, "a")).toBe(0);
    expect(s.isPlaced(pending())).toBe(false);
  });

  test("assuming twice is refused", () => {
    const s = new Snapshot();
    s.setNode(makeNode("a"));
    s.assume(pending(), "a");
    expect(s.assume(pending(), "a")).toBe(false);
    expect(cpuOf(s, "a")).toBe(1000);
  });

  test("status writes to the still-pending pod keep the assumption", () => {
    const s = new Snapshot();
    s.setNode(makeNode("a"));
    s.assume(pending(), "a");
    s.setPod(pending());
    expect(s.isAssumed(pending())).toBe(true);
    expect(cpuOf(s, "a")).toBe(1000);
  });

  test("the bound pod arriving confirms the assumption; forget is then a no-op", () => {
    const s = new Snapshot();
    s.setNode(makeNode("a"));
    s.assume(pending(), "a");
    s.setPod(makePod("p", { cpu: "1", nodeName: "a" }));
    expect(s.isAssumed(pending())).toBe(false);
    expect(cpuOf(s, "a")).toBe(1000);
    s.forget(pending());
    expect(cpuOf(s, "a")).toBe(1000);
  });

  test("bound elsewhere than assumed: the binding wins", () => {
    const s = new Snapshot();
    s.setNode(makeNode("a"));
    s.setNode(makeNode("b"));
    s.assume(pending(), "a");
    s.setPod(makePod("p", { cpu: "1", nodeName: "b" }));
    expect([cpuOf(s, "a"), cpuOf(s, "b")]).toEqual([0, 1000]);
  });
});

describe("forEachMatchingPod", () => {
  const s = new Snapshot();
  s.setNode(makeNode("a"));
  s.setPod(makePod("w1", { nodeName: "a", labels: { app: "web", tier: "front" } }));
  s.setPod(makePod("w2", { nodeName: "a", labels: { app: "web" } }));
  s.setPod(makePod("d1", { nodeName: "a", labels: { app: "db" } }));
  s.setPod(makePod("w3", { nodeName: "a", labels: { app: "web" }, namespace: "other" }));

  test.each<[string, Parameters<typeof compilePodSelector>[0], string[] | undefined, string[]]>([
    ["by an equality requirement", { matchLabels: { app: "web" } }, ["default"], ["w1", "w2"]],
    ["across namespaces", { matchLabels: { app: "web" } }, undefined, ["w1", "w2", "w3"]],
    ["In with several values", { matchExpressions: [{ key: "app", operator: "In", values: ["web", "db"] }] }, ["default"], ["d1", "w1", "w2"]],
    ["no equality requirement: scans the namespace", { matchExpressions: [{ key: "tier", operator: "Exists" }] }, ["default"], ["w1"]],
    ["an empty selector selects all", {}, undefined, ["d1", "w1", "w2", "w3"]],
    ["a missing selector selects none", undefined, undefined, []],
    ["an invalid selector selects none", { matchExpressions: [{ key: "app", operator: "Near", values: ["x"] }] }, undefined, []],
  ])("%s", (_, selector, namespaces, expected) => {
    const found: string[] = [];
    s.forEachMatchingPod(compilePodSelector(selector), namespaces && new Set(namespaces), (p) => found.push(p.pod.metadata?.name ?? ""));
    expect(found.sort()).toEqual(expected);
  });
});
