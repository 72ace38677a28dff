// One node as the plugins see it (framework.NodeInfo): the Node object and the
// running totals of the pods placed on it, kept up to date as pods come and
// go so that a Filter call is a few comparisons, never a walk over pods.

import type { Node, Taint } from "../../../schemas/index.ts";
import type { Labels } from "../api/selectors.ts";
import { HostPortSet } from "./host-ports.ts";
import { normalizeImageName } from "./images.ts";
import type { PodInfo } from "./pod-info.ts";
import { type Allocatable, nodeAllocatable } from "./resources.ts";

export const HOSTNAME_LABEL = "kubernetes.io/hostname";

const NOTHING_ALLOCATABLE: Allocatable = { milliCpu: 0, memory: 0, ephemeralStorage: 0, scalar: undefined, pods: 0 };

/** Mutable totals; read them, never write them outside NodeInfo. */
export interface Requested {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  scalar: Map<string, number> | undefined;
  /** With the scoring defaults for containers that request nothing. */
  nonZeroMilliCpu: number;
  nonZeroMemory: number;
}

export class NodeInfo {
  /** Undefined while pods reference a node the snapshot has not seen (or no longer has). */
  node: Node | undefined;
  labels: Labels = undefined;
  taints: readonly Taint[] = [];
  unschedulable = false;
  allocatable: Allocatable = NOTHING_ALLOCATABLE;
  /** Normalized image name → size in bytes, from status.images. */
  images: ReadonlyMap<string, number> = new Map();

  readonly pods = new Map<string, PodInfo>();
  readonly requested: Requested = { milliCpu: 0, memory: 0, ephemeralStorage: 0, scalar: undefined, nonZeroMilliCpu: 0, nonZeroMemory: 0 };
  readonly usedPorts = new HostPortSet();

  constructor(readonly name: string) {}

  setNode(node: Node | undefined): void {
    this.node = node;
    this.labels = node?.metadata?.labels;
    this.taints = node?.spec?.taints ?? [];
    this.unschedulable = node?.spec?.unschedulable === true;
    this.allocatable = node === undefined ? NOTHING_ALLOCATABLE : nodeAllocatable(node);
    const images = new Map<string, number>();
    for (const image of node?.status?.images ?? []) {
      for (const name of image.names ?? []) images.set(normalizeImageName(name), image.sizeBytes ?? 0);
    }
    this.images = images;
  }

  /**
   * The node's domain for a topology key. Kubelets always label their node
   * with its hostname; Ledge agents and hollow nodes might not, so the
   * hostname key falls back to the node's name rather than making every
   * hostname-spread pod unschedulable there.
   */
  topologyValue(key: string): string | undefined {
    const value = this.labels?.[key];
    if (value !== undefined) return value;
    return key === HOSTNAME_LABEL ? this.name : undefined;
  }

  addPod(info: PodInfo): void {
    this.pods.set(info.key, info);
    this.account(info, 1);
    for (const p of info.hostPorts) this.usedPorts.add(p);
  }

  removePod(key: string): PodInfo | undefined {
    const info = this.pods.get(key);
    if (info === undefined) return undefined;
    this.pods.delete(key);
    this.account(info, -1);
    for (const p of info.hostPorts) this.usedPorts.remove(p);
    return info;
  }

  private account(info: PodInfo, sign: 1 | -1): void {
    const r = info.requests;
    const t = this.requested;
    t.milliCpu += sign * r.milliCpu;
    t.memory += sign * r.memory;
    t.ephemeralStorage += sign * r.ephemeralStorage;
    t.nonZeroMilliCpu += sign * r.nonZeroMilliCpu;
    t.nonZeroMemory += sign * r.nonZeroMemory;
    if (r.scalar !== undefined) {
      const scalar = (t.scalar ??= new Map());
      for (const [name, v] of r.scalar) scalar.set(name, (scalar.get(name) ?? 0) + sign * v);
    }
  }
}
