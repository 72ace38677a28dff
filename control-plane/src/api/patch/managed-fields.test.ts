import { describe, expect, test } from "bun:test";
import { FieldSet, pathString } from "./field-set.ts";
import {
  ANCIENT_CHANGES_MANAGER,
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  fieldManagerFromUserAgent,
  fieldManagerProblems,
  filterTracked,
  formatTime,
  managerId,
  MAX_UPDATE_MANAGERS,
  validateFieldManager,
  validateManagedFields,
  withoutUnownedFields,
  type Manager,
  type Managers,
} from "./managed-fields.ts";

describe("fieldManagerFromUserAgent", () => {
  test.each([
    { agent: "kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9", manager: "kubectl" },
    { agent: "kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/70d3cc9/deployment-controller", manager: "kube-controller-manager" },
    { agent: "Mozilla/5.0 (X11)", manager: "Mozilla" },
    { agent: "no-slash-agent", manager: "no-slash-agent" },
    { agent: "bell\u0007and\ttab/1.0", manager: "bellandtab" },
    { agent: "", manager: "" },
    { agent: undefined, manager: "" },
    { agent: `${"x".repeat(200)}/1`, manager: "x".repeat(128) },
    { agent: `${"é".repeat(100)}/1`, manager: "é".repeat(64) },
  ])("%# $manager", ({ agent, manager }) => {
    expect(fieldManagerFromUserAgent(agent)).toBe(manager);
  });
});

describe("validateFieldManager", () => {
  test.each([
    { name: "kubectl's name", manager: "kubectl-client-side-apply", ok: true },
    { name: "spaces", manager: "my controller", ok: true },
    { name: "128 bytes", manager: "x".repeat(128), ok: true },
    { name: "129 bytes", manager: "x".repeat(129), ok: false },
    { name: "a newline", manager: "line\nbreak", ok: false },
  ])("$name", ({ manager, ok }) => {
    expect(validateFieldManager(manager) === undefined).toBe(ok);
  });

  test("reports what Kubernetes reports: the length in bytes, each unprintable character at its byte offset", () => {
    expect(fieldManagerProblems(`${"é".repeat(64)}\u0007`)).toEqual([
      { type: "TooLong", maxBytes: 128 },
      { type: "Invalid", detail: "invalid character U+0007 (at position 128)" },
    ]);
    expect(fieldManagerProblems("a\tb\u200bc")).toEqual([
      { type: "Invalid", detail: "invalid character U+0009 (at position 1)" },
      { type: "Invalid", detail: "invalid character U+200B (at position 3)" },
    ]);
    expect(validateFieldManager("x".repeat(129))).toBe("fieldManager: Too long: may not be more than 128 bytes");
    expect(validateFieldManager("a\nb")).toBe('fieldManager: Invalid value: "a\\nb": invalid character U+000A (at position 1)');
  });
});

const entry = (overrides: Record<string, unknown> = {}) => ({
  manager: "kubectl",
  operation: "Apply",
  apiVersion: "apps/v1",
  time: "2025-01-01T00:00:00Z",
  fieldsType: "FieldsV1",
  fieldsV1: { "f:spec": { "f:replicas": {} } },
  ...overrides,
});

describe("decodeManagedFields", () => {
  test("decodes entries by identity", () => {
    const managers = decodeManagedFields([entry(), entry({ manager: "kubectl-edit", operation: "Update", subresource: "status" })])!;
    expect([...managers.keys()]).toEqual([
      '{"manager":"kubectl","operation":"Apply"}',
      '{"manager":"kubectl-edit","operation":"Update","apiVersion":"apps/v1","subresource":"status"}',
    ]);
    expect(managers.get('{"manager":"kubectl","operation":"Apply"}')!.fields.paths().map(pathString)).toEqual([".spec.replicas"]);
  });

  test.each([
    { name: "not a list", entries: {} as unknown },
    { name: "bad operation", entries: [entry({ operation: "Patch" })] },
    { name: "no apiVersion", entries: [entry({ apiVersion: "" })] },
    { name: "no fieldsType", entries: [entry({ fieldsType: undefined })] },
    { name: "other fieldsType", entries: [entry({ fieldsType: "FieldsV2" })] },
    { name: "malformed fieldsV1", entries: [entry({ fieldsV1: { "f:spec": 1 } })] },
  ])("unusable: $name", ({ entries }) => {
    expect(decodeManagedFields(entries)).toBeUndefined();
    expect(validateManagedFields(entries)).toBeString();
  });

  test("validateManagedFields accepts valid and absent lists", () => {
    expect(validateManagedFields([entry()])).toBeUndefined();
    expect(validateManagedFields(undefined)).toBeUndefined();
  });
});

function manager(name: string, operation: "Apply" | "Update", time: string | undefined, paths: string[] = ["replicas"]): Manager {
  const fields = new FieldSet();
  for (const path of paths) fields.insert(["f:spec", `f:${path}`]);
  return { manager: name, operation, apiVersion: "apps/v1", subresource: "", time, fields };
}

function managersOf(...list: Manager[]): Managers {
  return new Map(list.map((m) => [managerId(m), m]));
}

describe("encodeManagedFields", () => {
  test("appliers first, then by time, then by name; empty managers dropped", () => {
    const encoded = encodeManagedFields(
      managersOf(
        manager("z-update", "Update", "2025-01-01T00:00:00Z"),
        manager("b-apply", "Apply", "2025-01-02T00:00:00Z"),
        manager("a-update", "Update", "2025-01-03T00:00:00Z"),
        manager("a-apply", "Apply", "2025-01-02T00:00:00Z"),
        manager("empty", "Update", "2025-01-01T00:00:00Z", []),
      ),
    );
    expect(encoded.map((e) => e.manager)).toEqual(["a-apply", "b-apply", "z-update", "a-update"]);
    expect(Object.keys(encoded[0]!)).toEqual(["manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1"]);
  });

  test("round-trips through decode", () => {
    const entries = [entry(), entry({ manager: "kubectl-edit", operation: "Update", subresource: "status", time: "2025-01-02T00:00:00Z" })];
    expect(encodeManagedFields(decodeManagedFields(entries)!)).toEqual(entries as never);
  });
});

describe("capUpdateManagers", () => {
  test("folds the oldest updaters into ancient-changes", () => {
    const updaters = Array.from({ length: MAX_UPDATE_MANAGERS + 2 }, (_, i) =>
      manager(`m${String(i).padStart(2, "0")}`, "Update", `2025-01-${String(i + 1).padStart(2, "0")}T00:00:00Z`, [`f${i}`]),
    );
    const capped = capUpdateManagers(managersOf(manager("applier", "Apply", undefined), ...updaters));
    const names = [...capped.values()].map((m) => m.manager).sort();
    expect(names.filter((n) => n !== "applier")).toHaveLength(MAX_UPDATE_MANAGERS);
    expect(names).toContain(ANCIENT_CHANGES_MANAGER);
    expect(names).not.toContain("m00");
    expect(names).not.toContain("m01");
    expect(names).not.toContain("m02");
    const ancient = [...capped.values()].find((m) => m.manager === ANCIENT_CHANGES_MANAGER)!;
    expect(ancient.fields.paths().map(pathString)).toEqual([".spec.f0", ".spec.f1", ".spec.f2"]);
    expect(ancient.time).toBe("2025-01-03T00:00:00Z");
  });

  test("leaves ten or fewer alone", () => {
    const managers = managersOf(...Array.from({ length: MAX_UPDATE_MANAGERS }, (_, i) => manager(`m${i}`, "Update", undefined)));
    expect(capUpdateManagers(managers)).toBe(managers);
  });
});

describe("field filters", () => {
  const fields = FieldSet.fromFieldsV1({
    "f:apiVersion": {},
    "f:kind": {},
    "f:metadata": { "f:name": {}, "f:namespace": {}, "f:resourceVersion": {}, "f:labels": { "f:app": {} } },
    "f:spec": { "f:replicas": {} },
    "f:status": { "f:replicas": {} },
  });

  test("identity and bookkeeping fields are never owned", () => {
    expect(withoutUnownedFields(fields).paths().map(pathString)).toEqual([".metadata.labels.app", ".spec.replicas", ".status.replicas"]);
  });

  test.each([
    { tracked: "all" as const, paths: [".apiVersion", ".kind", ".metadata.labels.app", ".metadata.name", ".metadata.namespace", ".metadata.resourceVersion", ".spec.replicas", ".status.replicas"] },
    { tracked: "exclude-status" as const, paths: [".apiVersion", ".kind", ".metadata.labels.app", ".metadata.name", ".metadata.namespace", ".metadata.resourceVersion", ".spec.replicas"] },
    { tracked: "only-status" as const, paths: [".status.replicas"] },
  ])("tracked $tracked", ({ tracked, paths }) => {
    expect(filterTracked(fields, tracked).paths().map(pathString)).toEqual([...paths]);
  });
});

test("formatTime writes whole seconds in UTC", () => {
  expect(formatTime(new Date("2025-03-04T05:06:07.891Z"))).toBe("2025-03-04T05:06:07Z");
});
