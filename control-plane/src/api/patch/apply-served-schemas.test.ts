// Server-side apply on the schemas and defaulting Ledge serves (schemas/),
// the way the API runs it: objects are defaulted when stored, and apply is
// given the same defaulting. Regressions from `kubectl apply` followed by
// `kubectl apply --server-side` of the same manifests.
import { describe, expect, test } from "bun:test";
import { applyDefaults } from "../../../../schemas/defaults.ts";
import { findResource, RESOURCES, type ResourceEntry } from "../../../../schemas/registry.ts";
import { ApplyConflictError, LAST_APPLIED_ANNOTATION, serverSideApply, updateManagedFields, type ApplyOptions } from "./apply.ts";
import { fieldSchema, shapeOf, type SchemaNode } from "./schema-node.ts";

type Json = Record<string, any>;

const T1 = new Date("2025-01-01T00:00:00Z");
const T2 = new Date("2025-01-02T00:00:00Z");

const services = findResource("", "v1", "services")!;
const deployments = findResource("apps", "v1", "deployments")!;
const secrets = findResource("", "v1", "secrets")!;

const schemaOf = (resource: ResourceEntry) => resource.schema as unknown as SchemaNode;

/** What admission stores: the object defaulted. */
function defaulted(resource: ResourceEntry, object: Json): Json {
  const copy = structuredClone(object);
  applyDefaults(resource, copy);
  return copy;
}

/** `kubectl apply` of a new object: a create by kubectl-client-side-apply carrying the last-applied annotation. */
function clientSideApplied(resource: ResourceEntry, manifest: Json): Json {
  const recorded = { ...manifest, metadata: { ...manifest.metadata, annotations: {} } };
  const body = { ...manifest, metadata: { ...manifest.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(recorded)}\n` } } };
  return updateManagedFields(null, defaulted(resource, body), { fieldManager: "kubectl-client-side-apply", schema: schemaOf(resource), now: T1 });
}

/** A server-side apply as the API runs it (with the resource's defaulting), stored defaulted. */
function serverSideApplied(resource: ResourceEntry, live: Json, manifest: Json, options: Partial<ApplyOptions> = {}): Json {
  const result = serverSideApply(live, manifest, {
    fieldManager: "kubectl",
    schema: schemaOf(resource),
    apiVersion: resource.groupVersion,
    defaults: (object) => applyDefaults(resource, object),
    now: T2,
    ...options,
  });
  return defaulted(resource, result);
}

function conflictOf(run: () => unknown): ApplyConflictError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApplyConflictError) return error;
    throw error;
  }
  throw new Error("expected an ApplyConflictError");
}

const fieldsOf = (object: Json, manager: string): Json | undefined =>
  object.metadata.managedFields?.find((entry: Json) => entry.manager === manager)?.fieldsV1;

const managers = (object: Json): string[] => (object.metadata.managedFields ?? []).map((entry: Json) => entry.manager);

const service = (ports: Json[]): Json => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web", namespace: "shop" },
  spec: { selector: { app: "web" }, ports },
});

function deployment(container: Json): Json {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop", labels: { app: "web" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27", ...container }] } },
    },
  };
}

describe("list-map keys with a schema default", () => {
  test("every list keyed by protocol declares Kubernetes' default \"TCP\" for it", () => {
    const found: string[] = [];
    const within = new Set<SchemaNode>();
    const walk = (node: SchemaNode | undefined, path: string): void => {
      if (node === undefined || within.has(node)) return;
      within.add(node);
      const shape = shapeOf(node);
      if (shape.listMapKeys?.includes("protocol")) {
        found.push(path);
        expect({ path, default: shapeOf(fieldSchema(shapeOf(shape.items), "protocol")).default }).toEqual({ path, default: "TCP" });
      }
      for (const [name, child] of shape.properties ?? []) walk(child, `${path}.${name}`);
      walk(shape.additional, `${path}.*`);
      walk(shape.items, `${path}[]`);
      within.delete(node);
    };
    for (const resource of RESOURCES) walk(schemaOf(resource), resource.plural);
    expect(found).toContain("services.spec.ports");
    expect(found).toContain("pods.spec.containers[].ports");
    expect(found).toContain("deployments.spec.template.spec.containers[].ports");
  });

  test("a service port applied without a protocol is the stored TCP port, not a second one", () => {
    const live = clientSideApplied(services, service([{ port: 80, targetPort: 80 }]));
    expect(live.spec.ports).toEqual([{ port: 80, targetPort: 80, protocol: "TCP" }]);

    const applied = serverSideApplied(services, live, service([{ port: 80, targetPort: 80 }]));
    expect(applied.spec.ports).toEqual([{ port: 80, targetPort: 80, protocol: "TCP" }]);
    expect(fieldsOf(applied, "kubectl")!["f:spec"]["f:ports"]).toEqual({
      'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:port": {}, "f:targetPort": {} },
    });
  });

  test("the same without defaulting: keys take the schema default on their own", () => {
    const live = clientSideApplied(services, service([{ port: 80, targetPort: 80 }]));
    const result: Json = serverSideApply(live, service([{ port: 80, targetPort: 80 }]), { fieldManager: "kubectl", schema: schemaOf(services), now: T2 });
    expect(result.spec.ports).toEqual([{ port: 80, targetPort: 80, protocol: "TCP" }]);
  });

  test("a port without a protocol and the same port over UDP are two ports", () => {
    const live = clientSideApplied(services, service([{ name: "dns", port: 53 }]));
    const applied = serverSideApplied(services, live, service([{ name: "dns", port: 53 }, { name: "dns-udp", port: 53, protocol: "UDP" }]));
    expect(applied.spec.ports).toEqual([
      { name: "dns", port: 53, protocol: "TCP", targetPort: 53 },
      { name: "dns-udp", port: 53, protocol: "UDP", targetPort: 53 },
    ]);
  });

  test("a container port applied without a protocol is the stored TCP port", () => {
    const manifest = deployment({ ports: [{ containerPort: 80 }] });
    const applied = serverSideApplied(deployments, clientSideApplied(deployments, manifest), manifest);
    expect(applied.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
  });
});

describe("kubectl apply --server-side after kubectl apply", () => {
  const fieldRefEnv = { env: [{ name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }] };
  const manifest = deployment({ ports: [{ containerPort: 80 }], ...fieldRefEnv });
  const live = clientSideApplied(deployments, manifest);
  const fieldRefPath = (fields: Json) =>
    fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']["f:env"]['k:{"name":"POD"}']["f:valueFrom"];

  test("an atomic value that differs from the configuration only by its defaults does not conflict", () => {
    expect(live.spec.template.spec.containers[0].env[0].valueFrom.fieldRef).toEqual({ apiVersion: "v1", fieldPath: "metadata.name" });
    const applied = serverSideApplied(deployments, live, manifest);
    expect(applied.spec).toEqual(live.spec);
    // Both own it now: the value is what each of them set.
    expect(fieldRefPath(fieldsOf(applied, "kubectl")!)).toEqual({ "f:fieldRef": {} });
    expect(fieldRefPath(fieldsOf(applied, "kubectl-client-side-apply")!)).toEqual({ "f:fieldRef": {} });
  });

  test("compared as applied (no defaulting), it conflicts, as in Kubernetes", () => {
    const error = conflictOf(() => serverSideApplied(deployments, live, manifest, { defaults: undefined }));
    expect(error.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.template.spec.containers[name="web"].env[name="POD"].valueFrom.fieldRef',
    );
  });

  test("defaulting hides no real change: a value another manager set still conflicts", () => {
    const edited = structuredClone(live);
    edited.spec.template.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath = "metadata.namespace";
    const tracked = updateManagedFields(live, edited, { fieldManager: "kubectl-edit", schema: schemaOf(deployments), now: T1 });
    const error = conflictOf(() => serverSideApplied(deployments, tracked, manifest));
    expect(error.conflicts.map((c) => [c.manager, c.field])).toEqual([
      ["kubectl-edit", '.spec.template.spec.containers[name="web"].env[name="POD"].valueFrom.fieldRef'],
    ]);
  });

  test("a re-apply where only defaults differ leaves the object and its times alone", () => {
    const once = serverSideApplied(deployments, live, manifest);
    expect(serverSideApplied(deployments, once, manifest, { now: new Date("2025-01-09T00:00:00Z") })).toEqual(once);
  });

  test("a secret's stringData: the data it becomes is not the applier's change", () => {
    const secret = (password: string): Json => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db", namespace: "shop" },
      type: "Opaque",
      stringData: { password },
    });
    const created = clientSideApplied(secrets, secret("s3cret"));
    expect(created.data).toEqual({ password: "czNjcmV0" });
    expect(serverSideApplied(secrets, created, secret("s3cret")).data).toEqual({ password: "czNjcmV0" });
    // As in Kubernetes, a new stringData value is no conflict with data's owner: the applier changed stringData.
    const changed = serverSideApplied(secrets, created, secret("n3w"));
    expect(changed.data).toEqual({ password: Buffer.from("n3w").toString("base64") });
    expect(managers(changed)).toEqual(["kubectl", "kubectl-client-side-apply"]);
  });
});
