import { describe, expect, test } from "bun:test";
import type { Pod } from "../replicaset/types.ts";
import { type DaemonSet, daemonPodTolerations, newDaemonPod, type NodeObject, nodeShouldRunDaemonPod, pinToNode, targetNodeName } from "./daemon-pods.ts";

const node = (name: string, labels: Record<string, string> = {}, taints: { key: string; effect: string; value?: string }[] = []): NodeObject =>
  ({ metadata: { name, labels }, spec: { taints } }) as unknown as NodeObject;

const daemonSet = (podSpec: Record<string, unknown> = {}): DaemonSet =>
  ({
    metadata: { name: "agent", namespace: "kube-system", uid: "ds-uid" },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "c", image: "x" }], ...podSpec } },
    },
  }) as unknown as DaemonSet;

describe("nodeShouldRunDaemonPod", () => {
  const zoneA = { nodeSelector: { zone: "a" } };
  const affinityGpu = {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "gpu", operator: "Exists" }] }] } } },
  };
  test.each<[string, NodeObject, Record<string, unknown>, boolean, boolean]>([
    ["a plain node", node("n"), {}, true, true],
    ["nodeSelector matches", node("n", { zone: "a" }), zoneA, true, true],
    ["nodeSelector does not match", node("n", { zone: "b" }), zoneA, false, false],
    ["required affinity matches", node("n", { gpu: "1" }), affinityGpu, true, true],
    ["required affinity does not match", node("n"), affinityGpu, false, false],
    ["template nodeName names another node", node("n"), { nodeName: "other" }, false, false],
    ["untolerated NoSchedule: keep what runs, start nothing", node("n", {}, [{ key: "dedicated", effect: "NoSchedule" }]), {}, false, true],
    ["untolerated NoExecute: nothing may run", node("n", {}, [{ key: "dedicated", effect: "NoExecute" }]), {}, false, false],
    ["tolerated taint", node("n", {}, [{ key: "dedicated", value: "edge", effect: "NoExecute" }]), { tolerations: [{ key: "dedicated", operator: "Equal", value: "edge" }] }, true, true],
    ["PreferNoSchedule is ignored", node("n", {}, [{ key: "soft", effect: "PreferNoSchedule" }]), {}, true, true],
    // The default daemon tolerations: an unreachable, not-ready, cordoned or pressured node still runs its daemons.
    ["unreachable node", node("n", {}, [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }, { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" }]), {}, false, true],
    ["not-ready node (NoExecute only)", node("n", {}, [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }]), {}, true, true],
    ["cordoned node", node("n", {}, [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }]), {}, true, true],
    ["memory pressure", node("n", {}, [{ key: "node.kubernetes.io/memory-pressure", effect: "NoSchedule" }]), {}, true, true],
    ["network unavailable, host network", node("n", {}, [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }]), { hostNetwork: true }, true, true],
    ["network unavailable, pod network", node("n", {}, [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }]), {}, false, true],
  ])("%s", (_, n, spec, shouldRun, shouldContinueRunning) => {
    expect(nodeShouldRunDaemonPod(n, daemonSet(spec))).toEqual({ shouldRun, shouldContinueRunning });
  });
});

test("daemon tolerations are added once, replacing the template's for the same key and effect", () => {
  const tolerations = daemonPodTolerations([{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 }, { key: "mine", operator: "Exists" }], false);
  expect(tolerations.filter((t) => t.key === "node.kubernetes.io/unreachable")).toEqual([{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }]);
  expect(tolerations.map((t) => t.key)).toEqual([
    "node.kubernetes.io/unreachable",
    "mine",
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/disk-pressure",
    "node.kubernetes.io/memory-pressure",
    "node.kubernetes.io/pid-pressure",
    "node.kubernetes.io/unschedulable",
  ]);
});

describe("pinToNode", () => {
  test("a pod without affinity gets a required matchFields term", () => {
    expect(pinToNode(undefined, "edge-1")).toEqual({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["edge-1"] }] }] } },
    });
  });
  test("the required terms are replaced, preferred terms and pod affinity kept", () => {
    const preferred = [{ weight: 1, preference: { matchExpressions: [{ key: "ssd", operator: "Exists" as const }] } }];
    const pinned = pinToNode(
      {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "gpu", operator: "Exists" }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: preferred,
        },
        podAntiAffinity: {},
      },
      "edge-2",
    );
    expect(pinned.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([{ matchFields: [{ key: "metadata.name", operator: "In", values: ["edge-2"] }] }]);
    expect(pinned.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toEqual(preferred);
    expect(pinned.podAntiAffinity).toEqual({});
  });
});

test("a new daemon pod: labels with the hash, owner, tolerations, pinned to its node", () => {
  const pod = newDaemonPod(daemonSet(), "edge-3", "abc123");
  expect(pod.metadata).toMatchObject({
    generateName: "agent-",
    namespace: "kube-system",
    labels: { app: "agent", "controller-revision-hash": "abc123" },
    ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "ds-uid", controller: true, blockOwnerDeletion: true }],
  });
  expect(pod.spec?.nodeName).toBeUndefined();
  expect(targetNodeName(pod)).toBe("edge-3");
  expect(pod.spec?.tolerations?.length).toBe(6);
});

test.each<[string, Record<string, unknown>, string | undefined]>([
  ["bound", { nodeName: "n1" }, "n1"],
  ["pinned", { affinity: pinToNode(undefined, "n2") }, "n2"],
  ["bound wins", { nodeName: "n1", affinity: pinToNode(undefined, "n2") }, "n1"],
  ["neither", {}, undefined],
])("targetNodeName: %s", (_, spec, expected) => {
  expect(targetNodeName({ metadata: {}, spec: { containers: [], ...spec } } as unknown as Pod)).toBe(expected);
});
