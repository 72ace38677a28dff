// ControllerRefManager: a controller owns the objects that match its selector.
// It adopts matching orphans, releases objects it owns that stopped matching,
// and leaves alone what another controller owns. Both writes are strategic
// merge patches on ownerReferences (merge key uid) carrying the object's uid,
// as Kubernetes sends them.
import { isNotFound } from "../../../../client/errors.ts";
import type { KubeClient } from "../../../../client/kube-client.ts";
import type { ResourceEntry } from "../../../../schemas/registry.ts";
import { controllerOf, type ObjectMeta, type OwnerReference } from "./types.ts";

export interface Owner {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

/** metav1.NewControllerRef. */
export const controllerRefTo = (owner: Owner): OwnerReference => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata.name ?? "",
  uid: owner.metadata.uid ?? "",
  controller: true,
  blockOwnerDeletion: true,
});

export interface ClaimOptions<T extends { metadata: ObjectMeta }> {
  client: KubeClient;
  /** The resource of the objects claimed (pods for a ReplicaSet, replicasets for a Deployment). */
  resource: ResourceEntry;
  owner: Owner;
  /** The owner's resource, for the fresh read before adopting. */
  ownerResource: ResourceEntry;
  match(object: T): boolean;
}

/**
 * The objects of `candidates` the owner controls after adopting and
 * releasing. Every candidate is tried; the first failure is thrown at the
 * end (the sync is retried), after the others have been claimed.
 */
export async function claimObjects<T extends { metadata: ObjectMeta }>(candidates: readonly T[], options: ClaimOptions<T>): Promise<T[]> {
  const { owner } = options;
  const ownerUid = owner.metadata.uid;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  let adoptable: Promise<void> | undefined;
  for (const object of candidates) {
    const ref = controllerOf(object.metadata);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (options.match(object)) {
          claimed.push(object);
          continue;
        }
        if (owner.metadata.deletionTimestamp) continue;
        await patchOwnerRefs(options, object, [{ $patch: "delete", uid: ownerUid }]);
        continue;
      }
      if (owner.metadata.deletionTimestamp || !options.match(object) || object.metadata.deletionTimestamp) continue;
      if (owner.metadata.namespace && owner.metadata.namespace !== object.metadata.namespace) continue;
      // RecheckDeletionTimestamp: adopt only for an owner that still exists and is not going.
      adoptable ??= canAdopt(options);
      await adoptable;
      await patchOwnerRefs(options, object, [controllerRefTo(owner)]);
      claimed.push(object);
    } catch (error) {
      if (!isNotFound(error)) errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
  return claimed;
}

async function canAdopt<T extends { metadata: ObjectMeta }>(options: ClaimOptions<T>): Promise<void> {
  const { owner, client, ownerResource } = options;
  const fresh = await client.get(ownerResource, owner.metadata.namespace, owner.metadata.name ?? "");
  if (fresh.metadata.uid !== owner.metadata.uid) {
    throw new Error(`original ${owner.kind} ${owner.metadata.namespace}/${owner.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${owner.metadata.uid}`);
  }
  if (fresh.metadata.deletionTimestamp) {
    throw new Error(`${owner.kind} ${owner.metadata.namespace}/${owner.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }
}

async function patchOwnerRefs<T extends { metadata: ObjectMeta }>(options: ClaimOptions<T>, object: T, ownerReferences: object[]): Promise<void> {
  await options.client.patch(options.resource, object.metadata.namespace, object.metadata.name ?? "", "strategic", {
    metadata: { ownerReferences, uid: object.metadata.uid },
  });
}
