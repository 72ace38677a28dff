// metadata.generation on the wire, as Kubernetes 1.32 serves it: Deployments,
// ReplicaSets, DaemonSets and EndpointSlices count changes to what they ask
// for; other kinds (Pods until 1.33, Services, ConfigMaps, ...) have none.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Json, startTestApi, type TestApi } from "./test-api.ts";

let api: TestApi;
let ns: string;
beforeAll(async () => {
  api = await startTestApi();
  ns = await api.namespace();
}, 60_000);
afterAll(() => api.close());

const MERGE = { "content-type": "application/merge-patch+json" };
const labels = { app: "web" };

test("a Deployment starts at 1 and counts spec changes, scale included, not metadata or status", async () => {
  const path = `/apis/apps/v1/namespaces/${ns}/deployments/web`;
  const created = await api.call("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, {
    metadata: { name: "web", generation: 9 },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  });
  expect(created.json.metadata.generation).toBe(1);
  const generation = async () => (await api.call("GET", path)).json.metadata.generation;
  await api.call("PATCH", path, { metadata: { labels: { tier: "front" } } }, MERGE);
  expect(await generation()).toBe(1);
  await api.call("PATCH", path, { spec: { replicas: 2 } }, MERGE);
  expect(await generation()).toBe(2);
  await api.call("PATCH", `${path}/scale`, { spec: { replicas: 3 } }, MERGE);
  expect(await generation()).toBe(3);
  await api.call("PATCH", `${path}/status`, { status: { replicas: 3 } }, MERGE);
  expect(await generation()).toBe(3);
});

test.each<[string, string, Json]>([
  ["ConfigMap", `/api/v1/namespaces/{ns}/configmaps`, { metadata: { name: "cm" }, data: { a: "1" } }],
  ["Pod", `/api/v1/namespaces/{ns}/pods`, { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }] } }],
  ["Service", `/api/v1/namespaces/{ns}/services`, { metadata: { name: "s" }, spec: { ports: [{ port: 80 }] } }],
  ["Lease", `/apis/coordination.k8s.io/v1/namespaces/{ns}/leases`, { metadata: { name: "l" }, spec: { holderIdentity: "a" } }],
])("a %s has no generation, on create or update", async (_kind, collection, body) => {
  const path = collection.replace("{ns}", ns);
  const created = await api.call("POST", path, body);
  expect(created.status).toBe(201);
  expect(created.json.metadata.generation).toBeUndefined();
  const updated = await api.call("PATCH", `${path}/${body.metadata.name}`, { metadata: { labels: { a: "b" }, generation: 5 } }, MERGE);
  expect(updated.status).toBe(200);
  expect(updated.json.metadata.generation).toBeUndefined();
});
