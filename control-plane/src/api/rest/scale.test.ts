// The scale subresource records who set the replicas, as Kubernetes' ScaleHandler
// does, so a later server-side apply sees that owner.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Json, startTestApi, type TestApi } from "./test-api.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
}, 60_000);
afterAll(() => api.close());

const KUBECTL_USER_AGENT = "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07";
const APPLY = { "content-type": "application/apply-patch+yaml" };

const configuration = (replicas?: number) => {
  const labels = { app: "web" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "nginx" }] } },
    },
  };
};

/** A deployment applied by "deployer" with 2 replicas. */
async function applied(): Promise<string> {
  const ns = await api.namespace();
  const path = `/apis/apps/v1/namespaces/${ns}/deployments/web`;
  expect((await api.call("PATCH", `${path}?fieldManager=deployer`, configuration(2), APPLY)).status).toBe(201);
  return path;
}

const entries = async (path: string): Promise<Json[]> => (await api.call("GET", path)).json.metadata.managedFields;

test.each([
  ["PATCH (kubectl scale)", "PATCH", { spec: { replicas: 5 } }, { "content-type": "application/merge-patch+json" }],
  ["PUT (kubectl scale --current-replicas)", "PUT", { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web" }, spec: { replicas: 5 } }, {}],
])("%s: the writer owns spec.replicas, the applier no longer does", async (_name, method, body, headers) => {
  const path = await applied();
  const r = await api.call(method, `${path}/scale`, body, { ...headers, "user-agent": KUBECTL_USER_AGENT });
  expect(r.status).toBe(200);
  const managed = await entries(path);
  expect(managed.find((e) => e.manager === "kubectl")).toEqual({
    manager: "kubectl",
    operation: "Update",
    apiVersion: "apps/v1",
    fieldsType: "FieldsV1",
    fieldsV1: { "f:spec": { "f:replicas": {} } },
    subresource: "scale",
  });
  const deployer = managed.find((e) => e.manager === "deployer")!;
  expect(deployer.fieldsV1["f:spec"]["f:replicas"]).toBeUndefined();
  expect(deployer.fieldsV1["f:spec"]["f:selector"]).toBeDefined();
});

test("a later server-side apply conflicts with the scaler, and may leave replicas out", async () => {
  const path = await applied();
  await api.call("PATCH", `${path}/scale?fieldManager=hpa`, { spec: { replicas: 5 } }, { "content-type": "application/merge-patch+json" });

  const conflict = await api.call("PATCH", `${path}?fieldManager=deployer`, configuration(2), APPLY);
  expect(conflict.status).toBe(409);
  expect(conflict.json.details.causes).toEqual([
    { reason: "FieldManagerConflict", message: 'conflict with "hpa" with subresource "scale" using apps/v1', field: ".spec.replicas" },
  ]);

  // Without replicas in its configuration the applier no longer touches them.
  const released = await api.call("PATCH", `${path}?fieldManager=deployer`, configuration(), APPLY);
  expect(released.status).toBe(200);
  expect(released.json.spec.replicas).toBe(5);
});

test("a scale to the same replicas changes no ownership", async () => {
  const path = await applied();
  const before = await entries(path);
  const r = await api.call("PATCH", `${path}/scale?fieldManager=hpa`, { spec: { replicas: 2 } }, { "content-type": "application/merge-patch+json" });
  expect(r.status).toBe(200);
  expect(await entries(path)).toEqual(before);
});
