// The scheduling framework's contracts, as kube-scheduler's framework draws
// them: tiny role interfaces a plugin implements as many of as it needs,
// outcomes as Status values (never exceptions), and a per-cycle CycleState
// through which a plugin hands its PreFilter/PreScore work to its
// Filter/Score calls.

import type { Pod } from "../../../schemas/index.ts";
import type { ClusterEvent } from "./cluster-events.ts";
import type { NodeInfo } from "./node-info.ts";
import type { Snapshot } from "./snapshot.ts";

/** framework.Code, minus the codes Ledge has no extension point for (Wait, Pending). */
export type Code = "Success" | "Error" | "Unschedulable" | "UnschedulableAndUnresolvable" | "Skip";

/**
 * The outcome of one plugin call. `reasons` are what the FailedScheduling
 * message counts, so they are exported constants in Kubernetes' spelling.
 */
export interface Status {
  readonly code: Code;
  readonly reasons: readonly string[];
}

// Shared instances: Filter runs per node per plugin and almost always succeeds,
// so success must not allocate.
export const SUCCESS: Status = Object.freeze({ code: "Success", reasons: Object.freeze([]) });
export const SKIP: Status = Object.freeze({ code: "Skip", reasons: Object.freeze([]) });

export const unschedulable = (...reasons: string[]): Status => ({ code: "Unschedulable", reasons });
/** Rejected in a way no preemption could fix (a label, a taint, a name). */
export const unresolvable = (...reasons: string[]): Status => ({ code: "UnschedulableAndUnresolvable", reasons });
export const errorStatus = (message: string): Status => ({ code: "Error", reasons: [message] });

export const isRejected = (s: Status): boolean => s.code === "Unschedulable" || s.code === "UnschedulableAndUnresolvable";

/** Status.Message(): the reasons joined as Kubernetes joins them. */
export const statusMessage = (s: Status): string => s.reasons.join(", ");

/** Node scores run from 0 to MaxNodeScore after normalisation. */
export const MAX_NODE_SCORE = 100;

/** A typed slot in the CycleState; create one per plugin per datum, at module level. */
export interface StateKey<T> {
  readonly name: string;
  /** Phantom: carries T for read/write, never set. */
  readonly type?: T;
}
export const stateKey = <T>(name: string): StateKey<T> => ({ name });

/** Data plugins share within one scheduling cycle of one pod; discarded afterwards. */
export class CycleState {
  private readonly data = new Map<StateKey<unknown>, unknown>();

  write<T>(key: StateKey<T>, value: T): void {
    this.data.set(key, value);
  }

  read<T>(key: StateKey<T>): T | undefined {
    return this.data.get(key) as T | undefined;
  }
}

/** PreFilter may narrow the nodes worth filtering (a DaemonSet pod names its node). */
export interface PreFilterResult {
  readonly status: Status;
  /** Only these nodes can pass; undefined means all nodes. */
  readonly nodeNames?: ReadonlySet<string>;
}

export interface Plugin {
  readonly name: string;
  /** Cluster events that can turn this plugin's rejection into a fit (kube's EventsToRegister). */
  readonly events?: readonly ClusterEvent[];
}

export interface PreFilterPlugin extends Plugin {
  /** Skip means this plugin's Filter has nothing to check for this pod. */
  preFilter(state: CycleState, pod: Pod, snapshot: Snapshot): Status | PreFilterResult;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
}

export interface PreScorePlugin extends Plugin {
  /** Skip means this plugin's Score has nothing to say for this pod. */
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], snapshot: Snapshot): Status;
}

export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number;
  /** Rescales `scores` (aligned with `nodes`) in place to 0..MAX_NODE_SCORE. */
  normalizeScore?(state: CycleState, pod: Pod, scores: number[], nodes: readonly NodeInfo[]): void;
}

export const isPreFilterPlugin = (p: Plugin): p is PreFilterPlugin => typeof (p as Partial<PreFilterPlugin>).preFilter === "function";
export const isFilterPlugin = (p: Plugin): p is FilterPlugin => typeof (p as Partial<FilterPlugin>).filter === "function";
export const isPreScorePlugin = (p: Plugin): p is PreScorePlugin => typeof (p as Partial<PreScorePlugin>).preScore === "function";
export const isScorePlugin = (p: Plugin): p is ScorePlugin => typeof (p as Partial<ScorePlugin>).score === "function";

/** Plugin configuration as it would come from a profile file: untyped, read defensively. */
export type PluginArgs = Readonly<Record<string, unknown>>;
export type PluginFactory = (args: PluginArgs) => Plugin;
/** Plugin name → factory, like kube-scheduler's in-tree registry. */
export type Registry = ReadonlyMap<string, PluginFactory>;

/** A number argument, or the default when absent or of the wrong type. */
export function numberArg(args: PluginArgs, name: string, fallback: number): number {
  const value = args[name];
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** A string list argument, or the default when absent or of the wrong type. */
export function stringListArg(args: PluginArgs, name: string, fallback: readonly string[]): readonly string[] {
  const value = args[name];
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : fallback;
}
