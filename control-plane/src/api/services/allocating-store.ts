// The Store the REST handlers write Services through: it allocates ClusterIPs
// and NodePorts in the same call that stores the Service, and releases them
// when the Service goes — as Kubernetes' service REST wraps its generic store
// (BeginCreate / BeginUpdate / AfterDelete). Every other resource passes
// straight through. The response to `kubectl create service` already holds
// the allocated IP.
import { type DeleteOptions, type DeleteResult, type KubeObject, type Mutation, type ObjectKey, type Preconditions, type Store, StoreError, type UpdateOptions } from "../../storage/store.ts";
import type { ServiceAllocator } from "./allocator.ts";
import { allocateCreate, allocateUpdate, AllocationTransaction, allocatedValues } from "./service-allocation.ts";

export const SERVICES = "services";

export function withServiceAllocation(inner: Store, allocator: ServiceAllocator, onError: (error: unknown) => void = console.error): Store {
  const parentOf = (key: { namespace: string; name: string }) => ({ namespace: key.namespace, name: key.name });

  /** After the write: a failed release leaks a value until the repair loop frees it; it never fails the request. */
  const settle = async (work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      onError(new Error("updating service IP or port reservations failed (the repair loop will put them right)", { cause: error }));
    }
  };

  const createService = async (resource: string, object: KubeObject, options: { dryRun?: boolean } = {}): Promise<KubeObject> => {
    if (resource !== SERVICES) return inner.create(resource, object, options);
    const key = { resource, namespace: object.metadata.namespace ?? "", name: object.metadata.name ?? "" };
    // A duplicate is refused before anything is reserved, so the refusal writes nothing.
    if (key.name) await expectAbsent(inner, key);
    const txn = new AllocationTransaction(allocator, parentOf(key), !!options.dryRun);
    await allocateCreate(allocator, object, txn);
    let created: KubeObject;
    try {
      created = await inner.create(resource, object, options);
    } catch (error) {
      await txn.revert();
      throw error;
    }
    if (!key.name && !options.dryRun) {
      // generateName: the reservations learn their Service's name now.
      const parent = { namespace: key.namespace, name: created.metadata.name ?? "" };
      await settle(async () => {
        const { ips, ports } = txn.reserved;
        for (const ip of ips) await allocator.ipReservations.setParent(ip, parent);
        for (const port of ports) await allocator.portReservations.setParent(String(port), parent);
      });
    }
    return created;
  };

  const updateService = async (key: ObjectKey, mutate: Mutation, options: { dryRun?: boolean; preconditions?: Preconditions } = {}): Promise<KubeObject> => {
    if (key.resource !== SERVICES) return inner.guaranteedUpdate(key, mutate, options);
    const txn = new AllocationTransaction(allocator, parentOf(key), !!options.dryRun);
    let previous: KubeObject | undefined;
    let written: KubeObject;
    try {
      written = await inner.guaranteedUpdate(
        key,
        async (current) => {
          previous = structuredClone(current);
          const next = await mutate(current);
          await allocateUpdate(allocator, previous, next, txn);
          return next;
        },
        options,
      );
    } catch (error) {
      await txn.revert();
      throw error;
    }
    if (options.dryRun) return written;
    // Removing the last finalizer of a deleting Service deletes it.
    const deleted = !!written.metadata.deletionTimestamp && !written.metadata.finalizers?.length;
    await settle(() => txn.commit(deleted ? undefined : written, previous));
    return written;
  };

  const replaceService = (key: ObjectKey, object: KubeObject, options: UpdateOptions = {}): Promise<KubeObject> => {
    if (key.resource !== SERVICES) return inner.update(key, object, options);
    const expected = options.resourceVersion || object.metadata.resourceVersion || undefined;
    return updateService(
      key,
      (current) => {
        if (expected && current.metadata.resourceVersion !== expected) {
          throw new StoreError("Conflict", `the object has been modified; please apply your changes to the latest version and try again`);
        }
        return object;
      },
      { dryRun: options.dryRun },
    );
  };

  const deleteService = async (key: ObjectKey, options: DeleteOptions = {}): Promise<DeleteResult> => {
    const result = await inner.delete(key, options);
    if (key.resource === SERVICES && result.deleted && !options.dryRun) {
      await settle(async () => {
        const { ips, ports } = allocatedValues(result.object);
        for (const ip of ips) await allocator.releaseIP(ip, parentOf(key));
        for (const port of ports) await allocator.releasePort(port, parentOf(key));
      });
    }
    return result;
  };

  const wrapped: Store = {
    get: (key) => inner.get(key),
    list: (options) => inner.list(options),
    listJson: (options) => inner.listJson(options),
    watch: (options) => inner.watch(options),
    currentRevision: () => inner.currentRevision(),
    compact: (revision) => inner.compact(revision),
    compactedRevision: () => inner.compactedRevision(),
    close: () => inner.close(),
    create: (resource, object, options) => createService(resource, object, options),
    guaranteedUpdate: (key, mutate, options) => updateService(key, mutate, options),
    update: (key, object, options) => replaceService(key, object, options),
    delete: (key, options) => deleteService(key, options),
  };
  return wrapped;
}

async function expectAbsent(store: Store, key: ObjectKey): Promise<void> {
  try {
    await store.get(key);
  } catch (error) {
    if (error instanceof StoreError && error.code === "NotFound") return;
    throw error;
  }
  throw new StoreError("AlreadyExists", `${key.resource} "${key.namespace}/${key.name}" already exists`);
}
