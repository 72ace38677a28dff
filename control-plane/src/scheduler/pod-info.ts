// Everything the plugins derive from a pod, derived once per pod object
// (framework.PodInfo). Informers hand out immutable objects, so a WeakMap keyed
// by the object is a safe cache: an update arrives as a new object.

import type { Pod } from "../../../schemas/index.ts";
import type { Labels } from "../api/selectors.ts";
import { type AffinityTerm, compileAffinityTerms, compileWeightedAffinityTerms, type WeightedAffinityTerm } from "./affinity-term.ts";
import { type HostPort, podHostPorts } from "./host-ports.ts";
import { type PodRequests, podRequests } from "./resources.ts";

export interface PodInfo {
  /** namespace/name: the key of the queue, the snapshot and the pods/binding call. */
  readonly key: string;
  readonly pod: Pod;
  readonly namespace: string;
  readonly labels: Labels;
  readonly requests: PodRequests;
  readonly hostPorts: readonly HostPort[];
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** Being deleted: spreading ignores such pods (kubernetes#87621), resources still count. */
  readonly terminating: boolean;
}

export const podKey = (pod: Pod): string => `${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""}`;

const cache = new WeakMap<Pod, PodInfo>();

export function podInfo(pod: Pod): PodInfo {
  const cached = cache.get(pod);
  if (cached !== undefined) return cached;
  const affinity = pod.spec?.affinity;
  const requiredAffinityTerms = compileAffinityTerms(pod, affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
  const requiredAntiAffinityTerms = compileAffinityTerms(pod, affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
  const preferredAffinityTerms = compileWeightedAffinityTerms(pod, affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
  const preferredAntiAffinityTerms = compileWeightedAffinityTerms(pod, affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
  const info: PodInfo = {
    key: podKey(pod),
    pod,
    namespace: pod.metadata?.namespace ?? "default",
    labels: pod.metadata?.labels,
    requests: podRequests(pod),
    hostPorts: podHostPorts(pod),
    requiredAffinityTerms,
    requiredAntiAffinityTerms,
    preferredAffinityTerms,
    preferredAntiAffinityTerms,
    terminating: pod.metadata?.deletionTimestamp !== undefined,
  };
  cache.set(pod, info);
  return info;
}
