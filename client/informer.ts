// List, then watch from the list's resourceVersion, keeping a local cache and
// telling handlers what changed. Re-watches from the last seen version when a
// stream ends, and re-lists (diffing against the cache) when that version is gone.
import type { ResourceEntry } from "../schemas/registry.ts";
import { isGone } from "./errors.ts";
import type { KubeClient, KubeObject, ListOptions } from "./kube-client.ts";

export interface EventHandlers {
  add?(object: KubeObject): void;
  update?(previous: KubeObject, object: KubeObject): void;
  delete?(object: KubeObject): void;
}

export const objectKeyOf = (object: KubeObject): string =>
  object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : (object.metadata.name ?? "");

export interface InformerOptions extends Pick<ListOptions, "namespace" | "labelSelector" | "fieldSelector"> {
  /** Waits after a failed list or watch, doubling up to 30 s. */
  initialBackoffMs?: number;
  onError?: (error: unknown) => void;
}

interface Subscription {
  readonly handlers: EventHandlers;
  /** Cleared by unsubscribing, which takes effect even for a dispatch already under way. */
  active: boolean;
}

/** The list, the watch and the cache behind an informer and its views. */
class Source {
  readonly cache = new Map<string, KubeObject>();
  /** Replaced, never changed in place, so (un)subscribing from a handler does not disturb a dispatch in progress. */
  private subscriptions: readonly Subscription[] = [];
  private resourceVersion = "";
  private readonly controller = new AbortController();
  private synced = false;
  private syncedWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;

  constructor(
    readonly client: KubeClient,
    readonly resource: ResourceEntry,
    private readonly options: InformerOptions,
  ) {}

  subscribe(handlers: EventHandlers): () => void {
    const subscription: Subscription = { handlers, active: true };
    this.subscriptions = [...this.subscriptions, subscription];
    for (const object of this.cache.values()) if (subscription.active) handlers.add?.(object);
    return () => {
      if (!subscription.active) return;
      subscription.active = false;
      this.subscriptions = this.subscriptions.filter((s) => s !== subscription);
    };
  }

  get handlerCount(): number {
    return this.subscriptions.length;
  }

  start(): Promise<void> {
    this.running ??= this.run();
    return this.waitForSync();
  }

  stop(): void {
    this.controller.abort();
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncedWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    let backoff = this.options.initialBackoffMs ?? 200;
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) await this.relist();
        for await (const event of this.client.watch(this.resource, {
          ...this.filter(),
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 300 + Math.floor(Math.random() * 300),
          signal,
        })) {
          backoff = this.options.initialBackoffMs ?? 200;
          if (event.type === "ERROR") {
            // 410: our version was compacted; anything else, start over too.
            this.resourceVersion = "";
            break;
          }
          this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
          if (event.type === "BOOKMARK") continue;
          const key = objectKeyOf(event.object);
          if (event.type === "DELETED") this.remove(key, event.object);
          else this.put(key, event.object);
        }
      } catch (error) {
        if (signal.aborted) return;
        if (isGone(error)) this.resourceVersion = "";
        else this.options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  private filter(): ListOptions {
    const { namespace, labelSelector, fieldSelector } = this.options;
    return { namespace, labelSelector, fieldSelector };
  }

  private async relist(): Promise<void> {
    const listed = await this.client.listAll(this.resource, this.filter());
    const seen = new Set<string>();
    for (const object of listed.items) {
      const key = objectKeyOf(object);
      seen.add(key);
      this.put(key, object);
    }
    for (const [key, object] of this.cache) if (!seen.has(key)) this.remove(key, object);
    this.resourceVersion = listed.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncedWaiters.splice(0)) resolve();
    }
  }

  private put(key: string, object: KubeObject): void {
    const previous = this.cache.get(key);
    if (previous?.metadata.resourceVersion === object.metadata.resourceVersion && previous) return;
    this.cache.set(key, object);
    for (const { handlers, active } of this.subscriptions) {
      if (!active) continue;
      if (previous) handlers.update?.(previous, object);
      else handlers.add?.(object);
    }
  }

  private remove(key: string, object: KubeObject): void {
    if (!this.cache.delete(key)) return;
    for (const s of this.subscriptions) if (s.active) s.handlers.delete?.(object);
  }
}

/** Handlers added through views (Informer.view), removed together by close(). */
export class Registrations {
  private readonly unsubscribes = new Set<() => void>();
  private closed = false;

  /** Subscribes and tracks the subscription; returns its own remover. After close(), does not subscribe. */
  track(subscribe: () => () => void): () => void {
    if (this.closed) return () => {};
    const unsubscribe = subscribe();
    const remove = () => {
      this.unsubscribes.delete(remove);
      unsubscribe();
    };
    this.unsubscribes.add(remove);
    return remove;
  }

  close(): void {
    this.closed = true;
    for (const remove of [...this.unsubscribes]) remove();
  }
}

/**
 * An informer, or a view of one (`view()`): the same cache and watch, with
 * handlers of its own that the view's owner removes together when it stops.
 */
export class Informer {
  readonly resource: ResourceEntry;
  private readonly source: Source;
  /** A view's registrations, removed by its owner (see InformerFactory.scope). */
  private readonly registrations: Registrations | undefined;

  /** `shared`: for view() only, the informer this one is a view of. */
  constructor(client: KubeClient, resource: ResourceEntry, options: InformerOptions = {}, shared?: { source: Source; registrations: Registrations }) {
    this.resource = resource;
    this.source = shared?.source ?? new Source(client, resource, options);
    this.registrations = shared?.registrations;
  }

  /**
   * Adds handlers; like client-go, a late handler first gets an add for
   * everything cached. Returns the function that removes them: a handler
   * removed mid-dispatch gets nothing more.
   */
  on(handlers: EventHandlers): () => void {
    const subscribe = () => this.source.subscribe(handlers);
    return this.registrations ? this.registrations.track(subscribe) : subscribe();
  }

  /**
   * This informer as seen by one component: handlers added through the view
   * are tracked by `registrations`, so the component's owner can remove them
   * all when it stops, while the list and watch go on for the others.
   */
  view(registrations: Registrations): Informer {
    return new Informer(this.source.client, this.resource, {}, { source: this.source, registrations });
  }

  /** Handlers registered on this informer and all its views (for tests and leak checks). */
  get handlerCount(): number {
    return this.source.handlerCount;
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  start(): Promise<void> {
    return this.source.start();
  }

  /** Ends the list and watch, for every view of this informer too. */
  stop(): void {
    this.source.stop();
  }

  get hasSynced(): boolean {
    return this.source.hasSynced;
  }

  waitForSync(): Promise<void> {
    return this.source.waitForSync();
  }

  get(key: string): KubeObject | undefined {
    return this.source.cache.get(key);
  }

  list(): KubeObject[] {
    return [...this.source.cache.values()];
  }
}
