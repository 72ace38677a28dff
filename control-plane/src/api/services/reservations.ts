// Allocated ClusterIPs and NodePorts as objects in the store, one per value,
// named by the value — as Kubernetes 1.31+ keeps ClusterIPs in IPAddress
// objects. The database is the source of truth: creating a name that exists
// fails with AlreadyExists, which is the lock, so no two API servers on one
// Postgres can hand out the same value. These resources are Ledge-internal:
// no route serves them.
import { isStoreError, type KubeObject, type Store } from "../../storage/store.ts";

/** Store resource keys (cluster-scoped: namespace ""). */
export const IP_ADDRESSES = "ledge.dev/ipaddresses";
export const NODE_PORTS = "ledge.dev/servicenodeports";

export const IP_FAMILY_LABEL = "ipaddress.kubernetes.io/ip-family";
export const MANAGED_BY_LABEL = "ipaddress.kubernetes.io/managed-by";
export const MANAGED_BY = "ipallocator.k8s.io";

/** The Service a value belongs to; informational (repair goes by what Services actually use). */
export interface ParentRef {
  namespace: string;
  name: string;
}

export type ReserveOutcome = "reserved" | "taken";

export class Reservations {
  constructor(
    private readonly store: Store,
    readonly resource: string,
    private readonly kind: { apiVersion: string; kind: string },
  ) {}

  private key(name: string) {
    return { resource: this.resource, namespace: "", name };
  }

  /** Creates the reservation unless it exists; the store's uniqueness decides races. */
  async reserve(name: string, parent: ParentRef, labels: Record<string, string> = {}): Promise<ReserveOutcome> {
    const object: KubeObject = {
      ...this.kind,
      metadata: { name, labels },
      spec: { parentRef: { group: "", resource: "services", namespace: parent.namespace, name: parent.name } },
    };
    try {
      await this.store.create(this.resource, object);
      return "reserved";
    } catch (error) {
      if (isStoreError(error, "AlreadyExists")) return "taken";
      throw error;
    }
  }

  /** For dry runs: whether a reserve would succeed now. */
  async isFree(name: string): Promise<boolean> {
    try {
      await this.store.get(this.key(name));
      return false;
    } catch (error) {
      if (isStoreError(error, "NotFound")) return true;
      throw error;
    }
  }

  /**
   * Deletes the reservation if it still belongs to `parent` (or to nobody we
   * can tell); gone already is fine.
   */
  async release(name: string, parent?: ParentRef): Promise<void> {
    let current: KubeObject;
    try {
      current = await this.store.get(this.key(name));
    } catch (error) {
      if (isStoreError(error, "NotFound")) return;
      throw error;
    }
    if (parent && !belongsTo(current, parent)) return;
    try {
      await this.store.delete(this.key(name), { preconditions: { uid: current.metadata.uid } });
    } catch (error) {
      // Gone, or replaced by a new reservation (another uid) that is not ours to drop.
      if (isStoreError(error, "NotFound") || isStoreError(error, "Conflict")) return;
      throw error;
    }
  }

  /** Points a reservation at its Service once the Service's generated name is known. */
  async setParent(name: string, parent: ParentRef): Promise<void> {
    await this.store.guaranteedUpdate(this.key(name), (current) => ({
      ...current,
      spec: { parentRef: { group: "", resource: "services", namespace: parent.namespace, name: parent.name } },
    }));
  }

  /** Every reservation's name. */
  async names(): Promise<Set<string>> {
    return new Set((await this.list()).map((o) => o.metadata.name ?? ""));
  }

  async list(): Promise<KubeObject[]> {
    return (await this.store.list({ resource: this.resource })).items;
  }

  /** Deletes a reservation only if it is still the one that was read (repair). */
  async deleteIfUnchanged(object: KubeObject): Promise<boolean> {
    try {
      await this.store.delete(this.key(object.metadata.name ?? ""), { preconditions: { uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion } });
      return true;
    } catch (error) {
      if (isStoreError(error, "NotFound") || isStoreError(error, "Conflict")) return false;
      throw error;
    }
  }
}

export function parentOf(object: KubeObject): ParentRef | undefined {
  const ref = (object.spec as { parentRef?: { namespace?: string; name?: string } } | undefined)?.parentRef;
  return ref?.name !== undefined ? { namespace: ref.namespace ?? "", name: ref.name } : undefined;
}

const belongsTo = (object: KubeObject, parent: ParentRef): boolean => {
  const ref = parentOf(object);
  return !ref || !ref.name || (ref.namespace === parent.namespace && ref.name === parent.name);
};
