// What every REST handler works with: the resolved resource and the request.
import type { ResourceEntry } from "../../../../schemas/registry.ts";
import type { Store } from "../../storage/store.ts";
import type { GroupResource } from "../errors.ts";
import type { DefaultTolerationSeconds } from "./default-toleration-seconds.ts";

export interface ApiDeps {
  store: Store;
  /** Request bodies over this many bytes get 413. */
  maxBodyBytes: number;
  /** Added to pods that do not tolerate not-ready/unreachable nodes themselves (absent: none added). */
  defaultTolerationSeconds?: DefaultTolerationSeconds;
  /** The bearer token pods/log presents to node agents (their --token-file); absent: none sent. */
  agentToken?: string;
}

export interface RestRequest {
  deps: ApiDeps;
  resource: ResourceEntry;
  /** The store's key for the resource: "pods", "apps/deployments". */
  storeResource: string;
  groupResource: GroupResource;
  /** Set for namespaced requests; absent for cluster-scoped ones and all-namespace lists. */
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
  request: Request;
  /** Warnings for the `Warning` response header. */
  warnings: string[];
}

export const storeResourceOf = (resource: ResourceEntry): string =>
  resource.group ? `${resource.group}/${resource.plural}` : resource.plural;

/** The store key of the request's object ("" namespace for cluster-scoped kinds). */
export const objectKey = (req: RestRequest, name = req.name ?? "") => ({
  resource: req.storeResource,
  namespace: req.resource.namespaced ? (req.namespace ?? "") : "",
  name,
});

export const isDryRun = (req: RestRequest): boolean => req.query.getAll("dryRun").includes("All");
