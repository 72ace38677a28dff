// Placed pods' affinity terms, indexed by the label their selector requires,
// so the question "which placed terms select this incoming pod?" costs the
// incoming pod's few labels instead of a walk over every pod with affinity.
// This is what keeps symmetric anti-affinity (and the symmetric scoring
// terms) from growing with the cluster.

import type { Labels } from "../api/selectors.ts";
import { type AffinityTerm, termMatches } from "./affinity-term.ts";
import type { NodeInfo } from "./node-info.ts";

export type TermKind = "requiredAffinity" | "requiredAntiAffinity" | "preferredAffinity" | "preferredAntiAffinity";

export interface PlacedTerm {
  readonly kind: TermKind;
  readonly term: AffinityTerm;
  /** The preferred term's weight; 0 for required terms. */
  readonly weight: number;
  /** Where the owning pod runs: the term's topology domain is this node's. */
  readonly node: NodeInfo;
}

const labelKey = (key: string, value: string): string => `${key}\u0000${value}`;

export class TermIndex {
  private readonly byLabel = new Map<string, Set<PlacedTerm>>();
  /** Terms whose selector names no required value: checked against every incoming pod. */
  private readonly unindexed = new Set<PlacedTerm>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(t: PlacedTerm): void {
    this.count++;
    const { indexKey, indexValues, matchesNothing } = t.term.selector;
    if (matchesNothing) return;
    if (indexKey === undefined) {
      this.unindexed.add(t);
      return;
    }
    for (const v of indexValues) {
      const k = labelKey(indexKey, v);
      let set = this.byLabel.get(k);
      if (set === undefined) this.byLabel.set(k, (set = new Set()));
      set.add(t);
    }
  }

  remove(t: PlacedTerm): void {
    this.count--;
    const { indexKey, indexValues } = t.term.selector;
    if (indexKey === undefined) {
      this.unindexed.delete(t);
      return;
    }
    for (const v of indexValues) {
      const k = labelKey(indexKey, v);
      const set = this.byLabel.get(k);
      set?.delete(t);
      if (set?.size === 0) this.byLabel.delete(k);
    }
  }

  /** Calls `visit` for each placed term that selects a pod with this namespace and these labels. */
  forEachSelecting(namespace: string, labels: Labels, namespaceLabels: Labels, visit: (t: PlacedTerm) => void): void {
    if (this.count === 0) return;
    const test = (t: PlacedTerm) => {
      if (termMatches(t.term, namespace, labels, namespaceLabels)) visit(t);
    };
    // A pod has one value per key, so a term indexed under several values of its key is reached at most once.
    for (const key in labels) {
      const value = labels[key];
      if (value !== undefined) this.byLabel.get(labelKey(key, value))?.forEach(test);
    }
    this.unindexed.forEach(test);
  }
}
