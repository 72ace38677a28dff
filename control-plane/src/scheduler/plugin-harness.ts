// Runs one plugin's extension points the way the core does, for the plugins'
// table tests: a pod, a snapshot, and the statuses or scores that come out.

import type { Node, Pod } from "../../../schemas/index.ts";
import {
  CycleState,
  isFilterPlugin,
  isPreFilterPlugin,
  isPreScorePlugin,
  isScorePlugin,
  type Plugin,
  type PreFilterResult,
  type Status,
} from "./framework.ts";
import { Snapshot } from "./snapshot.ts";

export function snapshotOf(nodes: readonly Node[], pods: readonly Pod[] = []): Snapshot {
  const snapshot = new Snapshot();
  for (const n of nodes) snapshot.setNode(n);
  for (const p of pods) snapshot.setPod(p);
  return snapshot;
}

/** PreFilter (when the plugin has one) then Filter on each named node; a PreFilter verdict other than Success is returned for every node. */
export function filterStatuses(plugin: Plugin, pod: Pod, snapshot: Snapshot, nodeNames?: readonly string[]): Map<string, Status> {
  const state = new CycleState();
  const nodes = nodeNames === undefined ? snapshot.nodeInfos() : nodeNames.map((n) => snapshot.get(n) ?? missing(n));
  const out = new Map<string, Status>();
  if (isPreFilterPlugin(plugin)) {
    const r = plugin.preFilter(state, pod, snapshot);
    const status = "status" in r ? (r as PreFilterResult).status : r;
    if (status.code !== "Success") {
      for (const n of nodes) out.set(n.name, status);
      return out;
    }
  }
  if (!isFilterPlugin(plugin)) throw new Error(`${plugin.name} has no Filter`);
  for (const n of nodes) out.set(n.name, plugin.filter(state, pod, n));
  return out;
}

/** The reasons per node, "" for a node that passes: the shape the tables compare. */
export function filterReasons(plugin: Plugin, pod: Pod, snapshot: Snapshot, nodeNames?: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, status] of filterStatuses(plugin, pod, snapshot, nodeNames)) {
    out[name] = status.code === "Success" || status.code === "Skip" ? "" : status.reasons.join(", ");
  }
  return out;
}

/** PreScore, Score and NormalizeScore over the named nodes (all when omitted); undefined when PreScore skips. */
export function scores(plugin: Plugin, pod: Pod, snapshot: Snapshot, nodeNames?: readonly string[]): Record<string, number> | undefined {
  const state = new CycleState();
  const nodes = nodeNames === undefined ? [...snapshot.nodeInfos()] : nodeNames.map((n) => snapshot.get(n) ?? missing(n));
  if (isPreScorePlugin(plugin)) {
    const status = plugin.preScore(state, pod, nodes, snapshot);
    if (status.code === "Skip") return undefined;
    if (status.code !== "Success") throw new Error(`PreScore: ${status.reasons.join(", ")}`);
  }
  if (!isScorePlugin(plugin)) throw new Error(`${plugin.name} has no Score`);
  const raw = nodes.map((n) => plugin.score(state, pod, n));
  plugin.normalizeScore?.(state, pod, raw, nodes);
  return Object.fromEntries(nodes.map((n, i) => [n.name, raw[i] ?? 0]));
}

function missing(name: string): never {
  throw new Error(`no node ${name} in the snapshot`);
}
