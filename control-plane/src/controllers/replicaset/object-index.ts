// A secondary index over an informer's cache (client-go's Indexer): objects
// grouped by keys computed from them, such as their namespace or their
// controller's uid, so a sync reads its few objects without scanning all.
// Registered before the informer starts; it sees every change first, so
// handlers registered after it read an index that is already up to date.
import { objectKeyOf, type Informer } from "../../../../client/informer.ts";
import type { KubeObject } from "../../../../client/kube-client.ts";

export class ObjectIndex {
  private readonly buckets = new Map<string, Map<string, KubeObject>>();
  private readonly bucketsOf = new Map<string, string[]>();

  constructor(
    informer: Informer,
    private readonly indexKeys: (object: KubeObject) => (string | undefined)[],
  ) {
    informer.on({
      add: (o) => this.put(o),
      update: (_, o) => this.put(o),
      delete: (o) => this.remove(objectKeyOf(o)),
    });
  }

  list(bucket: string): KubeObject[] {
    const objects = this.buckets.get(bucket);
    return objects ? [...objects.values()] : [];
  }

  private put(object: KubeObject): void {
    const key = objectKeyOf(object);
    this.remove(key);
    const keys = this.indexKeys(object).filter((k): k is string => k !== undefined);
    for (const bucket of keys) {
      let objects = this.buckets.get(bucket);
      if (!objects) this.buckets.set(bucket, (objects = new Map()));
      objects.set(key, object);
    }
    this.bucketsOf.set(key, keys);
  }

  private remove(key: string): void {
    for (const bucket of this.bucketsOf.get(key) ?? []) {
      const objects = this.buckets.get(bucket);
      objects?.delete(key);
      if (objects?.size === 0) this.buckets.delete(bucket);
    }
    this.bucketsOf.delete(key);
  }
}

/** Index keys: the namespace. */
export const byNamespace = (object: KubeObject): string[] => [object.metadata.namespace ?? ""];

/** Index keys: the uid of the controlling owner, if any. */
export const byControllerUid = (object: KubeObject): (string | undefined)[] => [
  object.metadata.ownerReferences?.find((ref) => ref.controller === true)?.uid,
];
