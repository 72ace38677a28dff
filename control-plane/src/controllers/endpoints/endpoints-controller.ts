// Keeps one Endpoints object per Service with a selector, named like the
// Service, listing the pods it selects. Services without a selector (or of
// type ExternalName) are left alone: their Endpoints are the user's.
import { isNotFound, isStatus } from "../../../../client/errors.ts";
import type { Informer } from "../../../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { byNamespace, ObjectIndex } from "../replicaset/object-index.ts";
import { asPod } from "../replicaset/types.ts";
import type { Controller, ControllerContext } from "../runtime/controller.ts";
import { endpointSubsets } from "./endpoints.ts";
import { asService, HEADLESS_LABEL, isHeadless, podChangeKeys, selectorOf, selects, ServiceIndex, type ServiceObject } from "./service-pods.ts";

const servicesResource = resourceOf("v1", "services");
const podsResource = resourceOf("v1", "pods");
const endpointsResource = resourceOf("v1", "endpoints");

/** Kubernetes' annotation for a trigger time: dropped, it would churn the object on every pod change. */
const TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time";

export class EndpointsController implements Controller {
  readonly name = "endpoints";
  readonly workers = 4;
  queue?: Controller["queue"];
  private client!: KubeClient;
  private services!: Informer;
  private pods!: Informer;
  private endpoints!: Informer;
  private readonly index = new ServiceIndex();
  private podsByNamespace!: ObjectIndex;

  setup(context: ControllerContext): void {
    this.client = context.client;
    this.services = context.informers.informer(servicesResource);
    this.pods = context.informers.informer(podsResource);
    this.podsByNamespace = new ObjectIndex(this.pods, byNamespace);
    this.endpoints = context.informers.informer(endpointsResource);
    this.services.on({
      add: (s) => this.onService(s),
      update: (_, s) => this.onService(s),
      delete: (s) => {
        this.index.delete(asService(s));
        this.enqueue(s);
      },
    });
    this.pods.on({
      add: (p) => this.enqueueKeys(podChangeKeys(this.index, undefined, asPod(p))),
      update: (old, p) => this.enqueueKeys(podChangeKeys(this.index, asPod(old), asPod(p))),
      delete: (p) => this.enqueueKeys(podChangeKeys(this.index, undefined, asPod(p))),
    });
    // Someone else's change to an Endpoints object we manage is put right.
    this.endpoints.on({ update: (_, e) => this.enqueue(e), delete: (e) => this.enqueue(e) });
  }

  private onService(service: KubeObject): void {
    this.index.set(asService(service));
    this.enqueue(service);
  }

  private enqueue(object: KubeObject): void {
    this.queue?.add(`${object.metadata.namespace}/${object.metadata.name}`);
  }

  private enqueueKeys(keys: string[]): void {
    for (const key of keys) this.queue?.add(key);
  }

  async sync(key: string): Promise<void> {
    const [namespace, name] = key.split("/") as [string, string];
    const serviceObject = this.services.get(key);
    if (!serviceObject) {
      // The Service is gone: so are its Endpoints, as in Kubernetes.
      if (this.endpoints.get(key)) await this.client.delete(endpointsResource, namespace, name).catch(ignoreNotFound);
      return;
    }
    const service = asService(serviceObject);
    const selector = selectorOf(service);
    if (!selector) return;
    const pods = this.podsByNamespace
      .list(namespace)
      .map(asPod)
      .filter((p) => selects(selector, p.metadata.labels));
    const subsets = endpointSubsets(service, pods);
    const labels: Record<string, string> = { ...(service.metadata.labels ?? {}) };
    if (isHeadless(service)) labels[HEADLESS_LABEL] = "";
    const current = this.endpoints.get(key);
    if (current && Bun.deepEquals(current.subsets ?? [], subsets) && Bun.deepEquals(current.metadata.labels ?? {}, labels)) return;
    await this.write(service, current, labels, subsets);
  }

  private async write(service: ServiceObject, current: KubeObject | undefined, labels: Record<string, string>, subsets: unknown[]): Promise<void> {
    const { namespace, name } = service.metadata;
    if (!current) {
      try {
        await this.client.create(endpointsResource, { apiVersion: "v1", kind: "Endpoints", metadata: { name, namespace, labels }, subsets });
        return;
      } catch (error) {
        // Our cache had not seen it yet: read it and update instead.
        if (!isAlreadyExists(error)) throw error;
        current = await this.client.get(endpointsResource, namespace, name ?? "");
      }
    }
    const annotations = { ...(current.metadata.annotations ?? {}) };
    delete annotations[TRIGGER_TIME_ANNOTATION];
    // resourceVersion from our read: a concurrent writer makes this a 409, retried with the queue's backoff.
    await this.client.update(endpointsResource, {
      ...current,
      metadata: { ...current.metadata, labels, annotations: Object.keys(annotations).length ? annotations : undefined },
      subsets,
    });
  }
}

const isAlreadyExists = (error: unknown) => isStatus(error, 409) && error.reason === "AlreadyExists";

function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}
