import { describe, expect, test } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { openApiV2, openApiV3Document, openApiV3Hash, openApiV3Index, type Json, type JsonObject } from "./openapi.ts";
import { groupVersions } from "./registry.ts";

const documentPaths = groupVersions().map((gv) => (gv.includes("/") ? `apis/${gv}` : `api/${gv}`));

function v3(path: string): JsonObject {
  const document = openApiV3Document(path);
  if (!document) throw new Error(`no document for ${path}`);
  return document;
}

/** Every string value of `key` anywhere in the document, with where it was found. */
function collect(node: Json, key: string, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collect(item, key, out);
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === key && typeof v === "string") out.push(v);
      else collect(v, key, out);
    }
  }
  return out;
}

function resolve(document: JsonObject, ref: string): Json | undefined {
  let node: Json | undefined = document;
  for (const part of ref.replace(/^#\//, "").split("/")) {
    node = node && typeof node === "object" && !Array.isArray(node) ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return node;
}

type Operation = JsonObject & { operationId: string; parameters?: JsonObject[] };

function operations(document: JsonObject): Map<string, Operation & { path: string; method: string }> {
  const out = new Map<string, Operation & { path: string; method: string }>();
  for (const [path, item] of Object.entries(document.paths as JsonObject)) {
    for (const [method, op] of Object.entries(item as JsonObject)) {
      if (method === "parameters") continue;
      const operation = op as Operation;
      out.set(operation.operationId, { ...operation, path, method });
    }
  }
  return out;
}

describe("documents are valid OpenAPI", () => {
  test.each(documentPaths)("v3 %s passes swagger-parser", async (path) => {
    await SwaggerParser.validate(structuredClone(v3(path)) as never);
  });

  test("v2 passes swagger-parser", async () => {
    await SwaggerParser.validate(structuredClone(openApiV2()) as never);
  });

  test.each([...documentPaths.map((p) => [p, v3(p)] as const), ["v2", openApiV2()] as const])("every $ref in %s resolves", (_name, document) => {
    const refs = collect(document, "$ref");
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((ref) => resolve(document, ref) === undefined)).toEqual([]);
  });

  test.each([...documentPaths.map((p) => [p, v3(p)] as const), ["v2", openApiV2()] as const])("%s carries no TypeBox-only keywords", (_name, document) => {
    const text = JSON.stringify(document);
    for (const keyword of ['"$id"', '"patternProperties"', '"const"', '"anyOf"']) expect(text).not.toContain(keyword);
  });
});

describe("discovery index", () => {
  test("lists every served group version with its document's hash", () => {
    const { paths } = openApiV3Index();
    expect(Object.keys(paths)).toEqual(documentPaths);
    for (const path of documentPaths) {
      expect(paths[path]?.serverRelativeURL).toBe(`/openapi/v3/${path}?hash=${openApiV3Hash(path)}`);
    }
    expect(openApiV3Hash("api/v1")).toMatch(/^[0-9A-F]{128}$/);
  });

  test.each(["apis/batch/v1", "api/v2", "version", ""])("%p has no document", (path) => {
    expect(openApiV3Document(path)).toBeUndefined();
  });
});

describe("operations follow Kubernetes' naming", () => {
  const core = operations(v3("api/v1"));
  const apps = operations(v3("apis/apps/v1"));
  test.each<[Map<string, Operation & { path: string; method: string }>, string, string, string, string]>([
    [core, "listCoreV1NamespacedPod", "get", "/api/v1/namespaces/{namespace}/pods", "list"],
    [core, "createCoreV1NamespacedPod", "post", "/api/v1/namespaces/{namespace}/pods", "post"],
    [core, "deletecollectionCoreV1NamespacedPod", "delete", "/api/v1/namespaces/{namespace}/pods", "deletecollection"],
    [core, "readCoreV1NamespacedPod", "get", "/api/v1/namespaces/{namespace}/pods/{name}", "get"],
    [core, "replaceCoreV1NamespacedPod", "put", "/api/v1/namespaces/{namespace}/pods/{name}", "put"],
    [core, "patchCoreV1NamespacedPod", "patch", "/api/v1/namespaces/{namespace}/pods/{name}", "patch"],
    [core, "deleteCoreV1NamespacedPod", "delete", "/api/v1/namespaces/{namespace}/pods/{name}", "delete"],
    [core, "readCoreV1NamespacedPodStatus", "get", "/api/v1/namespaces/{namespace}/pods/{name}/status", "get"],
    [core, "patchCoreV1NamespacedPodStatus", "patch", "/api/v1/namespaces/{namespace}/pods/{name}/status", "patch"],
    [core, "createCoreV1NamespacedPodBinding", "post", "/api/v1/namespaces/{namespace}/pods/{name}/binding", "post"],
    [core, "createCoreV1NamespacedPodEviction", "post", "/api/v1/namespaces/{namespace}/pods/{name}/eviction", "post"],
    [core, "readCoreV1NamespacedPodLog", "get", "/api/v1/namespaces/{namespace}/pods/{name}/log", "get"],
    [core, "listCoreV1PodForAllNamespaces", "get", "/api/v1/pods", "list"],
    [core, "watchCoreV1NamespacedPodList", "get", "/api/v1/watch/namespaces/{namespace}/pods", "watchlist"],
    [core, "watchCoreV1NamespacedPod", "get", "/api/v1/watch/namespaces/{namespace}/pods/{name}", "watch"],
    [core, "watchCoreV1PodListForAllNamespaces", "get", "/api/v1/watch/pods", "watchlist"],
    [core, "listCoreV1Node", "get", "/api/v1/nodes", "list"],
    [core, "readCoreV1NodeStatus", "get", "/api/v1/nodes/{name}/status", "get"],
    [core, "watchCoreV1Node", "get", "/api/v1/watch/nodes/{name}", "watch"],
    [core, "listCoreV1NamespacedEndpoints", "get", "/api/v1/namespaces/{namespace}/endpoints", "list"],
    [core, "replaceCoreV1Namespace", "put", "/api/v1/namespaces/{name}", "put"],
    [apps, "readAppsV1NamespacedDeploymentScale", "get", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "get"],
    [apps, "patchAppsV1NamespacedDeploymentScale", "patch", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "patch"],
    [apps, "listAppsV1DaemonSetForAllNamespaces", "get", "/apis/apps/v1/daemonsets", "list"],
    [operations(v3("apis/coordination.k8s.io/v1")), "createCoordinationV1NamespacedLease", "post", "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases", "post"],
    [operations(v3("apis/node.k8s.io/v1")), "readNodeV1RuntimeClass", "get", "/apis/node.k8s.io/v1/runtimeclasses/{name}", "get"],
  ])("%#: %s", (ops, id, method, path, action) => {
    const op = ops.get(id);
    expect(op).toMatchObject({ method, path, "x-kubernetes-action": action });
  });

  test("namespaces have no deletecollection", () => {
    expect(core.has("deletecollectionCoreV1Namespace")).toBe(false);
  });

  test("operation ids are unique", () => {
    const ids = collect(openApiV2(), "operationId");
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("subresource operations name the kind they carry", () => {
    expect(apps.get("readAppsV1NamespacedDeploymentScale")?.["x-kubernetes-group-version-kind"]).toEqual({ group: "autoscaling", version: "v1", kind: "Scale" });
    expect(core.get("createCoreV1NamespacedPodEviction")?.["x-kubernetes-group-version-kind"]).toEqual({ group: "policy", version: "v1", kind: "Eviction" });
  });
});

describe("what kubectl reads", () => {
  // kubectl sends fieldValidation only when the PATCH operation for the GVK lists it.
  test.each(documentPaths)("every patch in %s names its GVK and takes fieldValidation", (path) => {
    for (const op of operations(v3(path)).values()) {
      if (op.method !== "patch") continue;
      expect(op["x-kubernetes-group-version-kind"]).toBeDefined();
      expect(op.parameters?.map((p) => p.name)).toContain("fieldValidation");
    }
  });

  test("kinds carry their GVK and list extensions survive rendering", () => {
    const schemas = (v3("api/v1").components as JsonObject).schemas as JsonObject;
    const pod = schemas["io.k8s.api.core.v1.Pod"] as JsonObject;
    expect(pod["x-kubernetes-group-version-kind"]).toEqual([{ group: "", version: "v1", kind: "Pod" }]);
    const containers = ((schemas["io.k8s.api.core.v1.PodSpec"] as JsonObject).properties as JsonObject).containers;
    expect(containers).toMatchObject({
      type: "array",
      items: { $ref: "#/components/schemas/io.k8s.api.core.v1.Container" },
      "x-kubernetes-list-type": "map",
      "x-kubernetes-patch-merge-key": "name",
    });
    expect(schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]).toMatchObject({ format: "int-or-string", "x-kubernetes-int-or-string": true, oneOf: [{ type: "integer" }, { type: "string" }] });
    expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]).toBeDefined();
    expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Status"]).toBeDefined();
  });

  test("property-level extensions sit beside the $ref", () => {
    const schemas = (v3("apis/apps/v1").components as JsonObject).schemas as JsonObject;
    const strategy = ((schemas["io.k8s.api.apps.v1.DeploymentSpec"] as JsonObject).properties as JsonObject).strategy as JsonObject;
    expect(strategy).toMatchObject({ allOf: [{ $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy" }], "x-kubernetes-patch-strategy": "retainKeys" });
    expect(schemas["io.k8s.api.apps.v1.DeploymentStrategy"]).not.toHaveProperty("x-kubernetes-patch-strategy");
    const v2Strategy = (((openApiV2().definitions as JsonObject)["io.k8s.api.apps.v1.DeploymentSpec"] as JsonObject).properties as JsonObject).strategy;
    expect(v2Strategy).toMatchObject({ $ref: "#/definitions/io.k8s.api.apps.v1.DeploymentStrategy", "x-kubernetes-patch-strategy": "retainKeys" });
  });

  // Server-side apply keys a port without a protocol by the default, as structured-merge-diff does.
  test.each(["io.k8s.api.core.v1.ServicePort", "io.k8s.api.core.v1.ContainerPort"])("%s declares the default of its list-map key protocol", (id) => {
    const schemas = (v3("api/v1").components as JsonObject).schemas as JsonObject;
    expect(((schemas[id] as JsonObject).properties as JsonObject).protocol).toMatchObject({ type: "string", enum: ["TCP", "UDP", "SCTP"], default: "TCP" });
  });

  test("v2 renders int-or-string and quantities as strings", () => {
    const definitions = openApiV2().definitions as JsonObject;
    expect(definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]).toMatchObject({ type: "string", format: "int-or-string" });
    expect(definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"]).toMatchObject({ type: "string" });
  });
});
