// What the server itself decides about an object on each kind of write, as
// Kubernetes' registry strategies do (PrepareForCreate, PrepareForUpdate).
import type { ResourceEntry } from "../../../../schemas/registry.ts";
import type { KubeObject } from "../../storage/store.ts";
import { addDefaultTolerations, type DefaultTolerationSeconds } from "./default-toleration-seconds.ts";

type Json = Record<string, unknown>;

/** Status is the controllers' and agents' to write: a create starts from the kind's initial status. */
export function prepareForCreate(
  resource: ResourceEntry,
  object: KubeObject,
  options: { defaultTolerationSeconds?: DefaultTolerationSeconds } = {},
): void {
  if (keepsGeneration(resource)) object.metadata.generation = 1;
  else delete object.metadata.generation;
  if (!resource.subresources.status) return;
  switch (resource.kind) {
    case "Pod":
      object.status = { phase: "Pending", qosClass: qosClass(object) };
      // Admission's DefaultTolerationSeconds, which the node lifecycle controller's evictions rely on.
      if (options.defaultTolerationSeconds && object.spec) addDefaultTolerations(object.spec as Json, options.defaultTolerationSeconds);
      return;
    case "Namespace":
      object.status = { phase: "Active" };
      return;
    case "Node":
      // An agent registers its node with its status.
      return;
    default:
      object.status = {};
  }
}

/**
 * Kinds whose Kubernetes 1.32 strategies keep metadata.generation (and the
 * rule that advances it); every other kind served here has none. Pods gain
 * one only in 1.33.
 */
const GENERATION_RULES: Readonly<Record<string, (next: KubeObject, old: KubeObject) => boolean>> = {
  "apps/Deployment": (next, old) => !same(next.spec, old.spec),
  "apps/ReplicaSet": (next, old) => !same(next.spec, old.spec),
  "apps/DaemonSet": (next, old) => !same(next.spec, old.spec),
  // An EndpointSlice has no spec or status: anything but metadata, and its labels, count.
  "discovery.k8s.io/EndpointSlice": (next, old) => !same(withoutMetadata(next), withoutMetadata(old)) || !same(next.metadata.labels, old.metadata.labels),
};

const ruleOf = (resource: ResourceEntry) => GENERATION_RULES[`${resource.group}/${resource.kind}`];

/** True when Kubernetes sets metadata.generation for `resource`'s kind. */
export const keepsGeneration = (resource: ResourceEntry): boolean => ruleOf(resource) !== undefined;

/**
 * An update's generation, as Kubernetes' BeforeUpdate and the kind's
 * PrepareForUpdate make it: a request cannot set it; kinds that keep one
 * advance it when the rule says the desired state changed.
 */
export function setNextGeneration(resource: ResourceEntry, next: KubeObject, old: KubeObject): void {
  const rule = ruleOf(resource);
  const generation = old.metadata.generation;
  if (rule === undefined || generation === undefined) {
    delete next.metadata.generation;
    return;
  }
  next.metadata.generation = rule(next, old) ? generation + 1 : generation;
}

const same = (a: unknown, b: unknown): boolean => Bun.deepEquals(a ?? null, b ?? null);
const withoutMetadata = ({ metadata: _, ...rest }: KubeObject): Json => rest;

/** A write to the main resource cannot change status, and one to /status nothing else. */
export function prepareForUpdate(resource: ResourceEntry, next: KubeObject, old: KubeObject, subresource?: string): void {
  prepareStatusAndSpec(resource, next, old, subresource);
  setNextGeneration(resource, next, old);
}

function prepareStatusAndSpec(resource: ResourceEntry, next: KubeObject, old: KubeObject, subresource?: string): void {
  if (subresource === "status") {
    for (const key of Object.keys(next)) if (key !== "metadata" && key !== "status") delete next[key];
    for (const key of Object.keys(old)) if (key !== "metadata" && key !== "status") next[key] = old[key];
    // Kubernetes does not let status writers touch ownership or deletion.
    next.metadata = { ...next.metadata, ownerReferences: old.metadata.ownerReferences, finalizers: next.metadata.finalizers };
    if (next.metadata.ownerReferences === undefined) delete next.metadata.ownerReferences;
    return;
  }
  if (resource.kind === "Namespace") {
    // spec.finalizers changes only through /finalize.
    const finalizers = (old.spec as { finalizers?: string[] } | undefined)?.finalizers;
    next.spec = { ...((next.spec as object | undefined) ?? {}), ...(finalizers ? { finalizers } : {}) };
  }
  if (resource.subresources.status && resource.kind !== "Node") {
    if (old.status === undefined) delete next.status;
    else next.status = old.status;
  }
}

/** BestEffort, Burstable or Guaranteed, from the containers' requests and limits. */
function qosClass(pod: KubeObject): string {
  const spec = (pod.spec ?? {}) as Json;
  const containers = [...((spec.containers as Json[]) ?? []), ...((spec.initContainers as Json[]) ?? [])];
  let anySet = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const resources = (c.resources ?? {}) as { requests?: Json; limits?: Json };
    const requests = resources.requests ?? {};
    const limits = resources.limits ?? {};
    if (Object.keys(requests).length || Object.keys(limits).length) anySet = true;
    for (const name of ["cpu", "memory"]) {
      if (limits[name] === undefined) guaranteed = false;
      else if (requests[name] !== undefined && String(requests[name]) !== String(limits[name])) guaranteed = false;
    }
  }
  if (!anySet) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}
