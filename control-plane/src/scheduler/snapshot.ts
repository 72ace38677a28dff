// The scheduler's picture of the cluster (kube-scheduler's cache and snapshot
// in one): NodeInfos kept current by informer events, plus the pods the
// scheduler has placed but not yet seen bound ("assumed"). JavaScript runs a
// scheduling cycle to completion without interleaving, so unlike
// kube-scheduler there is no per-cycle copy: a cycle reads the live structure,
// and events apply between cycles.

import type { Namespace, Node, Pod } from "../../../schemas/index.ts";
import type { Labels } from "../api/selectors.ts";
import type { AffinityTerm, WeightedAffinityTerm } from "./affinity-term.ts";
import { NodeInfo } from "./node-info.ts";
import { type PodInfo, podInfo, podKey } from "./pod-info.ts";
import type { PodSelector } from "./pod-selector.ts";
import { type PlacedTerm, TermIndex, type TermKind } from "./term-index.ts";

const ZONE_LABEL = "topology.kubernetes.io/zone";
const REGION_LABEL = "topology.kubernetes.io/region";

interface Placed {
  readonly info: PodInfo;
  readonly node: NodeInfo;
  readonly assumed: boolean;
  readonly terms: readonly PlacedTerm[];
}

const indexKey = (key: string, value: string): string => `${key}\u0000${value}`;

const isTerminal = (pod: Pod): boolean => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";

export class Snapshot {
  private readonly infos = new Map<string, NodeInfo>();
  private readonly placed = new Map<string, Placed>();
  /** "key\0value" → pods carrying that label, for selector lookups. */
  private readonly byLabel = new Map<string, Set<Placed>>();
  private readonly byNamespace = new Map<string, Set<Placed>>();
  private readonly imageNodes = new Map<string, number>();
  private readonly namespaces = new Map<string, Labels>();
  private readonly antiAffinityTerms = new TermIndex();
  private readonly scoringTerms = new TermIndex();
  private ordered: NodeInfo[] | undefined;
  /** "key\0key…" → per key, the values found on nodes carrying every key; dropped on any node label change. */
  private readonly domains = new Map<string, Map<string, Set<string>>>();
  private nodesWithNode = 0;

  // ---------------------------------------------------------------- nodes

  /** A node was added or updated. */
  setNode(node: Node): void {
    const name = node.metadata?.name ?? "";
    let info = this.infos.get(name);
    if (info === undefined) this.infos.set(name, (info = new NodeInfo(name)));
    const before = info.node;
    if (before === node) return;
    if (before === undefined) this.nodesWithNode++;
    this.countImages(info, -1);
    info.setNode(node);
    this.countImages(info, 1);
    if (before === undefined || zoneOf(before) !== zoneOf(node)) this.ordered = undefined;
    if (before === undefined || !sameLabels(before.metadata?.labels, node.metadata?.labels)) this.domains.clear();
  }

  /** A node was deleted. Its pods stay counted until their own deletions arrive, as in kube-scheduler. */
  removeNode(name: string): void {
    const info = this.infos.get(name);
    if (info?.node === undefined) return;
    this.countImages(info, -1);
    info.setNode(undefined);
    this.nodesWithNode--;
    if (info.pods.size === 0) this.infos.delete(name);
    this.ordered = undefined;
    this.domains.clear();
  }

  get numNodes(): number {
    return this.nodesWithNode;
  }

  get(name: string): NodeInfo | undefined {
    const info = this.infos.get(name);
    return info?.node === undefined ? undefined : info;
  }

  /**
   * Every node, zone by zone in turn (kube-scheduler's node tree), so that a
   * search that stops early still sees every zone.
   */
  nodeInfos(): readonly NodeInfo[] {
    if (this.ordered === undefined) this.ordered = this.interleaveZones();
    return this.ordered;
  }

  /**
   * The topology domains of the nodes that carry every one of `keys`: per
   * key, its distinct values (the hostname key falls back to node names).
   * Cached until a node's labels change, so spreading does not walk every
   * node every cycle.
   */
  topologyDomains(keys: readonly string[]): ReadonlyMap<string, ReadonlySet<string>> {
    const cacheKey = keys.join("\u0000");
    const cached = this.domains.get(cacheKey);
    if (cached !== undefined) return cached;
    const domains = new Map<string, Set<string>>(keys.map((k) => [k, new Set<string>()]));
    nodes: for (const info of this.nodeInfos()) {
      for (const k of keys) if (info.topologyValue(k) === undefined) continue nodes;
      for (const k of keys) domains.get(k)?.add(info.topologyValue(k) ?? "");
    }
    this.domains.set(cacheKey, domains);
    return domains;
  }

  /** Placed pods' required anti-affinity terms: what may reject an incoming pod. */
  placedAntiAffinityTerms(): Pick<TermIndex, "forEachSelecting" | "size"> {
    return this.antiAffinityTerms;
  }

  /** Placed pods' required affinity and preferred terms: what may score an incoming pod. */
  placedScoringTerms(): Pick<TermIndex, "forEachSelecting" | "size"> {
    return this.scoringTerms;
  }

  /** On how many nodes an image (normalized name) is present: ImageLocality's spread factor. */
  nodesWithImage(image: string): number {
    return this.imageNodes.get(image) ?? 0;
  }

  // ---------------------------------------------------------------- pods

  /**
   * A pod was added or updated. Feed every pod event: pods not yet bound are
   * the queue's business and ignored here (an assumed one stays assumed),
   * finished pods free their node, and a bound pod confirms its assumption.
   */
  setPod(pod: Pod): void {
    const key = podKey(pod);
    const current = this.placed.get(key);
    const nodeName = pod.spec?.nodeName;
    if (nodeName === undefined || nodeName === "") {
      if (current !== undefined && !current.assumed) this.unplace(current);
      return;
    }
    if (isTerminal(pod)) {
      if (current !== undefined) this.unplace(current);
      return;
    }
    if (current !== undefined && current.info.pod === pod && !current.assumed) return;
    if (current !== undefined) this.unplace(current);
    this.place(podInfo(pod), nodeName, false);
  }

  /** A pod was deleted. */
  removePod(pod: Pod): void {
    const current = this.placed.get(podKey(pod));
    if (current !== undefined) this.unplace(current);
  }

  /**
   * Counts a pod on a node before its binding is confirmed, so the next pod
   * of the same batch sees its resources. False when the pod is already
   * placed (assumed or bound), which means the caller scheduled it twice.
   */
  assume(pod: Pod, nodeName: string): boolean {
    const info = podInfo(pod);
    if (this.placed.has(info.key)) return false;
    this.place(info, nodeName, true);
    return true;
  }

  /** Undoes assume() after a failed binding; a confirmed pod stays. */
  forget(pod: Pod): void {
    const current = this.placed.get(podKey(pod));
    if (current?.assumed) this.unplace(current);
  }

  isAssumed(pod: Pod): boolean {
    return this.placed.get(podKey(pod))?.assumed === true;
  }

  /** Whether the pod is counted on some node, assumed or bound. */
  isPlaced(pod: Pod): boolean {
    return this.placed.has(podKey(pod));
  }

  get numPods(): number {
    return this.placed.size;
  }

  /**
   * Calls `visit` for each placed pod in `namespaces` (every namespace when
   * undefined) whose labels the selector matches, looking candidates up by
   * the selector's equality requirement when it has one.
   */
  forEachMatchingPod(
    selector: PodSelector,
    namespaces: ReadonlySet<string> | undefined,
    visit: (pod: PodInfo, node: NodeInfo) => void,
  ): void {
    if (selector.matchesNothing) return;
    const test = (p: Placed) => {
      if ((namespaces === undefined || namespaces.has(p.info.namespace)) && selector.matches(p.info.labels)) visit(p.info, p.node);
    };
    if (selector.indexKey !== undefined) {
      for (const v of selector.indexValues) this.byLabel.get(indexKey(selector.indexKey, v))?.forEach(test);
    } else if (namespaces !== undefined) {
      for (const ns of namespaces) this.byNamespace.get(ns)?.forEach(test);
    } else {
      for (const p of this.placed.values()) test(p);
    }
  }

  // ---------------------------------------------------------------- namespaces

  /** Namespace labels, for affinity terms with a namespaceSelector; optional to feed. */
  setNamespace(namespace: Namespace): void {
    this.namespaces.set(namespace.metadata?.name ?? "", namespace.metadata?.labels);
  }

  removeNamespace(name: string): void {
    this.namespaces.delete(name);
  }

  namespaceLabels(name: string): Labels {
    return this.namespaces.get(name);
  }

  // ---------------------------------------------------------------- internals

  private place(info: PodInfo, nodeName: string, assumed: boolean): void {
    let node = this.infos.get(nodeName);
    if (node === undefined) this.infos.set(nodeName, (node = new NodeInfo(nodeName)));
    const terms = placedTerms(info, node);
    const p: Placed = { info, node, assumed, terms };
    this.placed.set(info.key, p);
    node.addPod(info);
    for (const t of terms) (t.kind === "requiredAntiAffinity" ? this.antiAffinityTerms : this.scoringTerms).add(t);
    for (const [k, v] of Object.entries(info.labels ?? {})) addTo(this.byLabel, indexKey(k, v), p);
    addTo(this.byNamespace, info.namespace, p);
  }

  private unplace(p: Placed): void {
    const { info, node } = p;
    this.placed.delete(info.key);
    node.removePod(info.key);
    for (const t of p.terms) (t.kind === "requiredAntiAffinity" ? this.antiAffinityTerms : this.scoringTerms).remove(t);
    for (const [k, v] of Object.entries(info.labels ?? {})) removeFrom(this.byLabel, indexKey(k, v), p);
    removeFrom(this.byNamespace, info.namespace, p);
    if (node.node === undefined && node.pods.size === 0) this.infos.delete(node.name);
  }

  private countImages(info: NodeInfo, sign: 1 | -1): void {
    for (const image of info.images.keys()) {
      const n = (this.imageNodes.get(image) ?? 0) + sign;
      if (n > 0) this.imageNodes.set(image, n);
      else this.imageNodes.delete(image);
    }
  }

  private interleaveZones(): NodeInfo[] {
    const zones = new Map<string, NodeInfo[]>();
    for (const info of this.infos.values()) {
      if (info.node === undefined) continue;
      const zone = zoneOf(info.node);
      let list = zones.get(zone);
      if (list === undefined) zones.set(zone, (list = []));
      list.push(info);
    }
    const lists = [...zones.values()];
    const longest = Math.max(0, ...lists.map((l) => l.length));
    const out: NodeInfo[] = [];
    for (let i = 0; i < longest; i++) {
      for (const list of lists) {
        const info = list[i];
        if (info !== undefined) out.push(info);
      }
    }
    return out;
  }
}

const NO_TERMS: readonly PlacedTerm[] = [];

function placedTerms(info: PodInfo, node: NodeInfo): readonly PlacedTerm[] {
  const required = info.requiredAffinityTerms.length + info.requiredAntiAffinityTerms.length;
  if (required + info.preferredAffinityTerms.length + info.preferredAntiAffinityTerms.length === 0) return NO_TERMS;
  const place = (kind: TermKind) => (term: AffinityTerm | WeightedAffinityTerm): PlacedTerm => ({ kind, term, weight: "weight" in term ? term.weight : 0, node });
  return [
    ...info.requiredAffinityTerms.map(place("requiredAffinity")),
    ...info.requiredAntiAffinityTerms.map(place("requiredAntiAffinity")),
    ...info.preferredAffinityTerms.map(place("preferredAffinity")),
    ...info.preferredAntiAffinityTerms.map(place("preferredAntiAffinity")),
  ];
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  for (const k of ka) if (a?.[k] !== b?.[k]) return false;
  return true;
}

function zoneOf(node: Node): string {
  const labels = node.metadata?.labels;
  return `${labels?.[REGION_LABEL] ?? ""}:${labels?.[ZONE_LABEL] ?? ""}`;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
