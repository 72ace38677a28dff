// Every resource Ledge serves, as discovery, the validator and OpenAPI see it.
import { Type, type TObject } from "@sinclair/typebox";
import { DaemonSet, Deployment, ReplicaSet } from "./apps-v1.ts";
import { Scale } from "./autoscaling-v1.ts";
import { Lease } from "./coordination-v1.ts";
import { ConfigMap, Namespace, Secret, ServiceAccount } from "./core-v1-config.ts";
import { Event } from "./core-v1-event.ts";
import { Node } from "./core-v1-node.ts";
import { Binding, Pod } from "./core-v1-pod.ts";
import { Endpoints, Service } from "./core-v1-service.ts";
import { EndpointSlice } from "./discovery-v1.ts";
import {
  eventFieldSelectors,
  namespaceFieldSelectors,
  nodeFieldSelectors,
  objectMetaFieldSelectors,
  podFieldSelectors,
  replicaSetFieldSelectors,
  secretFieldSelectors,
  serviceFieldSelectors,
  type FieldSelectors,
} from "./field-selectors.ts";
import { ListMeta, typeMeta } from "./meta-v1.ts";
import { RuntimeClass } from "./node-v1.ts";
import { Eviction } from "./policy-v1.ts";
import { kind as kindSchema } from "./schema-builders.ts";

export type Verb = "create" | "delete" | "deletecollection" | "get" | "list" | "patch" | "update" | "watch";

export interface SubresourceInfo {
  /** Kind of the request/response body, with its own group and version (pods/eviction speaks policy/v1). */
  group: string;
  version: string;
  kind: string;
  verbs: readonly Verb[];
  schema: TObject;
}

export interface ScaleSubresource extends SubresourceInfo {
  /** Paths in the parent object, in the form CRDs use. */
  specReplicasPath: string;
  statusReplicasPath: string;
  /** Points at a LabelSelector object here, which the server formats into Scale.status.selector. */
  labelSelectorPath: string;
}

export interface Subresources {
  status?: SubresourceInfo;
  scale?: ScaleSubresource;
  binding?: SubresourceInfo;
  eviction?: SubresourceInfo;
  /** Served as text (GET); the schema is the parent's, for discovery's sake. */
  log?: SubresourceInfo;
}

/** The name rules Kubernetes applies to metadata.name per kind. */
export type NameRule = "DNS1123Subdomain" | "DNS1123Label" | "DNS1035Label";

export interface ResourceEntry {
  group: string;
  version: string;
  /** "v1" for core, "apps/v1" otherwise: what apiVersion holds. */
  groupVersion: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  namespaced: boolean;
  categories: readonly string[];
  verbs: readonly Verb[];
  subresources: Subresources;
  schema: TObject;
  listSchema: TObject;
  fieldSelectors: FieldSelectors;
  nameRule: NameRule;
  /** Pods and Services answer DELETE with the object; the rest with a Status. */
  deleteReturnsObject: boolean;
}

const ALL_VERBS: readonly Verb[] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const STATUS_VERBS: readonly Verb[] = ["get", "patch", "update"];

const groupVersionOf = (group: string, version: string) => (group === "" ? version : `${group}/${version}`);

interface EntryInput {
  group: string;
  version: string;
  plural: string;
  schema: TObject;
  namespaced: boolean;
  shortNames?: readonly string[];
  categories?: readonly string[];
  verbs?: readonly Verb[];
  status?: boolean;
  scale?: boolean;
  extraSubresources?: Pick<Subresources, "binding" | "eviction" | "log">;
  fieldSelectors?: FieldSelectors;
  nameRule?: NameRule;
  deleteReturnsObject?: boolean;
}

function kindOf(schema: TObject): string {
  const gvks = schema["x-kubernetes-group-version-kind"] as { kind: string }[] | undefined;
  const first = gvks?.[0];
  if (!first) throw new Error(`schema ${String(schema.$id)} has no x-kubernetes-group-version-kind`);
  return first.kind;
}

function listSchemaFor(group: string, version: string, kind: string, schema: TObject): TObject {
  return kindSchema(`${String(schema.$id)}List`, [{ group, version, kind: `${kind}List` }], `${kind}List is a list of ${kind} objects.`, {
    ...typeMeta(),
    metadata: Type.Optional(ListMeta),
    items: Type.Array(schema, { description: `List of ${kind} objects.` }),
  });
}

function entry(input: EntryInput): ResourceEntry {
  const kind = kindOf(input.schema);
  const { group, version } = input;
  const subresources: Subresources = { ...input.extraSubresources };
  if (input.status) subresources.status = { group, version, kind, verbs: STATUS_VERBS, schema: input.schema };
  if (input.scale) {
    subresources.scale = {
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
      verbs: STATUS_VERBS,
      schema: Scale,
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
      labelSelectorPath: ".spec.selector",
    };
  }
  return {
    group,
    version,
    groupVersion: groupVersionOf(group, version),
    kind,
    listKind: `${kind}List`,
    plural: input.plural,
    singular: kind.toLowerCase(),
    shortNames: input.shortNames ?? [],
    namespaced: input.namespaced,
    categories: input.categories ?? [],
    verbs: input.verbs ?? ALL_VERBS,
    subresources,
    schema: input.schema,
    listSchema: listSchemaFor(group, version, kind, input.schema),
    fieldSelectors: input.fieldSelectors ?? objectMetaFieldSelectors,
    nameRule: input.nameRule ?? "DNS1123Subdomain",
    deleteReturnsObject: input.deleteReturnsObject ?? false,
  };
}

const core = (input: Omit<EntryInput, "group" | "version">) => entry({ group: "", version: "v1", ...input });
const apps = (input: Omit<EntryInput, "group" | "version" | "namespaced">) =>
  entry({ group: "apps", version: "v1", categories: ["all"], status: true, ...input, namespaced: true });

/** In the order Kubernetes' discovery lists them. */
export const RESOURCES: readonly ResourceEntry[] = [
  core({ plural: "configmaps", schema: ConfigMap, namespaced: true, shortNames: ["cm"] }),
  core({ plural: "endpoints", schema: Endpoints, namespaced: true, shortNames: ["ep"] }),
  core({ plural: "events", schema: Event, namespaced: true, shortNames: ["ev"], fieldSelectors: eventFieldSelectors }),
  core({
    plural: "namespaces",
    schema: Namespace,
    namespaced: false,
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    status: true,
    fieldSelectors: namespaceFieldSelectors,
    nameRule: "DNS1123Label",
  }),
  core({ plural: "nodes", schema: Node, namespaced: false, shortNames: ["no"], status: true, fieldSelectors: nodeFieldSelectors }),
  core({
    plural: "pods",
    schema: Pod,
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    status: true,
    extraSubresources: {
      binding: { group: "", version: "v1", kind: "Binding", verbs: ["create"], schema: Binding },
      eviction: { group: "policy", version: "v1", kind: "Eviction", verbs: ["create"], schema: Eviction },
      log: { group: "", version: "v1", kind: "Pod", verbs: ["get"], schema: Pod },
    },
    fieldSelectors: podFieldSelectors,
    deleteReturnsObject: true,
  }),
  core({ plural: "secrets", schema: Secret, namespaced: true, fieldSelectors: secretFieldSelectors }),
  core({ plural: "serviceaccounts", schema: ServiceAccount, namespaced: true, shortNames: ["sa"] }),
  core({
    plural: "services",
    schema: Service,
    namespaced: true,
    shortNames: ["svc"],
    categories: ["all"],
    status: true,
    fieldSelectors: serviceFieldSelectors,
    nameRule: "DNS1035Label",
    deleteReturnsObject: true,
  }),
  apps({ plural: "daemonsets", schema: DaemonSet, shortNames: ["ds"] }),
  apps({ plural: "deployments", schema: Deployment, shortNames: ["deploy"], scale: true }),
  apps({ plural: "replicasets", schema: ReplicaSet, shortNames: ["rs"], scale: true, fieldSelectors: replicaSetFieldSelectors }),
  entry({ group: "coordination.k8s.io", version: "v1", plural: "leases", schema: Lease, namespaced: true }),
  entry({ group: "discovery.k8s.io", version: "v1", plural: "endpointslices", schema: EndpointSlice, namespaced: true }),
  entry({ group: "node.k8s.io", version: "v1", plural: "runtimeclasses", schema: RuntimeClass, namespaced: false }),
];

const byGroupVersion = new Map<string, ResourceEntry[]>();
for (const resource of RESOURCES) {
  const list = byGroupVersion.get(resource.groupVersion) ?? [];
  list.push(resource);
  byGroupVersion.set(resource.groupVersion, list);
}

/**
 * Finds a resource by plural, singular or kind, as kubectl and REST paths
 * name it (resource names are lower case; kinds match exactly or lowered).
 */
export function findResource(group: string, version: string, pluralOrKind: string): ResourceEntry | undefined {
  const candidates = byGroupVersion.get(groupVersionOf(group, version));
  if (!candidates) return undefined;
  const lowered = pluralOrKind.toLowerCase();
  return (
    candidates.find((r) => r.plural === pluralOrKind || r.kind === pluralOrKind) ??
    candidates.find((r) => r.plural === lowered || r.singular === lowered)
  );
}

/** Resources of one group version ("v1", "apps/v1"); empty when not served. */
export function resourcesFor(groupVersion: string): readonly ResourceEntry[] {
  return byGroupVersion.get(groupVersion) ?? [];
}

/** Served group versions, core first, in discovery order. */
export function groupVersions(): readonly string[] {
  return [...byGroupVersion.keys()];
}
