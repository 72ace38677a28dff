// ConfigMaps, Secrets and RuntimeClasses as the pods on this node need them:
// read from the API when it answers, and from the agent's database when it
// does not, so a pod can be restarted (its environment and volumes rebuilt)
// while the control plane is away.
import { isNotFound } from "../../../client/errors.ts";
import { type KubeClient, resourceOf } from "../../../client/kube-client.ts";
import type { ConfigMap, RuntimeClass, Secret } from "../../../schemas/index.ts";
import { type ApiLink, isUnreachable } from "../api-link.ts";
import type { CachedKind, LocalStore } from "./local-store.ts";

const RESOURCES = {
  ConfigMap: resourceOf("v1", "configmaps"),
  Secret: resourceOf("v1", "secrets"),
  RuntimeClass: resourceOf("node.k8s.io/v1", "runtimeclasses"),
} as const;

export class ObjectUnavailableError extends Error {
  override readonly name = "ObjectUnavailableError";
}

export class ObjectSource {
  constructor(
    private readonly client: KubeClient,
    private readonly store: LocalStore,
    private readonly link: ApiLink,
  ) {}

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.read("ConfigMap", namespace, name) as Promise<ConfigMap | undefined>;
  }

  secret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.read("Secret", namespace, name) as Promise<Secret | undefined>;
  }

  runtimeClass(name: string): Promise<RuntimeClass | undefined> {
    return this.read("RuntimeClass", "", name) as Promise<RuntimeClass | undefined>;
  }

  /** The object, undefined when the API says it does not exist; the saved copy when the API cannot be reached. */
  private async read(kind: CachedKind, namespace: string, name: string): Promise<unknown> {
    try {
      const object = await this.link.call(() => this.client.get(RESOURCES[kind], namespace || undefined, name));
      this.store.cacheObject(kind, namespace, name, object);
      return object;
    } catch (error) {
      if (isNotFound(error)) {
        this.store.cacheObject(kind, namespace, name, undefined);
        return undefined;
      }
      if (!isUnreachable(error)) throw error;
      const cached = this.store.cachedObject(kind, namespace, name);
      if (cached === undefined) {
        throw new ObjectUnavailableError(`cannot read ${kind} ${namespace ? `${namespace}/` : ""}${name}: the API server is unreachable and this node has no copy`, { cause: error });
      }
      return cached;
    }
  }
}
