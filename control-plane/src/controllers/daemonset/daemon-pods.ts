// Daemon pods: the pod a DaemonSet runs on a node, which nodes should run
// one (Kubernetes' NodeShouldRunDaemonPod), and which node a pod is meant
// for. Pure functions over the objects, so they are table-tested.
import type { Node, Taint, Toleration } from "../../../../schemas/index.ts";
import type { DaemonSet as DaemonSetSchema } from "../../../../schemas/apps-v1.ts";
import {
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
} from "../../../../schemas/well-known-taints.ts";
import { requiredNodeAffinity } from "../../scheduler/node-selector.ts";
import { tolerationsTolerateTaint } from "../../scheduler/taints.ts";
import { controllerRefTo } from "../replicaset/controller-ref.ts";
import type { ObjectMeta, Pod } from "../replicaset/types.ts";

export type DaemonSet = Omit<DaemonSetSchema, "metadata"> & { metadata: ObjectMeta };
export type NodeObject = Omit<Node, "metadata"> & { metadata: ObjectMeta };

/** apps.ControllerRevisionHashLabelKey: which template version a daemon pod runs. */
export const CONTROLLER_REVISION_HASH = "controller-revision-hash";

/**
 * The tolerations Kubernetes adds to every daemon pod
 * (AddOrUpdateDaemonPodTolerations): a daemon keeps running on a node that is
 * not ready, unreachable, under pressure or cordoned — it is often what
 * the node needs to recover.
 */
export function daemonPodTolerations(tolerations: readonly Toleration[] | undefined, hostNetwork: boolean): Toleration[] {
  const added: Toleration[] = [
    { key: TAINT_NODE_NOT_READY, operator: "Exists", effect: "NoExecute" },
    { key: TAINT_NODE_UNREACHABLE, operator: "Exists", effect: "NoExecute" },
    { key: TAINT_NODE_DISK_PRESSURE, operator: "Exists", effect: "NoSchedule" },
    { key: TAINT_NODE_MEMORY_PRESSURE, operator: "Exists", effect: "NoSchedule" },
    { key: TAINT_NODE_PID_PRESSURE, operator: "Exists", effect: "NoSchedule" },
    { key: TAINT_NODE_UNSCHEDULABLE, operator: "Exists", effect: "NoSchedule" },
  ];
  if (hostNetwork) added.push({ key: TAINT_NODE_NETWORK_UNAVAILABLE, operator: "Exists", effect: "NoSchedule" });
  const result = [...(tolerations ?? [])];
  // AddOrUpdateTolerationInPod: a toleration for the same key and effect is replaced.
  for (const toleration of added) {
    const same = result.findIndex((t) => t.key === toleration.key && t.effect === toleration.effect);
    if (same >= 0) result[same] = toleration;
    else result.push(toleration);
  }
  return result;
}

type Affinity = NonNullable<NonNullable<Pod["spec"]>["affinity"]>;

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the pod's required node affinity
 * becomes "metadata.name In [node]" — the node already passed the
 * DaemonSet's own affinity — so the scheduler binds it there (Kubernetes ≥ 1.12).
 */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In" as const, values: [nodeName] }] }] };
  const copy = structuredClone(affinity ?? {});
  copy.nodeAffinity = { ...copy.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: required };
  return copy;
}

/** The daemon pod for `nodeName` (unnamed: generateName), labelled with the template's hash. */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const template = ds.spec?.template ?? {};
  const spec = structuredClone(template.spec ?? { containers: [] }) as NonNullable<Pod["spec"]>;
  spec.tolerations = daemonPodTolerations(spec.tolerations, spec.hostNetwork === true);
  spec.affinity = pinToNode(spec.affinity, nodeName);
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...template.metadata?.labels, [CONTROLLER_REVISION_HASH]: hash },
      ownerReferences: [controllerRefTo({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: ds.metadata })],
    },
    spec,
  };
  if (template.metadata?.annotations) pod.metadata.annotations = { ...template.metadata.annotations };
  return pod;
}

/** util.GetTargetNodeName: the bound node, or the one a daemon pod's affinity pins it to. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const field of term.matchFields ?? []) {
      if (field.key === "metadata.name" && field.operator === "In" && field.values?.length === 1) return field.values[0];
    }
  }
  return undefined;
}

export interface ShouldRun {
  /** A daemon pod should be created here. */
  shouldRun: boolean;
  /** A daemon pod already here may stay. */
  shouldContinueRunning: boolean;
}

/** The template as a pod with the daemon tolerations, the way Kubernetes tests a node against it. */
const podsForPredicates = new WeakMap<DaemonSet, Pod>();
function templatePod(ds: DaemonSet): Pod {
  let pod = podsForPredicates.get(ds);
  if (!pod) {
    const spec = structuredClone(ds.spec?.template?.spec ?? { containers: [] }) as NonNullable<Pod["spec"]>;
    spec.tolerations = daemonPodTolerations(spec.tolerations, spec.hostNetwork === true);
    pod = { metadata: {}, spec };
    podsForPredicates.set(ds, pod);
  }
  return pod;
}

const untolerated = (taints: readonly Taint[], tolerations: readonly Toleration[] | undefined, effects: readonly string[]) =>
  taints.some((t) => effects.includes(t.effect) && !tolerationsTolerateTaint(tolerations, t));

/**
 * NodeShouldRunDaemonPod: the node's name (if the template names one), the
 * nodeSelector and required node affinity, and its NoSchedule/NoExecute
 * taints against the tolerations. A node with only an untolerated
 * NoSchedule taint keeps the pods it has but gets no new one.
 */
export function nodeShouldRunDaemonPod(node: NodeObject, ds: DaemonSet): ShouldRun {
  const pod = templatePod(ds);
  const name = node.metadata.name ?? "";
  const fitsName = !pod.spec?.nodeName || pod.spec.nodeName === name;
  const affinity = requiredNodeAffinity(pod as never);
  const fitsAffinity = !affinity || affinity(node.metadata.labels, name);
  if (!fitsName || !fitsAffinity) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const tolerations = pod.spec?.tolerations;
  if (untolerated(taints, tolerations, ["NoSchedule", "NoExecute"])) {
    return { shouldRun: false, shouldContinueRunning: !untolerated(taints, tolerations, ["NoExecute"]) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}
