// A small typed Kubernetes REST client over any fetch function: global fetch
// for a remote API server, or the Hono app's own fetch in-process (no socket).
// It imports nothing of control-plane, so node agents can use it too.
import { findResource, type ResourceEntry } from "../schemas/registry.ts";
import { ApiStatusError, type StatusBody } from "./errors.ts";

export type Fetch = (request: Request) => Response | Promise<Response>;

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
    finalizers?: string[];
    deletionTimestamp?: string;
    generation?: number;
    creationTimestamp?: string;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export type PatchType = "merge" | "strategic" | "json" | "apply";
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

export interface DeleteOptions {
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Resolves a kind ("Pod", "apps/v1 Deployment") or plural to the registry entry the paths come from. */
export function resourceOf(apiVersion: string, kindOrPlural: string): ResourceEntry {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const entry = findResource(group!, version!, kindOrPlural);
  if (!entry) throw new Error(`unknown resource ${kindOrPlural} in ${apiVersion}`);
  return entry;
}

export class KubeClient {
  constructor(
    private readonly fetch: Fetch,
    private readonly baseUrl = "http://ledge.local",
    private readonly userAgent = "ledge",
  ) {}

  path(resource: ResourceEntry, namespace?: string, name?: string, subresource?: string): string {
    let path = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
    if (resource.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
    path += `/${resource.plural}`;
    if (name !== undefined) path += `/${encodeURIComponent(name)}`;
    if (subresource) path += `/${subresource}`;
    return path;
  }

  async request(method: string, path: string, init: { body?: unknown; contentType?: string; query?: Record<string, string | number | boolean | undefined>; signal?: AbortSignal } = {}): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: "application/json", "user-agent": this.userAgent };
    let body: string | undefined;
    if (init.body !== undefined) {
      headers["content-type"] = init.contentType ?? "application/json";
      body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    }
    const response = await this.fetch(new Request(url.toString(), { method, headers, body, signal: init.signal }));
    if (response.status >= 400) throw await statusError(response);
    return response;
  }

  private async json<T>(method: string, path: string, init: Parameters<KubeClient["request"]>[2] = {}): Promise<T> {
    return (await (await this.request(method, path, init)).json()) as T;
  }

  get(resource: ResourceEntry, namespace: string | undefined, name: string, subresource?: string): Promise<KubeObject> {
    return this.json("GET", this.path(resource, namespace, name, subresource));
  }

  async list(resource: ResourceEntry, options: ListOptions = {}): Promise<ObjectList> {
    const body = await this.json<{ items: KubeObject[]; metadata: { resourceVersion: string; continue?: string } }>(
      "GET",
      this.path(resource, options.namespace),
      { query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, limit: options.limit, continue: options.continue } },
    );
    return { items: body.items, resourceVersion: body.metadata.resourceVersion, continue: body.metadata.continue };
  }

  /** Every page of a list, consistent at the first page's resourceVersion. */
  async listAll(resource: ResourceEntry, options: ListOptions = {}): Promise<ObjectList> {
    const items: KubeObject[] = [];
    let page = await this.list(resource, { ...options, limit: options.limit ?? 500 });
    items.push(...page.items);
    const resourceVersion = page.resourceVersion;
    while (page.continue) {
      page = await this.list(resource, { ...options, limit: options.limit ?? 500, continue: page.continue });
      items.push(...page.items);
    }
    return { items, resourceVersion };
  }

  /** A stream of watch events; it ends when the server closes it, the signal aborts, or the timeout passes. */
  async *watch(resource: ResourceEntry, options: WatchOptions = {}): AsyncGenerator<WatchEvent> {
    const response = await this.request("GET", this.path(resource, options.namespace), {
      query: {
        watch: 1,
        resourceVersion: options.resourceVersion,
        allowWatchBookmarks: options.allowWatchBookmarks ? "true" : undefined,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        timeoutSeconds: options.timeoutSeconds,
      },
      signal: options.signal,
    });
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let newline = buffer.indexOf("\n");
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line.trim()) yield JSON.parse(line) as WatchEvent;
          newline = buffer.indexOf("\n");
        }
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  create(resource: ResourceEntry, object: KubeObject, options: { subresourceOf?: string; subresource?: string; fieldManager?: string } = {}): Promise<KubeObject> {
    const namespace = object.metadata?.namespace;
    const path = options.subresource ? this.path(resource, namespace, options.subresourceOf, options.subresource) : this.path(resource, namespace);
    return this.json("POST", path, { body: object, query: { fieldManager: options.fieldManager } });
  }

  update(resource: ResourceEntry, object: KubeObject, options: { subresource?: string; fieldManager?: string } = {}): Promise<KubeObject> {
    return this.json("PUT", this.path(resource, object.metadata.namespace, object.metadata.name, options.subresource), {
      body: object,
      query: { fieldManager: options.fieldManager },
    });
  }

  patch(
    resource: ResourceEntry,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options: { subresource?: string; fieldManager?: string; force?: boolean } = {},
  ): Promise<KubeObject> {
    return this.json("PATCH", this.path(resource, namespace, name, options.subresource), {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
      query: { fieldManager: options.fieldManager, force: options.force ? "true" : undefined },
    });
  }

  delete(resource: ResourceEntry, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<unknown> {
    return this.json("DELETE", this.path(resource, namespace, name), { body: { kind: "DeleteOptions", apiVersion: "v1", ...options } });
  }
}

async function statusError(response: Response): Promise<ApiStatusError> {
  const text = await response.text();
  let status: StatusBody | undefined;
  try {
    status = JSON.parse(text) as StatusBody;
  } catch {
    status = undefined;
  }
  return new ApiStatusError(response.status, status?.reason ?? "Unknown", status?.message ?? (text || response.statusText), status);
}
