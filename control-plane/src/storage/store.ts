// The contract every storage back end fulfils. The API server, scheduler and
// controllers see only this file; drizzle and the drivers stay behind it.

/** Kubernetes ObjectMeta, as far as storage gives it meaning. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/**
 * Where an object lives. `resource` is the plural resource name qualified by
 * its group when it has one ("pods", "apps/deployments"); `namespace` is ""
 * for cluster-scoped objects.
 */
export interface ObjectKey {
  resource: string;
  namespace: string;
  name: string;
}

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

/** One entry of the change log. */
export interface ChangeEvent {
  type: EventType;
  revision: number;
  resource: string;
  namespace: string;
  name: string;
  /** The object after the change; for DELETED, its last state. */
  object: KubeObject;
  /**
   * `object`'s JSON text exactly as stored (apiVersion, kind, metadata first),
   * so a watch can send it without serialising again. Only while `object` is
   * the stored object unchanged: whoever derives an event with another object
   * must leave it out.
   */
  json?: string;
  /** The object before the change; null for ADDED. The store may parse it on first read. */
  readonly previous: KubeObject | null;
}

export type WatchEvent = ChangeEvent | { type: "BOOKMARK"; revision: number };

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface ListOptions {
  resource: string;
  /** Omit for all namespaces. */
  namespace?: string;
  /** Only items for which this returns true are returned (and counted by `limit`). */
  predicate?: (object: KubeObject) => boolean;
  /** Page size; 0 or absent for everything. */
  limit?: number;
  /** The opaque token of the previous page. */
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  /** The revision the list is consistent at. */
  revision: number;
  /** Present when more items remain. */
  continue?: string;
  /** How many matching items were left out by `limit`, when known. */
  remainingItemCount?: number;
}

/** A list whose items are the objects' JSON text, as the store wrote them: apiVersion, kind and metadata first, as Kubernetes serialises them. */
export interface JsonListResult extends Omit<ListResult, "items"> {
  items: string[];
}

export interface WatchOptions {
  /** Omit for every resource. */
  resource?: string;
  namespace?: string;
  /** Deliver changes after this revision; absent for "from now". */
  fromRevision?: number;
  /** Receives the object (for DELETED, its last state). A MODIFIED event whose
   *  object enters or leaves the predicate is delivered as ADDED or DELETED. */
  predicate?: (object: KubeObject) => boolean;
  /** Emit BOOKMARK events carrying the latest revision when the watch is idle. */
  bookmarks?: boolean;
  /** Ends the watch. */
  signal?: AbortSignal;
}

export interface Watch extends AsyncIterable<WatchEvent> {
  /** The revision the watch starts after. */
  readonly startRevision: number;
  /** Why the watch ended, once it has: undefined for a normal stop. */
  readonly error: StoreError | undefined;
  close(): void;
}

export interface DeleteOptions {
  preconditions?: Preconditions;
  /**
   * When > 0 the object is only marked (deletionTimestamp,
   * deletionGracePeriodSeconds), as for a pod whose node must stop it first.
   * Objects with finalizers are always only marked.
   */
  gracePeriodSeconds?: number;
  /**
   * Finalizers to add in the same write that marks the object (a propagation
   * policy's "orphan" or "foregroundDeletion"); the object is then only marked.
   */
  finalizers?: string[];
  /** Dry run: say what would happen, change nothing. */
  dryRun?: boolean;
  /**
   * Only mark the object, even without finalizers: something else (the
   * namespace controller, through its own finalizers) completes the deletion.
   */
  deferred?: boolean;
  /** Changes the object in the same write that marks it (a namespace's phase becomes Terminating). */
  onMark?: (object: KubeObject) => KubeObject;
}

export interface DeleteResult {
  /** The object as deleted, or as marked for deletion. */
  object: KubeObject;
  /** True when the object is gone; false when it was only marked. */
  deleted: boolean;
}

export interface UpdateOptions {
  /** Fail with Conflict unless the stored resourceVersion equals this. */
  resourceVersion?: string;
  /** Dry run: compute and validate, store nothing. */
  dryRun?: boolean;
}

export type Mutation = (current: KubeObject) => KubeObject | Promise<KubeObject>;

export interface Store {
  /** Stores a new object; assigns uid, creationTimestamp, generation, resourceVersion. */
  create(resource: string, object: KubeObject, options?: { dryRun?: boolean }): Promise<KubeObject>;
  get(key: ObjectKey): Promise<KubeObject>;
  list(options: ListOptions): Promise<ListResult>;
  /** `list` without decoding: a response that sends the objects unchanged splices their text. */
  listJson(options: ListOptions): Promise<JsonListResult>;
  /**
   * Replaces an object. Conflict when `options.resourceVersion` (or, when
   * absent, `object.metadata.resourceVersion`) is set and stale. An update that
   * removes the last finalizer of a deleting object deletes it.
   */
  update(key: ObjectKey, object: KubeObject, options?: UpdateOptions): Promise<KubeObject>;
  /** Read-modify-write, retried on conflicts until `mutate` gives a result that sticks. */
  guaranteedUpdate(key: ObjectKey, mutate: Mutation, options?: { dryRun?: boolean; preconditions?: Preconditions }): Promise<KubeObject>;
  delete(key: ObjectKey, options?: DeleteOptions): Promise<DeleteResult>;
  watch(options: WatchOptions): Promise<Watch>;
  /** The newest committed revision. */
  currentRevision(): Promise<number>;
  /** Drops change-log entries at or below `revision`; watches from there get Expired. */
  compact(revision: number): Promise<void>;
  /** The oldest revision a watch may still start after. */
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
}

export type StoreErrorCode =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Expired"
  | "Invalid"
  /** A request the store cannot read, such as a malformed continue token. */
  | "BadRequest"
  | "TooSlow"
  | "Unavailable"
  | "Internal";

/** The closed set of storage outcomes callers must handle; translated to a Status at the API. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreError";
  }
}

export const isStoreError = (e: unknown, code?: StoreErrorCode): e is StoreError =>
  e instanceof StoreError && (code === undefined || e.code === code);

export const keyOf = (resource: string, object: KubeObject): ObjectKey => ({
  resource,
  namespace: object.metadata.namespace ?? "",
  name: object.metadata.name ?? "",
});

export const describeKey = (key: ObjectKey): string =>
  key.namespace ? `${key.resource} "${key.namespace}/${key.name}"` : `${key.resource} "${key.name}"`;
