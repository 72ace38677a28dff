// Deletes objects whose owners are gone (Background), empties owners being
// deleted in the foreground before letting them go, and detaches dependents
// of owners deleted with Orphan — the ownerReferences contract of Kubernetes.
import type { Informer } from "../../../../client/informer.ts";
import { isNotFound } from "../../../../client/errors.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { RESOURCES, type ResourceEntry } from "../../../../schemas/registry.ts";
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from "../../api/rest/delete.ts";
import type { Controller, ControllerContext } from "../runtime/controller.ts";

type OwnerReference = NonNullable<KubeObject["metadata"]["ownerReferences"]>[number];

/** Events are many and never own anything, so the collector does not watch them. */
const UNWATCHED = new Set(["events"]);

interface Node {
  resource: ResourceEntry;
  namespace: string;
  name: string;
}

const keyOf = (resource: ResourceEntry, namespace: string, name: string) =>
  `${resource.group}/${resource.plural}|${namespace}|${name}`;

export class GarbageCollector implements Controller {
  readonly name = "garbage-collector";
  readonly workers = 4;
  queue?: Controller["queue"];
  private client!: KubeClient;
  private readonly informers = new Map<string, Informer>();
  /** uid → where the object lives. */
  private readonly byUid = new Map<string, Node>();
  /** owner uid → keys of its dependents. */
  private readonly dependents = new Map<string, Set<string>>();

  setup(context: ControllerContext): void {
    this.client = context.client;
    for (const resource of RESOURCES) {
      if (UNWATCHED.has(resource.plural)) continue;
      const informer = context.informers.informer(resource);
      this.informers.set(`${resource.group}/${resource.plural}`, informer);
      informer.on({
        add: (o) => this.observe(resource, undefined, o),
        update: (old, o) => this.observe(resource, old, o),
        delete: (o) => this.forget(resource, o),
      });
    }
  }

  private observe(resource: ResourceEntry, old: KubeObject | undefined, object: KubeObject): void {
    const { uid, namespace = "", name = "" } = object.metadata;
    const key = keyOf(resource, namespace, name);
    if (uid) this.byUid.set(uid, { resource, namespace, name });
    for (const ref of old?.metadata.ownerReferences ?? []) this.dependents.get(ref.uid)?.delete(key);
    for (const ref of object.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (!set) this.dependents.set(ref.uid, (set = new Set()));
      set.add(key);
    }
    if (object.metadata.ownerReferences?.length || object.metadata.deletionTimestamp) this.queue?.add(key);
  }

  private forget(resource: ResourceEntry, object: KubeObject): void {
    const { uid, namespace = "", name = "" } = object.metadata;
    const key = keyOf(resource, namespace, name);
    for (const ref of object.metadata.ownerReferences ?? []) this.dependents.get(ref.uid)?.delete(key);
    if (!uid) return;
    if (this.byUid.get(uid)?.name === name) this.byUid.delete(uid);
    // Its dependents may now be orphans; its owners may be waiting for it.
    for (const dependent of this.dependents.get(uid) ?? []) this.queue?.add(dependent);
    for (const ref of object.metadata.ownerReferences ?? []) {
      const owner = this.byUid.get(ref.uid);
      if (owner) this.queue?.add(keyOf(owner.resource, owner.namespace, owner.name));
    }
  }

  async sync(key: string): Promise<void> {
    const [resourceKey, namespace, name] = key.split("|") as [string, string, string];
    const informer = this.informers.get(resourceKey);
    const object = informer?.get(namespace ? `${namespace}/${name}` : name);
    if (!informer || !object) return;
    const resource = informer.resource;
    if (object.metadata.deletionTimestamp) {
      const finalizers = object.metadata.finalizers ?? [];
      if (finalizers.includes(ORPHAN_FINALIZER)) return this.orphanDependents(resource, object);
      if (finalizers.includes(FOREGROUND_FINALIZER)) return this.deleteDependentsFirst(resource, object);
      return;
    }
    const owners = object.metadata.ownerReferences ?? [];
    if (owners.length === 0) return;
    for (const owner of owners) if (await this.ownerExists(owner, namespace)) return;
    // Every owner is gone: this object goes too, and its own dependents after it.
    await this.deleteIgnoringMissing(resource, namespace, name, { propagationPolicy: "Background", preconditions: { uid: object.metadata.uid } });
  }

  /** Trusts the cache only for "exists"; an absent owner is confirmed with the API before anything is deleted. */
  private async ownerExists(owner: OwnerReference, namespace: string): Promise<boolean> {
    const known = this.byUid.get(owner.uid);
    if (known) return true;
    let resource: ResourceEntry;
    try {
      resource = resourceOf(owner.apiVersion, owner.kind);
    } catch {
      // An owner of a kind this server does not serve cannot exist here.
      return false;
    }
    try {
      const live = await this.client.get(resource, resource.namespaced ? namespace : undefined, owner.name);
      return live.metadata.uid === owner.uid;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  private dependentKeys(object: KubeObject): string[] {
    return [...(this.dependents.get(object.metadata.uid ?? "") ?? [])];
  }

  private dependentObject(key: string): { resource: ResourceEntry; object: KubeObject } | undefined {
    const [resourceKey, namespace, name] = key.split("|") as [string, string, string];
    const informer = this.informers.get(resourceKey);
    const object = informer?.get(namespace ? `${namespace}/${name}` : name);
    return informer && object ? { resource: informer.resource, object } : undefined;
  }

  private async orphanDependents(resource: ResourceEntry, owner: KubeObject): Promise<void> {
    const uid = owner.metadata.uid;
    for (const key of this.dependentKeys(owner)) {
      const dependent = this.dependentObject(key);
      if (!dependent) continue;
      const { object } = dependent;
      const remaining = (object.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      await this.client
        .patch(dependent.resource, object.metadata.namespace, object.metadata.name ?? "", "merge", {
          metadata: { ownerReferences: remaining.length ? remaining : null },
        })
        .catch(ignoreNotFound);
    }
    await this.removeFinalizer(resource, owner, ORPHAN_FINALIZER);
  }

  private async deleteDependentsFirst(resource: ResourceEntry, owner: KubeObject): Promise<void> {
    const keys = this.dependentKeys(owner);
    let waiting = false;
    for (const key of keys) {
      const dependent = this.dependentObject(key);
      if (!dependent) continue;
      waiting = true;
      if (dependent.object.metadata.deletionTimestamp) continue;
      await this.deleteIgnoringMissing(dependent.resource, dependent.object.metadata.namespace ?? "", dependent.object.metadata.name ?? "", {
        propagationPolicy: "Foreground",
        preconditions: { uid: dependent.object.metadata.uid },
      });
    }
    // The owner's sync runs again as each dependent disappears (see forget()).
    if (!waiting) await this.removeFinalizer(resource, owner, FOREGROUND_FINALIZER);
  }

  private async removeFinalizer(resource: ResourceEntry, object: KubeObject, finalizer: string): Promise<void> {
    const finalizers = (object.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await this.client
      .patch(resource, object.metadata.namespace, object.metadata.name ?? "", "merge", {
        metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: object.metadata.resourceVersion },
      })
      .catch(ignoreNotFound);
  }

  private async deleteIgnoringMissing(
    resource: ResourceEntry,
    namespace: string,
    name: string,
    options: Parameters<KubeClient["delete"]>[3],
  ): Promise<void> {
    await this.client.delete(resource, resource.namespaced ? namespace : undefined, name, options).catch(ignoreNotFound);
  }
}

function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}
