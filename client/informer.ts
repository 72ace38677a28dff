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

export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  private readonly handlers: EventHandlers[] = [];
  private resourceVersion = "";
  private controller = new AbortController();
  private synced = false;
  private syncedWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    readonly resource: ResourceEntry,
    private readonly options: InformerOptions = {},
  ) {}

  /** Adds handlers; like client-go, a late handler first gets an add for everything cached. */
  on(handlers: EventHandlers): this {
    this.handlers.push(handlers);
    for (const object of this.cache.values()) handlers.add?.(object);
    return this;
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
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

  get(key: string): KubeObject | undefined {
    return this.cache.get(key);
  }

  list(): KubeObject[] {
    return [...this.cache.values()];
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
    for (const h of this.handlers) previous ? h.update?.(previous, object) : h.add?.(object);
  }

  private remove(key: string, object: KubeObject): void {
    if (!this.cache.delete(key)) return;
    for (const h of this.handlers) h.delete?.(object);
  }
}
