// One informer per resource (and filter) for all controllers of a process, so
// each kind is listed and watched once however many controllers read it.
import type { ResourceEntry } from "../schemas/registry.ts";
import { Informer, type InformerOptions } from "./informer.ts";
import type { KubeClient } from "./kube-client.ts";

export class InformerFactory {
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

  /** Starts every informer made so far and waits for their first lists. */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  stop(): void {
    for (const informer of this.informers.values()) informer.stop();
  }
}
