// One informer per resource (and filter) for all controllers of a process, so
// each kind is listed and watched once however many controllers read it.
import type { ResourceEntry } from "../schemas/registry.ts";
import { Informer, type InformerOptions, Registrations } from "./informer.ts";
import type { KubeClient } from "./kube-client.ts";

/** What a component needs of a factory: its informers, and starting them. */
export interface InformerSource {
  informer(resource: ResourceEntry, options?: Omit<InformerOptions, "onError">): Informer;
  start(): Promise<void>;
}

/**
 * The factory's informers as one component sees them: handlers it adds
 * through them are removed by close(), while the lists and watches run on
 * for the rest of the process (a leader that steps down and is elected again
 * starts afresh on warm caches, with no handlers left over from before).
 */
export interface InformerScope extends InformerSource {
  close(): void;
}

export class InformerFactory implements InformerSource {
  private readonly informers = new Map<string, Informer>();

  constructor(
    private readonly client: KubeClient,
    private readonly onError?: (error: unknown) => void,
  ) {}

  informer(resource: ResourceEntry, options: Omit<InformerOptions, "onError"> = {}): Informer {
    const key = JSON.stringify([resource.group, resource.plural, options.namespace, options.labelSelector, options.fieldSelector]);
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer(this.client, resource, { ...options, onError: this.onError });
      this.informers.set(key, informer);
    }
    return informer;
  }

  scope(): InformerScope {
    const registrations = new Registrations();
    return {
      informer: (resource, options) => this.informer(resource, options).view(registrations),
      start: () => this.start(),
      close: () => registrations.close(),
    };
  }

  /** Starts every informer made so far and waits for their first lists. */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  stop(): void {
    for (const informer of this.informers.values()) informer.stop();
  }
}
