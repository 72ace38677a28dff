// The in-tree plugins by name, as kube-scheduler's registry: what a profile
// may name.

import type { PluginFactory, Registry } from "./framework.ts";
import * as imageLocality from "./plugins/image-locality.ts";
import * as interPodAffinity from "./plugins/inter-pod-affinity.ts";
import * as nodeAffinity from "./plugins/node-affinity.ts";
import * as nodeName from "./plugins/node-name.ts";
import * as nodePorts from "./plugins/node-ports.ts";
import * as balancedAllocation from "./plugins/node-resources-balanced-allocation.ts";
import * as nodeResourcesFit from "./plugins/node-resources-fit.ts";
import * as nodeUnschedulable from "./plugins/node-unschedulable.ts";
import * as podTopologySpread from "./plugins/pod-topology-spread.ts";
import * as runtimeFit from "./plugins/runtime-fit.ts";
import * as taintToleration from "./plugins/taint-toleration.ts";

const plugins: readonly { readonly NAME: string; readonly create: PluginFactory }[] = [
  nodeUnschedulable,
  nodeName,
  taintToleration,
  nodeAffinity,
  runtimeFit,
  nodePorts,
  nodeResourcesFit,
  podTopologySpread,
  interPodAffinity,
  balancedAllocation,
  imageLocality,
];

export const DEFAULT_REGISTRY: Registry = new Map(plugins.map((p) => [p.NAME, p.create]));
