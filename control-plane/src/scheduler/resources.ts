// What a pod asks of a node and what a node offers, as the integers
// NodeResourcesFit compares: cpu in millicores, memory and ephemeral storage in
// bytes, extended resources as counts. Computed once per pod (PodInfo caches
// it) and once per node update, never per filter call.

import type { Container, Node, Pod } from "../../../schemas/index.ts";
import { milliValue, value } from "./quantity.ts";

type ResourceList = Readonly<Record<string, string | number>>;

/** schedutil.DefaultMilliCPURequest: what a container without a cpu request counts as when scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** schedutil.DefaultMemoryRequest (200 MiB), for scoring likewise. */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export interface Resources {
  readonly milliCpu: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  /** Extended resources (vendor.example/gpu), hugepages-*; undefined when none. */
  readonly scalar: ReadonlyMap<string, number> | undefined;
}

export interface PodRequests extends Resources {
  /** Requests with the defaults above for containers that name no cpu/memory: spreads BestEffort pods when scoring. */
  readonly nonZeroMilliCpu: number;
  readonly nonZeroMemory: number;
}

export interface Allocatable extends Resources {
  readonly pods: number;
}

/** v1helper.IsScalarResourceName: extended resources, hugepages and attachable volumes. */
export function isScalarResourceName(name: string): boolean {
  if (name.startsWith("hugepages-") || name.startsWith("attachable-volumes-")) return true;
  // Extended resources are domain-qualified outside kubernetes.io and never quota's "requests." form.
  return name.includes("/") && !name.startsWith("kubernetes.io/") && !name.startsWith("requests.");
}

class Amounts {
  milliCpu = 0;
  memory = 0;
  ephemeralStorage = 0;
  scalar: Map<string, number> | undefined;

  static of(list: ResourceList | undefined, defaults: boolean): Amounts {
    const a = new Amounts();
    if (list !== undefined) a.addList(list);
    if (defaults) {
      if (list?.cpu === undefined) a.milliCpu += DEFAULT_MILLI_CPU_REQUEST;
      if (list?.memory === undefined) a.memory += DEFAULT_MEMORY_REQUEST;
    }
    return a;
  }

  addList(list: ResourceList): void {
    for (const name in list) {
      const quantity = list[name];
      if (name === "cpu") this.milliCpu += milliValue(quantity);
      else if (name === "memory") this.memory += value(quantity);
      else if (name === "ephemeral-storage") this.ephemeralStorage += value(quantity);
      else if (isScalarResourceName(name)) this.addScalar(name, value(quantity));
    }
  }

  add(other: Amounts): void {
    this.milliCpu += other.milliCpu;
    this.memory += other.memory;
    this.ephemeralStorage += other.ephemeralStorage;
    if (other.scalar) for (const [name, v] of other.scalar) this.addScalar(name, v);
  }

  max(other: Amounts): void {
    this.milliCpu = Math.max(this.milliCpu, other.milliCpu);
    this.memory = Math.max(this.memory, other.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, other.ephemeralStorage);
    if (other.scalar) {
      for (const [name, v] of other.scalar) this.setScalar(name, Math.max(this.scalar?.get(name) ?? 0, v));
    }
  }

  clone(): Amounts {
    const c = new Amounts();
    c.add(this);
    return c;
  }

  private addScalar(name: string, v: number): void {
    this.setScalar(name, (this.scalar?.get(name) ?? 0) + v);
  }

  private setScalar(name: string, v: number): void {
    (this.scalar ??= new Map()).set(name, v);
  }
}

const requestsOf = (c: Container): ResourceList | undefined => c.resources?.requests;

/**
 * resourcehelper.PodRequests: regular containers run together, so they sum;
 * init containers run one at a time before them, so the pod needs the largest
 * of them; sidecars (restartable init containers) keep running, so they add to
 * both. Pod overhead (the sandbox's own cost) comes on top.
 */
function aggregate(pod: Pod, defaults: boolean): Amounts {
  const spec = pod.spec;
  const total = new Amounts();
  for (const c of spec?.containers ?? []) total.add(Amounts.of(requestsOf(c), defaults));
  const sidecars = new Amounts();
  const initPeak = new Amounts();
  for (const c of spec?.initContainers ?? []) {
    const own = Amounts.of(requestsOf(c), defaults);
    if (c.restartPolicy === "Always") {
      total.add(own);
      sidecars.add(own);
      initPeak.max(sidecars);
    } else {
      const running = own.clone();
      running.add(sidecars);
      initPeak.max(running);
    }
  }
  total.max(initPeak);
  return total;
}

/** What the pod needs from a node, as NodeResourcesFit and the scorers see it. */
export function podRequests(pod: Pod): PodRequests {
  const requests = aggregate(pod, false);
  const nonZero = aggregate(pod, true);
  // Pod-level requests (spec.resources) override the container sum for the
  // resources they name.
  const podLevel = pod.spec?.resources?.requests;
  if (podLevel?.cpu !== undefined) requests.milliCpu = nonZero.milliCpu = milliValue(podLevel.cpu);
  if (podLevel?.memory !== undefined) requests.memory = nonZero.memory = value(podLevel.memory);
  const overhead = pod.spec?.overhead;
  if (overhead !== undefined) {
    requests.addList(overhead);
    nonZero.addList(overhead);
  }
  return {
    milliCpu: requests.milliCpu,
    memory: requests.memory,
    ephemeralStorage: requests.ephemeralStorage,
    scalar: requests.scalar,
    nonZeroMilliCpu: nonZero.milliCpu,
    nonZeroMemory: nonZero.memory,
  };
}

/**
 * What the node offers to pods. Allocatable, falling back to capacity for
 * agents (hollow nodes among them) that report only capacity; a node that
 * reports neither offers nothing, and "pods" absent means no pods fit, as in
 * Kubernetes.
 */
export function nodeAllocatable(node: Node): Allocatable {
  const list = node.status?.allocatable ?? node.status?.capacity ?? {};
  const a = Amounts.of(list, false);
  return {
    milliCpu: a.milliCpu,
    memory: a.memory,
    ephemeralStorage: a.ephemeralStorage,
    scalar: a.scalar,
    pods: value(list.pods),
  };
}
