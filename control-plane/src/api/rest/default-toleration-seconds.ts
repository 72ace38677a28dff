// The DefaultTolerationSeconds admission plugin: a pod that does not say how
// long it tolerates its node being not-ready or unreachable gets Kubernetes'
// 300 s for each, so the node lifecycle controller evicts it after that.
// Configurable per cluster, since edge links flap.
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from "../../../../schemas/well-known-taints.ts";

export const DEFAULT_TOLERATION_SECONDS = 300;

export interface DefaultTolerationSeconds {
  notReady: number;
  unreachable: number;
}

interface Toleration {
  key?: string;
  operator?: string;
  effect?: string;
  tolerationSeconds?: number;
}

type Json = Record<string, unknown>;

/** Whether a toleration already covers `key`'s NoExecute taint (an empty key or effect covers all). */
const covers = (t: Toleration, key: string): boolean => (!t.key || t.key === key) && (!t.effect || t.effect === "NoExecute");

/** Adds the not-ready and unreachable tolerations a pod spec lacks (in place). */
export function addDefaultTolerations(spec: Json, seconds: DefaultTolerationSeconds): void {
  const existing = Array.isArray(spec.tolerations) ? (spec.tolerations as Toleration[]) : [];
  const added: Toleration[] = [];
  for (const [key, value] of [
    [TAINT_NODE_NOT_READY, seconds.notReady],
    [TAINT_NODE_UNREACHABLE, seconds.unreachable],
  ] as const) {
    if (existing.some((t) => t !== null && typeof t === "object" && covers(t, key))) continue;
    added.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: value });
  }
  if (added.length) spec.tolerations = [...existing, ...added];
}
