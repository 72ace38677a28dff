// Names for the PodSpec parts the scheduler reads. schemas/ exports types for
// whole kinds; these are derived from PodSpec so they can never drift from it.

import type { PodSpec } from "../../../schemas/index.ts";

export type Affinity = NonNullable<PodSpec["affinity"]>;
export type NodeAffinity = NonNullable<Affinity["nodeAffinity"]>;
export type NodeSelector = NonNullable<NodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"]>;
export type NodeSelectorTerm = NodeSelector["nodeSelectorTerms"][number];
export type NodeSelectorRequirement = NonNullable<NodeSelectorTerm["matchExpressions"]>[number];
export type PreferredSchedulingTerm = NonNullable<NodeAffinity["preferredDuringSchedulingIgnoredDuringExecution"]>[number];
export type PodAffinityTerm = NonNullable<NonNullable<Affinity["podAffinity"]>["requiredDuringSchedulingIgnoredDuringExecution"]>[number];
export type WeightedPodAffinityTerm = NonNullable<NonNullable<Affinity["podAffinity"]>["preferredDuringSchedulingIgnoredDuringExecution"]>[number];
export type TopologySpreadConstraint = NonNullable<PodSpec["topologySpreadConstraints"]>[number];
export type ContainerPort = NonNullable<PodSpec["containers"][number]["ports"]>[number];
