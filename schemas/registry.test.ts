import { describe, expect, test } from "bun:test";
import type { TSchema } from "@sinclair/typebox";
import { findResource, groupVersions, RESOURCES, resourcesFor } from "./registry.ts";
import { compile } from "./validate.ts";
import * as build from "./testdata/objects.ts";

describe("every schema compiles", () => {
  test.each(RESOURCES.map((r) => [`${r.groupVersion} ${r.plural}`, r] as const))("%s", (_name, r) => {
    expect(() => compile(r.schema)).not.toThrow();
    expect(() => compile(r.listSchema)).not.toThrow();
    for (const sub of Object.values(r.subresources)) expect(() => compile(sub.schema)).not.toThrow();
    expect(r.schema["x-kubernetes-group-version-kind"]).toEqual([{ group: r.group, version: r.version, kind: r.kind }]);
  });
});

describe("lookups", () => {
  test.each([
    ["", "v1", "pods", "Pod"],
    ["", "v1", "Pod", "Pod"],
    ["", "v1", "pod", "Pod"],
    ["", "v1", "endpoints", "Endpoints"],
    ["apps", "v1", "deployments", "Deployment"],
    ["apps", "v1", "Deployment", "Deployment"],
    ["coordination.k8s.io", "v1", "leases", "Lease"],
    ["discovery.k8s.io", "v1", "EndpointSlice", "EndpointSlice"],
    ["node.k8s.io", "v1", "runtimeclasses", "RuntimeClass"],
  ])("%s/%s %s", (group, version, name, kind) => {
    expect(findResource(group, version, name)?.kind).toBe(kind);
  });

  test.each([
    ["", "v1", "deployments"],
    ["apps", "v2", "deployments"],
    ["batch", "v1", "jobs"],
  ])("%s/%s %s is not served", (group, version, name) => {
    expect(findResource(group, version, name)).toBeUndefined();
  });

  test("group versions, core first", () => {
    expect(groupVersions()).toEqual(["v1", "apps/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "node.k8s.io/v1"]);
    expect(resourcesFor("apps/v1").map((r) => r.plural)).toEqual(["daemonsets", "deployments", "replicasets"]);
    expect(resourcesFor("batch/v1")).toEqual([]);
  });

  test("discovery facts kubectl relies on", () => {
    const pods = findResource("", "v1", "pods");
    expect(pods?.shortNames).toEqual(["po"]);
    expect(pods?.categories).toEqual(["all"]);
    expect(pods?.subresources.eviction).toMatchObject({ group: "policy", version: "v1", kind: "Eviction", verbs: ["create"] });
    expect(pods?.subresources.binding).toMatchObject({ group: "", version: "v1", kind: "Binding" });
    expect(findResource("", "v1", "namespaces")?.verbs).not.toContain("deletecollection");
    expect(findResource("apps", "v1", "deployments")?.subresources.scale).toMatchObject({
      group: "autoscaling",
      kind: "Scale",
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
    });
    expect(findResource("", "v1", "services")?.nameRule).toBe("DNS1035Label");
    expect(findResource("", "v1", "nodes")?.namespaced).toBe(false);
  });
});

describe("field selectors", () => {
  const pod = build.pod();
  pod.spec.nodeName = "edge-1";
  pod.status = { phase: "Running", podIP: "10.244.1.5" };
  test.each<[string, string, Record<string, unknown>, string, string]>([
    ["", "pods", pod, "metadata.name", "web"],
    ["", "pods", pod, "metadata.namespace", "default"],
    ["", "pods", pod, "spec.nodeName", "edge-1"],
    ["", "pods", build.pod(), "spec.nodeName", ""],
    ["", "pods", pod, "status.phase", "Running"],
    ["", "pods", pod, "status.podIP", "10.244.1.5"],
    ["", "pods", pod, "spec.restartPolicy", ""],
    ["", "pods", pod, "spec.hostNetwork", "false"],
    ["", "events", build.event(), "involvedObject.name", "web"],
    ["", "events", build.event(), "involvedObject.kind", "Pod"],
    ["", "events", build.event(), "source", "default-scheduler"],
    ["", "events", build.event(), "type", "Normal"],
    ["", "secrets", { ...build.secret(), type: "kubernetes.io/tls" }, "type", "kubernetes.io/tls"],
    ["", "nodes", build.node(), "spec.unschedulable", "false"],
    ["", "nodes", { ...build.node(), spec: { unschedulable: true } }, "spec.unschedulable", "true"],
    ["", "namespaces", { ...build.namespace(), status: { phase: "Active" } }, "status.phase", "Active"],
    ["apps", "replicasets", { ...build.replicaSet(), status: { replicas: 3 } }, "status.replicas", "3"],
    ["apps", "replicasets", build.replicaSet(), "status.replicas", "0"],
    ["apps", "deployments", build.deployment(), "metadata.name", "web"],
  ])("%s/%s %s", (group, plural, object, field, value) => {
    const read = findResource(group, "v1", plural)?.fieldSelectors[field];
    expect(read?.(object)).toBe(value);
  });

  test("unsupported keys are absent", () => {
    expect(findResource("apps", "v1", "deployments")?.fieldSelectors["spec.replicas"]).toBeUndefined();
  });
});

/** Walks a TypeBox schema by property names ("[]" steps into list items). */
function at(schema: TSchema, path: string): TSchema {
  let node = schema;
  for (const step of path.split(".")) {
    const next = step === "[]" ? node.items : (node.properties as Record<string, TSchema> | undefined)?.[step];
    if (!next) throw new Error(`no ${step} in ${path}`);
    node = next as TSchema;
  }
  return node;
}

describe("list and patch extensions match Kubernetes", () => {
  const pod = findResource("", "v1", "pods")!.schema;
  const service = findResource("", "v1", "services")!.schema;
  const node = findResource("", "v1", "nodes")!.schema;
  const deployment = findResource("apps", "v1", "deployments")!.schema;
  test.each<[string, TSchema, string, Record<string, unknown>]>([
    ["containers", pod, "spec.containers", { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge" }],
    ["initContainers", pod, "spec.initContainers", { "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge" }],
    ["container ports", pod, "spec.containers.[].ports", { "x-kubernetes-list-map-keys": ["containerPort", "protocol"], "x-kubernetes-patch-merge-key": "containerPort" }],
    ["env", pod, "spec.containers.[].env", { "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-patch-merge-key": "name" }],
    ["volumeMounts", pod, "spec.containers.[].volumeMounts", { "x-kubernetes-list-map-keys": ["mountPath"], "x-kubernetes-patch-merge-key": "mountPath" }],
    ["volumes", pod, "spec.volumes", { "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge,retainKeys" }],
    ["imagePullSecrets", pod, "spec.imagePullSecrets", { "x-kubernetes-patch-merge-key": "name" }],
    ["tolerations", pod, "spec.tolerations", { "x-kubernetes-list-type": "atomic" }],
    ["command", pod, "spec.containers.[].command", { "x-kubernetes-list-type": "atomic" }],
    ["nodeSelector", pod, "spec.nodeSelector", { "x-kubernetes-map-type": "atomic" }],
    ["pod conditions", pod, "status.conditions", { "x-kubernetes-list-map-keys": ["type"], "x-kubernetes-patch-merge-key": "type" }],
    ["finalizers", pod, "metadata.finalizers", { "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge" }],
    ["ownerReferences", pod, "metadata.ownerReferences", { "x-kubernetes-list-map-keys": ["uid"], "x-kubernetes-patch-merge-key": "uid" }],
    ["service ports", service, "spec.ports", { "x-kubernetes-list-map-keys": ["port", "protocol"], "x-kubernetes-patch-merge-key": "port" }],
    ["node taints", node, "spec.taints", { "x-kubernetes-list-type": "atomic" }],
    ["node addresses", node, "status.addresses", { "x-kubernetes-patch-merge-key": "type" }],
    ["podCIDRs", node, "spec.podCIDRs", { "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge" }],
    ["deployment strategy", deployment, "spec.strategy", { "x-kubernetes-patch-strategy": "retainKeys" }],
    ["deployment conditions", deployment, "status.conditions", { "x-kubernetes-patch-merge-key": "type" }],
    ["selector", deployment, "spec.selector", { "x-kubernetes-map-type": "atomic" }],
  ])("%s", (_name, schema, path, extensions) => {
    expect(at(schema, path)).toMatchObject(extensions);
  });
});
