// Pods and nodes for the scheduler's tests and benchmark: the objects an
// informer would deliver, with only the fields a case varies as parameters.

import type { Container, Node, Pod, PodSpec, Taint } from "../../../schemas/index.ts";

type Quantity = string | number;

export interface PodParams {
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  /** Requests of the single container. */
  cpu?: Quantity;
  memory?: Quantity;
  image?: string;
  nodeName?: string;
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  /** Merged over the generated spec, so cases can set any field. */
  spec?: Partial<PodSpec>;
}

export function makePod(name: string, params: PodParams = {}): Pod {
  const requests: Record<string, Quantity> = {};
  if (params.cpu !== undefined) requests.cpu = params.cpu;
  if (params.memory !== undefined) requests.memory = params.memory;
  const container: Container = { name: "main", image: params.image ?? "registry.example/app:1.0" };
  if (Object.keys(requests).length > 0) container.resources = { requests };
  const spec: PodSpec = { containers: [container], ...params.spec };
  if (params.nodeName !== undefined) spec.nodeName = params.nodeName;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: params.namespace ?? "default",
      uid: params.uid ?? `uid-${params.namespace ?? "default"}-${name}`,
      ...(params.labels ? { labels: params.labels } : {}),
      ...(params.annotations ? { annotations: params.annotations } : {}),
    },
    spec,
    status: { phase: params.phase ?? (params.nodeName ? "Running" : "Pending") },
  };
}

export interface NodeParams {
  labels?: Record<string, string>;
  cpu?: Quantity;
  memory?: Quantity;
  pods?: Quantity;
  extra?: Record<string, Quantity>;
  taints?: Taint[];
  unschedulable?: boolean;
  images?: { names: string[]; sizeBytes: number }[];
}

/** A node with 4 cpu, 16Gi and room for 110 pods unless told otherwise; labelled with its hostname as kubelets do. */
export function makeNode(name: string, params: NodeParams = {}): Node {
  const allocatable: Record<string, Quantity> = {
    cpu: params.cpu ?? "4",
    memory: params.memory ?? "16Gi",
    pods: params.pods ?? "110",
    ...params.extra,
  };
  const node: Node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...params.labels } },
    spec: {},
    status: { allocatable, capacity: allocatable },
  };
  if (params.taints) node.spec = { ...node.spec, taints: params.taints };
  if (params.unschedulable) node.spec = { ...node.spec, unschedulable: true };
  if (params.images && node.status) node.status.images = params.images;
  return node;
}
