// A scheduling profile (KubeSchedulerProfile): which plugins run, in which
// order, with which score weights, and how many nodes a cycle may stop at;
// and the Framework built from it, the plugins sorted by extension point.

import type { ClusterEvent } from "./cluster-events.ts";
import {
  type FilterPlugin,
  isFilterPlugin,
  isPreFilterPlugin,
  isPreScorePlugin,
  isScorePlugin,
  type Plugin,
  type PluginArgs,
  type PreFilterPlugin,
  type PreScorePlugin,
  type Registry,
  type ScorePlugin,
} from "./framework.ts";
import { DEFAULT_REGISTRY } from "./registry.ts";

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

export interface PluginSpec {
  readonly name: string;
  /** Score weight; 1 when absent. Ignored for plugins that do not score. */
  readonly weight?: number;
  readonly args?: PluginArgs;
}

export interface Profile {
  /** Pods whose spec.schedulerName is this (absent means default-scheduler) are this profile's. */
  readonly schedulerName: string;
  /** In order: Filters run in this order, and a node's first rejection is the one reported. */
  readonly plugins: readonly PluginSpec[];
  /**
   * Stop filtering once this share of the nodes has been found feasible.
   * 0 or absent: kube-scheduler's adaptive default (all nodes up to 100,
   * then 50% shrinking by 1 point per 125 nodes, at least 5% and 100 nodes).
   * 100: every node, every time.
   */
  readonly percentageOfNodesToScore?: number;
}

/**
 * kube-scheduler's default profile, restricted to the plugins Ledge has, with
 * its weights (TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
 * InterPodAffinity 2, the rest 1), plus RuntimeFit right after NodeAffinity.
 */
export const DEFAULT_PROFILE: Profile = {
  schedulerName: DEFAULT_SCHEDULER_NAME,
  plugins: [
    { name: "NodeUnschedulable" },
    { name: "NodeName" },
    { name: "TaintToleration", weight: 3 },
    { name: "NodeAffinity", weight: 2 },
    { name: "RuntimeFit" },
    { name: "NodePorts" },
    { name: "NodeResourcesFit", weight: 1 },
    { name: "PodTopologySpread", weight: 2 },
    { name: "InterPodAffinity", weight: 2 },
    { name: "NodeResourcesBalancedAllocation", weight: 1 },
    { name: "ImageLocality", weight: 1 },
  ],
};

export interface WeightedScorePlugin {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

export interface Framework {
  readonly profile: Profile;
  readonly plugins: readonly Plugin[];
  readonly preFilter: readonly PreFilterPlugin[];
  readonly filter: readonly FilterPlugin[];
  readonly preScore: readonly PreScorePlugin[];
  readonly score: readonly WeightedScorePlugin[];
  /**
   * Whether `event` may help a pod these plugins rejected: the queue's
   * isRelevant. A plugin that declares no events is woken by any.
   */
  interestedIn(event: ClusterEvent, unschedulablePlugins: ReadonlySet<string>): boolean;
}

/** Instantiates a profile's plugins. @throws Error naming a plugin the registry does not have: a configuration mistake. */
export function buildFramework(profile: Profile = DEFAULT_PROFILE, registry: Registry = DEFAULT_REGISTRY): Framework {
  const weights = new Map<Plugin, number>();
  const plugins = profile.plugins.map((spec) => {
    const factory = registry.get(spec.name);
    if (factory === undefined) throw new Error(`profile ${profile.schedulerName}: unknown plugin ${spec.name}`);
    const plugin = factory(spec.args ?? {});
    weights.set(plugin, spec.weight ?? 1);
    return plugin;
  });
  const events = new Map(plugins.map((p) => [p.name, p.events]));
  return {
    profile,
    plugins,
    preFilter: plugins.filter(isPreFilterPlugin),
    filter: plugins.filter(isFilterPlugin),
    preScore: plugins.filter(isPreScorePlugin),
    score: plugins.filter(isScorePlugin).map((plugin) => ({ plugin, weight: weights.get(plugin) ?? 1 })),
    interestedIn(event, unschedulablePlugins) {
      for (const name of unschedulablePlugins) {
        const wanted = events.get(name);
        if (wanted === undefined || wanted.includes(event)) return true;
      }
      return false;
    },
  };
}
