// Request bodies through app.request(): Kubernetes protobuf wherever JSON is
// accepted (create, update, binding, eviction, scale, DeleteOptions), and a
// 400 Status, never a 500, for protobuf Ledge cannot read.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { resourcesFor } from "../../../schemas/registry.ts";
import { openStore } from "../storage/open.ts";
import type { SqlStore } from "../storage/sql/sql-store.ts";
import { createApp } from "./app.ts";
import { bootstrap } from "./bootstrap.ts";
import { MAX_BODY_DEPTH } from "./request-body.ts";
import { KUBECTL_BODIES } from "./protobuf/testdata/kubectl-bodies.ts";
import { bytes, kubernetesBody, msg, type Part, str, stringMap, varint } from "./protobuf/testdata/wire.ts";

type Json = Record<string, any>;

let store: SqlStore;
let app: ReturnType<typeof createApp>;
const internalErrors: unknown[] = [];

beforeAll(async () => {
  store = await openStore();
  app = createApp({ store, onInternalError: (e) => internalErrors.push(e) });
  await bootstrap(app);
});
afterAll(() => store.close());

/** The headers kubectl's typed clients send. */
const PROTOBUF = { "content-type": "application/vnd.kubernetes.protobuf", accept: "application/vnd.kubernetes.protobuf,application/json" };

async function call(method: string, path: string, body?: Uint8Array | Json, headers: Record<string, string> = PROTOBUF) {
  const response = await app.request(path, {
    method,
    headers: body instanceof Uint8Array ? headers : { "content-type": "application/json" },
    body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get("content-type"), json: JSON.parse(text) as Json };
}

let counter = 0;
async function namespace(name = `pb-${++counter}`): Promise<string> {
  expect((await call("POST", "/api/v1/namespaces", kubernetesBody("v1", "Namespace", msg(1, str(1, name))))).status).toBe(201);
  return name;
}

const configMap = (name: string, data: Record<string, string>, ...meta: Part[]) =>
  kubernetesBody("v1", "ConfigMap", msg(1, str(1, name), ...meta), ...stringMap(2, data));

async function pod(ns: string, name: string): Promise<Json> {
  const created = await call("POST", `/api/v1/namespaces/${ns}/pods`, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "app", image: "busybox" }] },
  });
  expect(created.status).toBe(201);
  return created.json;
}

describe("protobuf request bodies", () => {
  test("create: a protobuf ConfigMap is stored as its JSON form would be, and the answer is JSON", async () => {
    const ns = await namespace();
    const created = await call("POST", `/api/v1/namespaces/${ns}/configmaps?fieldManager=kubectl-create&fieldValidation=Strict`, configMap("cm", { a: "b" }));
    expect(created.status).toBe(201);
    expect(created.contentType).toBe("application/json");
    expect(created.json).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: ns }, data: { a: "b" } });
    expect(created.json.metadata.managedFields[0]).toMatchObject({ manager: "kubectl-create", operation: "Update" });
  });

  test.each(KUBECTL_BODIES.map((b) => [b.command, b] as const))("%s: kubectl's own body is accepted under Strict", async (_command, body) => {
    const { apiVersion, kind, metadata } = body.json as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
    const resource = resourcesFor(apiVersion).find((r) => r.kind === kind)!;
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const path = resource.namespaced ? `${base}/namespaces/${metadata.namespace}/${resource.plural}` : `${base}/${resource.plural}`;
    const created = await call("POST", `${path}?fieldManager=kubectl-create&fieldValidation=Strict`, new Uint8Array(Buffer.from(body.protobuf, "base64")));
    expect(created.json.message).toBeUndefined();
    expect(created.status).toBe(201);
    const stored = await call("GET", `${path}/${metadata.name}`);
    expect(stored.json.metadata.name).toBe(metadata.name);
  });

  test("update: a protobuf PUT replaces the object, with its resourceVersion as a precondition", async () => {
    const ns = await namespace();
    const created = await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("cm", { a: "1" }));
    const rv = created.json.metadata.resourceVersion as string;
    const path = `/api/v1/namespaces/${ns}/configmaps/cm`;
    const updated = await call("PUT", path, configMap("cm", { a: "2" }, str(6, rv)));
    expect(updated.status).toBe(200);
    expect(updated.json.data).toEqual({ a: "2" });
    const stale = await call("PUT", path, configMap("cm", { a: "3" }, str(6, rv)));
    expect(stale.status).toBe(409);
  });

  test("binding: a protobuf Binding assigns the pod to the node", async () => {
    const ns = await namespace();
    await pod(ns, "p");
    const bound = await call(
      "POST",
      `/api/v1/namespaces/${ns}/pods/p/binding`,
      kubernetesBody("v1", "Binding", msg(1, str(1, "p"), str(3, ns)), msg(2, str(1, "Node"), str(3, "node-1"))),
    );
    expect(bound.status).toBe(201);
    expect((await call("GET", `/api/v1/namespaces/${ns}/pods/p`)).json.spec.nodeName).toBe("node-1");
  });

  test("eviction: a protobuf Eviction deletes the pod, honouring its DeleteOptions", async () => {
    const ns = await namespace();
    await pod(ns, "p");
    const path = `/api/v1/namespaces/${ns}/pods/p/eviction`;
    const wrongUid = kubernetesBody("policy/v1", "Eviction", msg(1, str(1, "p"), str(3, ns)), msg(2, varint(1, 0), msg(2, str(1, "not-the-uid"))));
    expect((await call("POST", path, wrongUid)).status).toBe(409);
    const evicted = await call("POST", path, kubernetesBody("policy/v1", "Eviction", msg(1, str(1, "p"), str(3, ns)), msg(2, varint(1, 0))));
    expect(evicted.status).toBe(201);
    expect((await call("GET", `/api/v1/namespaces/${ns}/pods/p`)).status).toBe(404);
  });

  test("delete: a protobuf DeleteOptions body is read", async () => {
    const ns = await namespace();
    const created = await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("cm", { a: "1" }));
    const path = `/api/v1/namespaces/${ns}/configmaps/cm`;
    const options = (uid: string) => kubernetesBody("v1", "DeleteOptions", msg(2, str(1, uid)), str(4, "Background"));
    expect((await call("DELETE", path, options("not-the-uid"))).status).toBe(409);
    expect((await call("DELETE", path, options(created.json.metadata.uid))).status).toBe(200);
    expect((await call("GET", path)).status).toBe(404);
  });

  test("scale: a protobuf Scale sets the replicas", async () => {
    const ns = await namespace();
    const deployment = KUBECTL_BODIES.find((b) => b.command.includes("create deployment web"))!;
    const body = structuredClone(deployment.json) as Json;
    body.metadata.namespace = ns;
    expect((await call("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, body)).status).toBe(201);
    const scaled = await call("PUT", `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`, kubernetesBody("autoscaling/v1", "Scale", msg(1, str(1, "web")), msg(2, varint(1, 7))));
    expect(scaled.status).toBe(200);
    expect(scaled.json.spec.replicas).toBe(7);
  });

  test("a protobuf body of another kind is refused as JSON's would be", async () => {
    const ns = await namespace();
    const secret = kubernetesBody("v1", "Secret", msg(1, str(1, "s")));
    const r = await call("POST", `/api/v1/namespaces/${ns}/configmaps`, secret);
    expect(r.status).toBe(400);
    expect(r.json.message).toContain("the kind in the data (Secret) does not match the expected kind (ConfigMap)");
  });

  test("patches cannot be protobuf", async () => {
    const ns = await namespace();
    await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("cm", { a: "1" }));
    const r = await call("PATCH", `/api/v1/namespaces/${ns}/configmaps/cm`, configMap("cm", { a: "2" }));
    expect(r.status).toBe(415);
  });

  test.each([
    ["JSON sent as protobuf", new TextEncoder().encode('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}'), "Kubernetes prefix"],
    ["an empty body", new Uint8Array(), "Kubernetes prefix"],
    ["a kind Ledge does not serve", kubernetesBody("batch/v1", "Job", msg(1, str(1, "j"))), 'no kind "Job" is registered for version "batch/v1"'],
    ["a truncated object", configMap("cm", { a: "b" }).slice(0, -3), "could not be decoded"],
    ["a number where a map belongs", kubernetesBody("v1", "ConfigMap", varint(2, 1)), "data: wrong wire type varint"],
    [
      "managed fields nested past the depth limit",
      // The ConfigMap, metadata, managedFields and its entry are four levels; fieldsV1 makes it MAX_BODY_DEPTH + 1.
      kubernetesBody("v1", "ConfigMap", msg(1, str(1, "cm"), msg(17, msg(7, bytes(1, new TextEncoder().encode(`${'{"f:a":'.repeat(MAX_BODY_DEPTH - 4)}{}${"}".repeat(MAX_BODY_DEPTH - 4)}`)))))),
      "maximum nesting depth",
    ],
  ])("%s: 400 Bad Request", async (_name, body, message) => {
    const ns = await namespace();
    const r = await call("POST", `/api/v1/namespaces/${ns}/configmaps`, body);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: "Status", status: "Failure", reason: "BadRequest", code: 400 });
    expect(r.json.message).toContain(message);
  });

  test("whatever protobuf arrives, no write answers 500", async () => {
    const ns = await namespace();
    const seed = configMap("cm", { a: "b" });
    const paths = [`/api/v1/namespaces/${ns}/configmaps`, `/api/v1/namespaces/${ns}/pods/p/eviction`, `/api/v1/namespaces/${ns}/configmaps/cm`];
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom(...paths), async (cut, at, value, path) => {
        const body = seed.slice(0, 4 + (cut % (seed.length - 3)));
        body[at % body.length] = value;
        const r = await call(path.endsWith("/cm") ? "PUT" : "POST", path, body);
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    expect(internalErrors).toEqual([]);
  });
});
