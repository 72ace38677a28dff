// Keeps the EndpointSlices of every Service with a selector: labelled
// kubernetes.io/service-name and managed-by endpointslice-controller.k8s.io,
// owned by the Service (so the garbage collector removes them with it), at
// most 100 endpoints each. Slices managed by anyone else are never touched.
import { isNotFound } from "../../../../client/errors.ts";
import type { Informer } from "../../../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { LABEL_TOPOLOGY_ZONE } from "../../../../schemas/well-known-taints.ts";
import { asService, podChangeKeys, selectorOf, selects, ServiceIndex } from "../endpoints/service-pods.ts";
import { byNamespace, ObjectIndex } from "../replicaset/object-index.ts";
import { asPod } from "../replicaset/types.ts";
import type { Controller, ControllerContext } from "../runtime/controller.ts";
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE, MANAGED_BY, MANAGED_BY_LABEL, reconcileSlices, SERVICE_NAME_LABEL, type Slice } from "./reconcile.ts";

const servicesResource = resourceOf("v1", "services");
const podsResource = resourceOf("v1", "pods");
const nodesResource = resourceOf("v1", "nodes");
const slicesResource = resourceOf("discovery.k8s.io/v1", "endpointslices");

/** How long a sync waits for its own earlier writes to reach the cache before trusting it anyway. */
const STALE_CACHE_WAIT_MS = 5_000;

export interface EndpointSliceControllerOptions {
  maxEndpointsPerSlice?: number;
}

/**
 * The slices this controller wrote and the resourceVersion (or deletion) it
 * expects the cache to show (Kubernetes' endpointSliceTracker): until it
 * does, a sync would work from a stale list and create duplicates.
 */
class SliceTracker {
  private readonly expected = new Map<string, Map<string, { rv: number | "deleted"; at: number }>>();

  wrote(service: string, slice: KubeObject): void {
    this.forService(service).set(slice.metadata.name ?? "", { rv: Number(slice.metadata.resourceVersion), at: Date.now() });
  }

  deleted(service: string, name: string): void {
    this.forService(service).set(name, { rv: "deleted", at: Date.now() });
  }

  /** Whether the cache shows every write made for `service`; clears the ones it does. */
  caughtUp(service: string, cached: (name: string) => KubeObject | undefined): boolean {
    const expectations = this.expected.get(service);
    if (!expectations) return true;
    for (const [name, { rv, at }] of expectations) {
      const slice = cached(name);
      const seen = rv === "deleted" ? !slice : !!slice && Number(slice.metadata.resourceVersion) >= rv;
      if (seen || Date.now() - at > STALE_CACHE_WAIT_MS) expectations.delete(name);
    }
    if (expectations.size === 0) this.expected.delete(service);
    return expectations.size === 0;
  }

  forget(service: string): void {
    this.expected.delete(service);
  }

  private forService(service: string) {
    let map = this.expected.get(service);
    if (!map) this.expected.set(service, (map = new Map()));
    return map;
  }
}

export class EndpointSliceController implements Controller {
  readonly name = "endpointslice";
  readonly workers = 4;
  queue?: Controller["queue"];
  private client!: KubeClient;
  private services!: Informer;
  private pods!: Informer;
  private nodes!: Informer;
  private slices!: Informer;
  private readonly index = new ServiceIndex();
  private podsByNamespace!: ObjectIndex;
  private readonly tracker = new SliceTracker();
  /** service key → names of its managed slices, from the slice informer. */
  private readonly slicesByService = new Map<string, Set<string>>();
  private readonly maxEndpointsPerSlice: number;

  constructor(options: EndpointSliceControllerOptions = {}) {
    this.maxEndpointsPerSlice = options.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  }

  setup(context: ControllerContext): void {
    this.client = context.client;
    this.services = context.informers.informer(servicesResource);
    this.pods = context.informers.informer(podsResource);
    this.podsByNamespace = new ObjectIndex(this.pods, byNamespace);
    this.nodes = context.informers.informer(nodesResource);
    this.slices = context.informers.informer(slicesResource, { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` });
    this.services.on({
      add: (s) => this.onService(s),
      update: (_, s) => this.onService(s),
      delete: (s) => {
        this.index.delete(asService(s));
        this.queue?.add(keyOf(s));
      },
    });
    this.pods.on({
      add: (p) => this.enqueueKeys(podChangeKeys(this.index, undefined, asPod(p))),
      update: (old, p) => this.enqueueKeys(podChangeKeys(this.index, asPod(old), asPod(p))),
      delete: (p) => this.enqueueKeys(podChangeKeys(this.index, undefined, asPod(p))),
    });
    // Zones come from node labels: a node changing zone changes its endpoints.
    this.nodes.on({
      update: (old, node) => {
        if (old.metadata.labels?.[LABEL_TOPOLOGY_ZONE] === node.metadata.labels?.[LABEL_TOPOLOGY_ZONE]) return;
        const keys = new Set<string>();
        for (const pod of this.pods.list().map(asPod)) {
          if (pod.spec?.nodeName === node.metadata.name) for (const key of this.index.servicesFor(pod.metadata.namespace ?? "", pod.metadata.labels)) keys.add(key);
        }
        this.enqueueKeys([...keys]);
      },
    });
    this.slices.on({
      add: (s) => this.onSlice(undefined, s),
      update: (old, s) => this.onSlice(old, s),
      delete: (s) => this.onSlice(s, undefined),
    });
  }

  private onService(service: KubeObject): void {
    this.index.set(asService(service));
    this.queue?.add(keyOf(service));
  }

  private onSlice(old: KubeObject | undefined, slice: KubeObject | undefined): void {
    for (const s of [old, slice]) {
      const service = s && serviceKeyOf(s);
      if (!service) continue;
      const names = this.slicesByService.get(service) ?? new Set();
      if (s === slice) names.add(s.metadata.name ?? "");
      else if (!slice || serviceKeyOf(slice) !== service) names.delete(s.metadata.name ?? "");
      if (names.size) this.slicesByService.set(service, names);
      else this.slicesByService.delete(service);
      this.queue?.add(service);
    }
  }

  private enqueueKeys(keys: string[]): void {
    for (const key of keys) this.queue?.add(key);
  }

  private cachedSlice(namespace: string, name: string): KubeObject | undefined {
    return this.slices.get(`${namespace}/${name}`);
  }

  async sync(key: string): Promise<void> {
    const [namespace] = key.split("/") as [string, string];
    const serviceObject = this.services.get(key);
    const service = serviceObject && asService(serviceObject);
    const selector = service && selectorOf(service);
    if (!service || !selector) {
      // Owned slices of a deleted Service go with it (garbage collector); a Service that lost its selector keeps none.
      if (service) for (const slice of this.managedSlices(key, namespace)) await this.deleteSlice(key, slice);
      else this.tracker.forget(key);
      return;
    }
    if (!this.tracker.caughtUp(key, (name) => this.cachedSlice(namespace, name))) {
      // Our last writes are not in the cache yet; their watch events enqueue this key again.
      this.queue?.addAfter(key, STALE_CACHE_WAIT_MS);
      return;
    }
    const pods = this.podsByNamespace
      .list(namespace)
      .map(asPod)
      .filter((p) => selects(selector, p.metadata.labels));
    const zoneOf = (node: string) => this.nodes.get(node)?.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
    // Slices of an earlier Service of the same name (another uid) are not ours to reuse.
    const existing = this.managedSlices(key, namespace).filter((s) => {
      const owner = s.metadata.ownerReferences?.find((r) => r.controller);
      return !owner || owner.uid === service.metadata.uid;
    });
    const plan = reconcileSlices(service, pods, existing, zoneOf, this.maxEndpointsPerSlice);
    // Creates before deletes, so the Service never has a moment with no slices.
    for (const slice of plan.create) this.tracker.wrote(key, await this.client.create(slicesResource, slice as unknown as KubeObject));
    for (const slice of plan.update) this.tracker.wrote(key, await this.client.update(slicesResource, slice as unknown as KubeObject));
    for (const slice of plan.delete) await this.deleteSlice(key, slice);
  }

  private managedSlices(key: string, namespace: string): Slice[] {
    const names = this.slicesByService.get(key) ?? new Set<string>();
    return [...names].map((name) => this.cachedSlice(namespace, name)).filter((s): s is KubeObject => !!s) as unknown as Slice[];
  }

  private async deleteSlice(service: string, slice: Slice): Promise<void> {
    const name = slice.metadata.name ?? "";
    await this.client.delete(slicesResource, slice.metadata.namespace, name).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    this.tracker.deleted(service, name);
  }
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

function serviceKeyOf(slice: KubeObject): string | undefined {
  const name = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return name ? `${slice.metadata.namespace}/${name}` : undefined;
}
