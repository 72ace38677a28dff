// Empties a terminating namespace, then finalizes it so the API removes it.
import { isNotFound } from "../../../../client/errors.ts";
import type { Informer } from "../../../../client/informer.ts";
import { type KubeClient, resourceOf } from "../../../../client/kube-client.ts";
import { RESOURCES } from "../../../../schemas/registry.ts";
import type { Controller, ControllerContext } from "../runtime/controller.ts";

/** How soon to look again while objects in the namespace are still going (graceful pods, finalizers). */
const RECHECK_MS = 1000;

export class NamespaceController implements Controller {
  readonly name = "namespace";
  queue?: Controller["queue"];
  private client!: KubeClient;
  private namespaces!: Informer;

  setup(context: ControllerContext): void {
    this.client = context.client;
    this.namespaces = context.informers.informer(resourceOf("v1", "namespaces"));
    this.namespaces.on({
      add: (ns) => ns.metadata.deletionTimestamp && this.queue?.add(ns.metadata.name ?? ""),
      update: (_, ns) => ns.metadata.deletionTimestamp && this.queue?.add(ns.metadata.name ?? ""),
    });
  }

  async sync(name: string): Promise<void> {
    const namespace = this.namespaces.get(name);
    if (!namespace?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const resource of RESOURCES) {
      if (!resource.namespaced || !resource.verbs.includes("list")) continue;
      const { items } = await this.client.listAll(resource, { namespace: name });
      let left = items.length;
      for (const item of items) {
        if (item.metadata.deletionTimestamp) continue;
        const result = (await this.client
          .delete(resource, name, item.metadata.name ?? "", { propagationPolicy: "Background" })
          .catch((error: unknown) => {
            if (!isNotFound(error)) throw error;
            return { kind: "Status" };
          })) as { kind?: string; metadata?: { deletionTimestamp?: string } };
        // Gone at once (a Status, or an object not left marked) is not waited for.
        if (result.kind === "Status" || !result.metadata?.deletionTimestamp) left--;
      }
      remaining += left;
    }
    if (remaining > 0) {
      this.queue?.addAfter(name, RECHECK_MS);
      return;
    }
    await this.client
      .request("PUT", `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, {
        body: { apiVersion: "v1", kind: "Namespace", metadata: { name }, spec: { finalizers: [] } },
      })
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
  }
}
