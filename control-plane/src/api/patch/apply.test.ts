import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  ApplyConflictError,
  LAST_APPLIED_ANNOTATION,
  parseApplyConfiguration,
  serverSideApply,
  updateManagedFields,
  type ApplyOptions,
} from "./apply.ts";
import type { ManagedFieldsEntry } from "./managed-fields.ts";
import { PatchError } from "./patch-error.ts";
import { deploymentSchema, podSchema } from "./schema-fixtures.ts";

type Json = Record<string, any>;

const T1 = new Date("2025-01-01T00:00:00Z");
const T2 = new Date("2025-01-02T00:00:00Z");
const T3 = new Date("2025-01-03T00:00:00Z");

function config(overrides: { replicas?: number; image?: string; labels?: Json; ports?: Json[] | null; env?: Json[] } = {}): Json {
  const container: Json = { name: "nginx", image: overrides.image ?? "nginx:1.25" };
  if (overrides.ports !== null) container.ports = overrides.ports ?? [{ containerPort: 80 }];
  if (overrides.env !== undefined) container.env = overrides.env;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: overrides.labels ?? { app: "web" } },
    spec: {
      replicas: overrides.replicas ?? 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [container] } },
    },
  };
}

const apply = (live: Json | null, applied: Json, options: Partial<ApplyOptions> = {}): Json =>
  serverSideApply(live, applied, { fieldManager: "kubectl", schema: deploymentSchema, now: T1, ...options });

const update = (live: Json | null, updated: Json, fieldManager: string, now = T1): Json =>
  updateManagedFields(live, updated, { fieldManager, schema: deploymentSchema, now });

function entries(object: Json): ManagedFieldsEntry[] {
  return object.metadata.managedFields ?? [];
}

function entryOf(object: Json, manager: string): ManagedFieldsEntry | undefined {
  return entries(object).find((e) => e.manager === manager);
}

function withoutManaged(object: Json): Json {
  const { managedFields: _, ...metadata } = object.metadata;
  return { ...object, metadata };
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

function patchErrorOf(run: () => unknown): PatchError {
  try {
    run();
  } catch (error) {
    if (error instanceof PatchError) return error;
    throw error;
  }
  throw new Error("expected a PatchError");
}

describe("serverSideApply: create and re-apply", () => {
  const created = apply(null, config());

  test("creating records the applier's fields in FieldsV1", () => {
    expect(withoutManaged(created)).toEqual(config());
    expect(entries(created)).toEqual([
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: "2025-01-01T00:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
              "f:metadata": { "f:labels": { "f:app": {} } },
              "f:spec": {
                "f:containers": {
                  'k:{"name":"nginx"}': {
                    ".": {},
                    "f:image": {},
                    "f:name": {},
                    "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  test("re-applying the same configuration changes nothing, not even the time", () => {
    const again = apply(created, config(), { now: T2 });
    expect(again).toEqual(created);
  });

  test("a changed value is written and the time moves", () => {
    const changed = apply(created, config({ image: "nginx:1.27" }), { now: T2 });
    expect(changed.spec.template.spec.containers[0].image).toBe("nginx:1.27");
    expect(entryOf(changed, "kubectl")!.time).toBe("2025-01-02T00:00:00Z");
  });

  test("fields dropped from the configuration are removed", () => {
    const pruned = apply(created, config({ ports: null, labels: {} }), { now: T2 });
    expect(pruned.spec.template.spec.containers[0]).toEqual({ name: "nginx", image: "nginx:1.25" });
    expect(pruned.metadata.labels).toBeUndefined();
    const fields = entryOf(pruned, "kubectl")!.fieldsV1 as Json;
    expect(fields["f:metadata"]).toEqual({ "f:labels": {} });
    expect(fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}']).toEqual({ ".": {}, "f:image": {}, "f:name": {} });
  });

  test("a container dropped from the configuration is removed", () => {
    const two = apply(created, { ...config(), spec: { ...config().spec, template: { spec: { containers: [{ name: "a", image: "a" }, { name: "b", image: "b" }] } } } });
    const one = apply(two, { ...config(), spec: { ...config().spec, template: { spec: { containers: [{ name: "a", image: "a" }] } } } });
    expect(one.spec.template.spec.containers).toEqual([{ name: "a", image: "a" }]);
  });

  test("fields set by others stay when the applier never owned them", () => {
    const scaled = update(created, { ...created, spec: { ...created.spec, paused: true } }, "kubectl-edit");
    const reapplied = apply(scaled, config({ image: "nginx:1.27" }), { now: T2 });
    expect(reapplied.spec.paused).toBe(true);
    expect(entryOf(reapplied, "kubectl-edit")).toBeDefined();
  });
});

describe("serverSideApply: conflicts", () => {
  const created = apply(null, config());
  const scaled = update(created, { ...created, spec: { ...created.spec, replicas: 5 } }, "kubectl-client-side-apply");

  test("an update took replicas from the applier", () => {
    expect(entryOf(scaled, "kubectl-client-side-apply")).toEqual({
      manager: "kubectl-client-side-apply",
      operation: "Update",
      apiVersion: "apps/v1",
      time: "2025-01-01T00:00:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:spec": { "f:replicas": {} } },
    });
    expect((entryOf(scaled, "kubectl")!.fieldsV1 as Json)["f:spec"]["f:replicas"]).toBeUndefined();
  });

  test("changing a field another manager owns is a 409 with Kubernetes' message", () => {
    const error = conflictOf(() => apply(scaled, config({ replicas: 3 }), { now: T2 }));
    expect(error.status).toBe(409);
    expect(error.reason).toBe("Conflict");
    expect(error.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect(error.conflicts).toEqual([
      {
        manager: "kubectl-client-side-apply",
        operation: "Update",
        apiVersion: "apps/v1",
        field: ".spec.replicas",
        message: 'conflict with "kubectl-client-side-apply" using apps/v1',
      },
    ]);
    expect(error.causes).toEqual([
      { type: "FieldManagerConflict", message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: ".spec.replicas" },
    ]);
  });

  test("force takes the field over; a manager left with nothing disappears", () => {
    const forced = apply(scaled, config({ replicas: 3 }), { force: true, now: T2 });
    expect(forced.spec.replicas).toBe(3);
    expect(entryOf(forced, "kubectl-client-side-apply")).toBeUndefined();
    expect((entryOf(forced, "kubectl")!.fieldsV1 as Json)["f:spec"]["f:replicas"]).toEqual({});
  });

  test("applying the value the field already has shares it", () => {
    const shared = apply(scaled, config({ replicas: 5 }), { now: T2 });
    expect((entryOf(shared, "kubectl")!.fieldsV1 as Json)["f:spec"]["f:replicas"]).toEqual({});
    expect((entryOf(shared, "kubectl-client-side-apply")!.fieldsV1 as Json)["f:spec"]["f:replicas"]).toEqual({});
  });

  test("a shared field the applier drops stays, owned by the other manager", () => {
    const shared = apply(scaled, config({ replicas: 5 }), { now: T2 });
    const { replicas: _, ...spec } = config().spec;
    const dropped = apply(shared, { ...config(), spec }, { now: T3 });
    expect(dropped.spec.replicas).toBe(5);
    expect((entryOf(dropped, "kubectl")!.fieldsV1 as Json)["f:spec"]["f:replicas"]).toBeUndefined();
  });

  test("several conflicts are grouped by manager", () => {
    const other = apply(scaled, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels: { app: "web", tier: "x" } } }, { fieldManager: "other", now: T2 });
    const error = conflictOf(() => apply(other, config({ replicas: 3, labels: { app: "web", tier: "y" } }), { now: T3 }));
    expect(error.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\nconflicts with "other":\n- .metadata.labels.tier',
    );
    expect(error.conflicts.map((c) => [c.manager, c.operation, c.field])).toEqual([
      ["kubectl-client-side-apply", "Update", ".spec.replicas"],
      ["other", "Apply", ".metadata.labels.tier"],
    ]);
  });

  test("a conflict on a list item names it by key", () => {
    const edited = update(created, { ...created, spec: { ...created.spec, template: { ...created.spec.template, spec: { containers: [{ ...created.spec.template.spec.containers[0], image: "nginx:edited" }] } } } }, "kubectl-edit");
    const error = conflictOf(() => apply(edited, config({ image: "nginx:1.27" }), { now: T2 }));
    expect(error.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.template.spec.containers[name="nginx"].image');
  });

  test("fields an object had before its first apply belong to before-first-apply", () => {
    const legacy = withoutManaged(created);
    const error = conflictOf(() => apply(legacy, config({ replicas: 3 }), { now: T2 }));
    expect(error.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    const fine = apply(legacy, config(), { now: T2 });
    expect(entries(fine).map((e) => e.manager)).toEqual(["kubectl", "before-first-apply"]);
  });
});

describe("serverSideApply: migrating from client-side apply", () => {
  const lastApplied = JSON.stringify(config());
  const csa = update(null, { ...config(), metadata: { ...config().metadata, annotations: { [LAST_APPLIED_ANNOTATION]: lastApplied } } }, "kubectl-client-side-apply");

  test("kubectl takes over fields client-side apply recorded, and keeps the annotation current", () => {
    const migrated = apply(csa, config({ replicas: 3 }), { now: T2 });
    expect(migrated.spec.replicas).toBe(3);
    const annotation = migrated.metadata.annotations[LAST_APPLIED_ANNOTATION] as string;
    expect(annotation.endsWith("\n")).toBe(true);
    expect(JSON.parse(annotation)).toEqual(config({ replicas: 3 }));
  });

  test("fields changed since the last client-side apply still conflict", () => {
    const scaled = update(csa, { ...csa, spec: { ...csa.spec, replicas: 9 } }, "kubectl-scale");
    const error = conflictOf(() => apply(scaled, config({ replicas: 3 }), { now: T2 }));
    expect(error.conflicts.map((c) => [c.manager, c.field])).toEqual([["kubectl-scale", ".spec.replicas"]]);
  });

  test("other managers get no such allowance", () => {
    const error = conflictOf(() => apply(csa, config({ replicas: 3 }), { fieldManager: "my-tool", now: T2 }));
    expect(error.conflicts.map((c) => c.manager)).toEqual(["kubectl-client-side-apply"]);
  });
});

describe("serverSideApply: subresources and validation", () => {
  test("status is not owned through the main resource, only through /status", () => {
    const created = apply(null, { ...config(), status: { replicas: 1 } });
    expect((entryOf(created, "kubectl")!.fieldsV1 as Json)["f:status"]).toBeUndefined();
    const status = apply(created, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, status: { readyReplicas: 1 } }, {
      fieldManager: "controller",
      subresource: "status",
      now: T2,
    });
    expect(entryOf(status, "controller")).toEqual({
      manager: "controller",
      operation: "Apply",
      apiVersion: "apps/v1",
      time: "2025-01-02T00:00:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:status": { "f:readyReplicas": {} } },
      subresource: "status",
    });
  });

  test.each([
    { name: "managedFields in the body", body: { ...config(), metadata: { name: "web", managedFields: [] } }, options: {}, status: 400, message: "metadata.managedFields must be nil" },
    { name: "no kind", body: { apiVersion: "apps/v1", metadata: { name: "web" } }, options: {}, status: 400, message: "'Kind' is missing" },
    { name: "no apiVersion", body: { kind: "Deployment", metadata: { name: "web" } }, options: {}, status: 400, message: "'apiVersion' is missing" },
    { name: "not an object", body: [] as unknown as Json, options: {}, status: 400, message: "must be a YAML or JSON object" },
    { name: "another version", body: config(), options: { apiVersion: "apps/v1beta2" }, status: 400, message: "Incorrect version specified in apply patch" },
    { name: "no field manager", body: config(), options: { fieldManager: "" }, status: 422, message: "fieldManager: Required value" },
    { name: "unprintable field manager", body: config(), options: { fieldManager: "a\nb" }, status: 422, message: 'fieldManager: Invalid value: "a\\nb": invalid character U+000A (at position 1)' },
    { name: "duplicate list keys", body: config({ env: [{ name: "A" }, { name: "A" }] }), options: {}, status: 422, message: 'duplicate entries for key [name="A"]' },
    { name: "list item without its key", body: config({ env: [{ value: "1" }] }), options: {}, status: 422, message: "omits all key fields" },
  ])("rejects $name with $status", ({ body, options, status, message }) => {
    const error = patchErrorOf(() => apply(null, body, options));
    expect(error.status).toBe(status);
    expect(error.message).toContain(message);
  });

  test("never mutates its inputs and shares nothing with them", () => {
    const live = apply(null, config());
    const liveCopy = structuredClone(live);
    const applied = config({ image: "nginx:2", env: [{ name: "A", value: "1" }] });
    const appliedCopy = structuredClone(applied);
    const result = apply(live, applied, { now: T2 });
    expect(live).toEqual(liveCopy);
    expect(applied).toEqual(appliedCopy);
    result.spec.template.spec.containers[0].env[0].value = "changed";
    result.metadata.labels.app = "changed";
    result.metadata.managedFields[0].manager = "changed";
    expect(applied).toEqual(appliedCopy);
    expect(live).toEqual(liveCopy);
  });
});

describe("updateManagedFields", () => {
  const object = config();

  test("create: the writer owns every field it set; maps and list items own themselves", () => {
    const created = update(null, { ...object, status: { replicas: 0 } }, "kubectl-create");
    expect(entries(created)).toEqual([
      {
        manager: "kubectl-create",
        operation: "Update",
        apiVersion: "apps/v1",
        time: "2025-01-01T00:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
              "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
              "f:spec": {
                "f:containers": {
                  ".": {},
                  'k:{"name":"nginx"}': {
                    ".": {},
                    "f:image": {},
                    "f:name": {},
                    "f:ports": { ".": {}, 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  test("an update takes changed fields from their owner and keeps its own earlier ones", () => {
    const created = update(null, object, "kubectl-create");
    const edited = update(created, { ...created, spec: { ...created.spec, replicas: 4, paused: true } }, "kubectl-edit", T2);
    expect(entryOf(edited, "kubectl-edit")!.fieldsV1).toEqual({ "f:spec": { "f:paused": {}, "f:replicas": {} } });
    expect((entryOf(edited, "kubectl-create")!.fieldsV1 as Json)["f:spec"]["f:replicas"]).toBeUndefined();
    const again = update(edited, { ...edited, metadata: { ...edited.metadata, labels: { app: "web", x: "1" } } }, "kubectl-edit", T3);
    expect(entryOf(again, "kubectl-edit")!.fieldsV1).toEqual({ "f:metadata": { "f:labels": { "f:x": {} } }, "f:spec": { "f:paused": {}, "f:replicas": {} } });
    expect(entryOf(again, "kubectl-edit")!.time).toBe("2025-01-03T00:00:00Z");
  });

  test("removed fields lose their owner", () => {
    const created = update(null, object, "kubectl-create");
    const { labels: _, ...metadata } = created.metadata;
    const removed = update(created, { ...created, metadata }, "kubectl-edit", T2);
    expect((entryOf(removed, "kubectl-create")!.fieldsV1 as Json)["f:metadata"]).toBeUndefined();
    expect(entryOf(removed, "kubectl-edit")).toBeUndefined();
  });

  test("a no-op write changes nothing", () => {
    const created = update(null, object, "kubectl-create");
    expect(update(created, created, "kubectl-edit", T2)).toEqual(created);
  });

  test("an object stored without managedFields stays untracked until applied", () => {
    const untracked = update(object, { ...object, spec: { ...object.spec, replicas: 7 } }, "kubectl-edit");
    expect(untracked.metadata.managedFields).toBeUndefined();
  });

  test("managedFields: [] in the request resets them", () => {
    const created = update(null, object, "kubectl-create");
    const reset = update(created, { ...created, metadata: { ...created.metadata, managedFields: [] } }, "kubectl-edit", T2);
    expect(reset.metadata.managedFields).toBeUndefined();
  });

  test("managedFields sent in the request replace the stored ones", () => {
    const created = update(null, object, "kubectl-create");
    const mine: ManagedFieldsEntry = { manager: "mine", operation: "Apply", apiVersion: "apps/v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } };
    const replaced = update(created, { ...created, metadata: { ...created.metadata, managedFields: [mine] } }, "kubectl-edit", T2);
    expect(entries(replaced)).toEqual([mine]);
  });

  test("/status writes own only status and are recorded with the subresource", () => {
    const created = update(null, object, "kubectl-create");
    const status = updateManagedFields(created, { ...created, status: { replicas: 2 }, spec: { ...created.spec, replicas: 9 } }, {
      fieldManager: "kube-controller-manager",
      subresource: "status",
      schema: deploymentSchema,
      now: T2,
    });
    expect(entryOf(status, "kube-controller-manager")).toEqual({
      manager: "kube-controller-manager",
      operation: "Update",
      apiVersion: "apps/v1",
      time: "2025-01-02T00:00:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:status": { "f:replicas": {} } },
      subresource: "status",
    });
  });

  test('an empty manager name is recorded as "unknown"', () => {
    expect(entries(update(null, object, "")).map((e) => e.manager)).toEqual(["unknown"]);
  });

  test("unusable stored managedFields are dropped rather than failing the write", () => {
    const broken: Json = { ...object, metadata: { ...object.metadata, managedFields: [{ manager: "x", operation: "Bogus" }] } };
    const written = update(broken, { ...broken, spec: { ...broken.spec, replicas: 3 } }, "kubectl-edit");
    expect(written.metadata.managedFields).toBeUndefined();
  });

  test("without a schema everything is a granular map", () => {
    const created = updateManagedFields(null, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } }, { fieldManager: "m", now: T1 });
    expect(entries(created)[0]!.fieldsV1).toEqual({ "f:data": { ".": {}, "f:a": {} } });
  });

  test("pods: creating owns list items by their keys", () => {
    const created = updateManagedFields(null, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", finalizers: ["a"] }, spec: { containers: [{ name: "c" }] } }, { fieldManager: "m", schema: podSchema, now: T1 });
    expect(entries(created)[0]!.fieldsV1).toEqual({
      "f:metadata": { "f:finalizers": { ".": {}, 'v:"a"': {} } },
      "f:spec": { "f:containers": { ".": {}, 'k:{"name":"c"}': { ".": {}, "f:name": {} } } },
    });
  });
});

describe("parseApplyConfiguration", () => {
  test.each([
    { name: "JSON, as kubectl sends", body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap" }), result: { apiVersion: "v1", kind: "ConfigMap" } },
    { name: "YAML", body: "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: '1'\n", result: { apiVersion: "v1", kind: "ConfigMap", data: { a: "1" } } },
    { name: "YAML 1.1 booleans, as Kubernetes reads them", body: "spec:\n  enabled: yes\n", result: { spec: { enabled: true } } },
    { name: "dates and binary stay strings", body: "a: 2001-12-14\nb: !!binary aGVsbG8=\n", result: { a: "2001-12-14", b: "aGVsbG8=" } },
  ])("$name", ({ body, result }) => {
    expect(parseApplyConfiguration(body)).toEqual(result);
  });

  test.each([
    { name: "broken YAML", body: "a: [" },
    { name: "a list", body: "- 1\n- 2\n" },
    { name: "an empty body", body: "" },
    { name: "several documents", body: "a: 1\n---\nb: 2\n" },
  ])("rejects $name with 400", ({ body }) => {
    expect(patchErrorOf(() => parseApplyConfiguration(body)).status).toBe(400);
  });
});

describe("serverSideApply properties", () => {
  const name = fc.constantFrom("a", "b", "c", "d");
  const unique = <T>(item: fc.Arbitrary<T & { name: string }>) =>
    fc.uniqueArray(item, { selector: (entry) => entry.name, minLength: 1, maxLength: 3 });
  const env = unique(fc.record({ name, value: fc.string({ maxLength: 2 }) }, { requiredKeys: ["name"] }));
  const container = fc.record(
    { name, image: fc.constantFrom("x:1", "x:2"), env, args: fc.array(fc.constantFrom("-v", "-q"), { minLength: 1, maxLength: 2 }) },
    { requiredKeys: ["name"] },
  );
  const deployment = fc
    .record(
      {
        replicas: fc.integer({ min: 0, max: 3 }),
        labels: fc.dictionary(name, fc.constantFrom("1", "2"), { minKeys: 1, maxKeys: 2 }),
        containers: unique(container),
      },
      { requiredKeys: ["containers"] },
    )
    .map(({ replicas, labels, containers }) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", ...(labels === undefined ? {} : { labels }) },
      spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec: { containers } } },
    }));

  test("a sole applier's object is exactly its latest configuration", () => {
    fc.assert(
      fc.property(deployment, deployment, (first, second) => {
        const result = apply(apply(null, first), second, { now: T2 });
        expect(withoutManaged(result)).toEqual(second);
      }),
      { numRuns: 200 },
    );
  });

  test("re-applying a configuration changes nothing", () => {
    fc.assert(
      fc.property(deployment, (config) => {
        const once = apply(null, config);
        expect(apply(once, config, { now: T2 })).toEqual(once);
      }),
      { numRuns: 100 },
    );
  });

  test("fields another manager set survive any re-apply that does not name them", () => {
    fc.assert(
      fc.property(deployment, deployment, (first, second) => {
        const applied = apply(null, first);
        const annotated = update(applied, { ...applied, metadata: { ...applied.metadata, annotations: { note: "kept" } } }, "kubectl-annotate");
        expect(apply(annotated, second, { now: T2 }).metadata.annotations).toEqual({ note: "kept" });
      }),
      { numRuns: 100 },
    );
  });
});
