// metadata.uid in a write's body, as Kubernetes treats it: a precondition in a
// PUT (storage checks it first: 409), an immutable field in a patch (422),
// and a conflict when an apply would create.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Json, startTestApi, type TestApi } from "./test-api.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
}, 60_000);
afterAll(() => api.close());

const OTHER_UID = "00000000-0000-0000-0000-000000000000";

async function configMap(): Promise<{ path: string; object: Json }> {
  const ns = await api.namespace();
  const created = await api.call("POST", `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: "cm" }, data: { a: "1" } });
  expect(created.status).toBe(201);
  return { path: `/api/v1/namespaces/${ns}/configmaps/cm`, object: created.json };
}

async function expectUnchanged(path: string, before: Json): Promise<void> {
  const now = (await api.call("GET", path)).json;
  expect(now.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  expect(now.data).toEqual(before.data);
}

describe("PUT", () => {
  test("another uid: 409 Precondition failed, nothing changed", async () => {
    const { path, object } = await configMap();
    const r = await api.call("PUT", path, { ...object, metadata: { ...object.metadata, uid: OTHER_UID }, data: { a: "2" } });
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({
      kind: "Status",
      reason: "Conflict",
      code: 409,
      message: `Operation cannot be fulfilled on configmaps "cm": Precondition failed: UID in precondition: ${OTHER_UID}, UID in object meta: ${object.metadata.uid}`,
      details: { name: "cm", kind: "configmaps" },
    });
    await expectUnchanged(path, object);
  });

  test("the uid is checked before the resourceVersion", async () => {
    const { path, object } = await configMap();
    const r = await api.call("PUT", path, { ...object, metadata: { ...object.metadata, uid: OTHER_UID, resourceVersion: "1" } });
    expect(r.json.message).toContain("Precondition failed: UID in precondition");
  });

  test("the object's own uid is accepted", async () => {
    const { path, object } = await configMap();
    const r = await api.call("PUT", path, { ...object, data: { a: "2" } });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ a: "2" });
  });
});

describe("PATCH", () => {
  test.each([
    ["merge", "application/merge-patch+json", { metadata: { uid: OTHER_UID }, data: { a: "2" } }],
    ["strategic merge", "application/strategic-merge-patch+json", { metadata: { uid: OTHER_UID }, data: { a: "2" } }],
    [
      "JSON",
      "application/json-patch+json",
      [
        { op: "replace", path: "/metadata/uid", value: OTHER_UID },
        { op: "replace", path: "/data/a", value: "2" },
      ],
    ],
  ])("%s patch changing the uid: 422 field is immutable, nothing changed", async (_name, contentType, body) => {
    const { path, object } = await configMap();
    const r = await api.call("PATCH", path, body, { "content-type": contentType });
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({
      reason: "Invalid",
      message: `ConfigMap "cm" is invalid: metadata.uid: Invalid value: "${OTHER_UID}": field is immutable`,
      details: { name: "cm", kind: "ConfigMap", causes: [{ reason: "FieldValueInvalid", field: "metadata.uid" }] },
    });
    await expectUnchanged(path, object);
  });

  test("a patch naming the object's own uid applies", async () => {
    const { path, object } = await configMap();
    const r = await api.call("PATCH", path, { metadata: { uid: object.metadata.uid }, data: { a: "2" } }, { "content-type": "application/merge-patch+json" });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ a: "2" });
  });

  test("apply with another uid: 422; apply that would create with a uid: 409", async () => {
    const { path, object } = await configMap();
    const apply = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, uid: OTHER_UID }, data: { a: "1" } });
    const headers = { "content-type": "application/apply-patch+yaml" };
    const changed = await api.call("PATCH", `${path}?fieldManager=t`, apply("cm"), headers);
    expect(changed.status).toBe(422);
    expect(changed.json.message).toContain("metadata.uid: Invalid value");
    await expectUnchanged(path, object);

    const missing = path.replace(/cm$/, "new");
    const created = await api.call("PATCH", `${missing}?fieldManager=t`, apply("new"), headers);
    expect(created.status).toBe(409);
    expect(created.json.message).toBe(
      `Operation cannot be fulfilled on configmaps "new": uid mismatch: the provided object specified uid ${OTHER_UID}, and no existing object was found`,
    );
    expect((await api.call("GET", missing)).status).toBe(404);
  });
});

describe("scale", () => {
  async function deployment(): Promise<{ path: string; object: Json }> {
    const ns = await api.namespace();
    const labels = { app: "web" };
    const created = await api.call("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, {
      metadata: { name: "web" },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
    });
    expect(created.status).toBe(201);
    return { path: `/apis/apps/v1/namespaces/${ns}/deployments/web`, object: created.json };
  }

  test("PUT of a Scale with another uid: 409 from the precondition", async () => {
    const { path, object } = await deployment();
    const r = await api.call("PUT", `${path}/scale`, { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web", uid: OTHER_UID }, spec: { replicas: 3 } });
    expect(r.status).toBe(409);
    expect(r.json.message).toBe(
      `Operation cannot be fulfilled on deployments.apps "web": Precondition failed: UID in precondition: ${OTHER_UID}, UID in object meta: ${object.metadata.uid}`,
    );
    expect((await api.call("GET", path)).json.spec.replicas).toBe(1);
  });

  test("PATCH of the Scale with another uid: 409 on deployments/scale", async () => {
    const { path, object } = await deployment();
    const r = await api.call("PATCH", `${path}/scale`, { metadata: { uid: OTHER_UID }, spec: { replicas: 3 } }, { "content-type": "application/merge-patch+json" });
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({
      reason: "Conflict",
      message: `Operation cannot be fulfilled on deployments/scale.apps "web": Precondition failed: UID in precondition: ${OTHER_UID}, UID in object meta: ${object.metadata.uid}`,
      details: { name: "web", group: "apps", kind: "deployments/scale" },
    });
    expect((await api.call("GET", path)).json.spec.replicas).toBe(1);
  });
});
