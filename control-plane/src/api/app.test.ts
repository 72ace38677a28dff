// The API through app.request(): the wire behaviour clients see, on an in-memory PGlite store.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openStore } from "../storage/open.ts";
import type { SqlStore } from "../storage/sql/sql-store.ts";
import { createApp } from "./app.ts";
import { bootstrap } from "./bootstrap.ts";

let store: SqlStore;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  // A tiny in-memory window, so watches here also exercise reading the log.
  store = await openStore({ capacity: 2 });
  app = createApp({ store, maxBodyBytes: 64 * 1024, onInternalError: (e) => console.error(e) });
  await bootstrap(app);
});
afterAll(() => store.close());

type Json = Record<string, any>;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { "content-type": "application/json", ...headers } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const response = await app.request(path, init);
  const text = await response.text();
  let json: Json = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = { text };
  }
  return { status: response.status, json, headers: response.headers, text };
}

let counter = 0;
async function namespace(): Promise<string> {
  const name = `t-${++counter}`;
  const r = await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  expect(r.status).toBe(201);
  return name;
}

const configMap = (name: string, data: Record<string, string> = { a: "1" }) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels: { app: "web" } },
  data,
});

const deployment = (name: string, replicas = 2) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] },
    },
  },
});

const expectStatus = (r: { status: number; json: Json }, code: number, reason: string) => {
  expect(r.status).toBe(code);
  expect(r.json.kind).toBe("Status");
  expect(r.json.status).toBe("Failure");
  expect(r.json.code).toBe(code);
  expect(r.json.reason).toBe(reason);
};

describe("discovery and system endpoints", () => {
  test("/version claims the Kubernetes minor Ledge speaks", async () => {
    const r = await call("GET", "/version");
    expect(r.json).toMatchObject({ major: "1", minor: "32" });
  });

  test("/healthz, /livez and /readyz answer ok", async () => {
    for (const path of ["/healthz", "/livez", "/readyz"]) expect((await call("GET", path)).text).toBe("ok");
  });

  test("/api, /apis and group versions list the served resources", async () => {
    expect((await call("GET", "/api")).json.versions).toEqual(["v1"]);
    const groups = (await call("GET", "/apis")).json.groups.map((g: Json) => g.name);
    expect(groups).toEqual(expect.arrayContaining(["apps", "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io"]));
    const core = (await call("GET", "/api/v1")).json;
    const pods = core.resources.find((r: Json) => r.name === "pods");
    expect(pods).toMatchObject({ kind: "Pod", namespaced: true, shortNames: ["po"] });
    expect(core.resources.map((r: Json) => r.name)).toEqual(expect.arrayContaining(["pods/status", "pods/binding", "pods/log"]));
    const apps = (await call("GET", "/apis/apps/v1")).json;
    expect(apps.resources.find((r: Json) => r.name === "deployments/scale")).toMatchObject({ group: "autoscaling", kind: "Scale" });
  });

  test("aggregated discovery answers the apidiscovery v2 media type", async () => {
    const accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    const r = await app.request("/apis", { headers: { accept } });
    expect(r.headers.get("content-type")).toContain("as=APIGroupDiscoveryList");
    const body = (await r.json()) as Json;
    expect(body.kind).toBe("APIGroupDiscoveryList");
    const apps = body.items.find((g: Json) => g.metadata.name === "apps");
    const deployments = apps.versions[0].resources.find((r: Json) => r.resource === "deployments");
    expect(deployments.scope).toBe("Namespaced");
    expect(deployments.subresources.map((s: Json) => s.subresource).sort()).toEqual(["scale", "status"]);
  });

  test("the system namespaces exist with their name label", async () => {
    const r = await call("GET", "/api/v1/namespaces/kube-system");
    expect(r.json.metadata.labels["kubernetes.io/metadata.name"]).toBe("kube-system");
    expect(r.json.status.phase).toBe("Active");
  });

  test("/openapi/v3 indexes one document per group version", async () => {
    const index = (await call("GET", "/openapi/v3")).json;
    expect(Object.keys(index.paths)).toEqual(expect.arrayContaining(["api/v1", "apis/apps/v1"]));
    const doc = (await call("GET", `/${index.paths["apis/apps/v1"].serverRelativeURL.replace(/^\//, "")}`)).json;
    expect(doc.components.schemas["io.k8s.api.apps.v1.Deployment"]).toBeDefined();
  });
});

describe("create, get, list", () => {
  test("create returns 201 with server-set metadata; get returns the same object", async () => {
    const ns = await namespace();
    const created = await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("one"));
    expect(created.status).toBe(201);
    expect(created.json.metadata).toMatchObject({ name: "one", namespace: ns });
    // ConfigMaps have no generation in Kubernetes (their strategy sets none).
    expect(created.json.metadata.generation).toBeUndefined();
    expect(created.json.metadata.uid).toBeString();
    const got = await call("GET", `/api/v1/namespaces/${ns}/configmaps/one`);
    expect(got.json).toEqual(created.json);
    expect(Object.keys(got.json).slice(0, 3)).toEqual(["apiVersion", "kind", "metadata"]);
  });

  test("YAML bodies are accepted", async () => {
    const ns = await namespace();
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n`;
    const r = await call("POST", `/api/v1/namespaces/${ns}/configmaps`, yaml, { "content-type": "application/yaml" });
    expect(r.status).toBe(201);
    expect(r.json.data).toEqual({ k: "v" });
  });

  test("defaults are applied as Kubernetes applies them", async () => {
    const ns = await namespace();
    const r = await call("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("web"));
    expect(r.status).toBe(201);
    expect(r.json.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
    expect(r.json.spec.revisionHistoryLimit).toBe(10);
    const container = r.json.spec.template.spec.containers[0];
    expect(container.imagePullPolicy).toBe("IfNotPresent");
    expect(container.ports[0].protocol).toBe("TCP");
    expect(r.json.spec.template.spec.restartPolicy).toBe("Always");
  });

  test("list by label and field selector, in pages", async () => {
    const ns = await namespace();
    for (const name of ["a", "b", "c", "d"]) await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap(name));
    await call("POST", `/api/v1/namespaces/${ns}/configmaps`, { ...configMap("other"), metadata: { name: "other", labels: { app: "db" } } });
    const web = await call("GET", `/api/v1/namespaces/${ns}/configmaps?labelSelector=app%3Dweb`);
    expect(web.json.kind).toBe("ConfigMapList");
    expect(web.json.items.map((i: Json) => i.metadata.name)).toEqual(["a", "b", "c", "d"]);
    const byName = await call("GET", `/api/v1/namespaces/${ns}/configmaps?fieldSelector=metadata.name%3Dc`);
    expect(byName.json.items.map((i: Json) => i.metadata.name)).toEqual(["c"]);
    const page1 = await call("GET", `/api/v1/namespaces/${ns}/configmaps?limit=2`);
    expect(page1.json.items.length).toBe(2);
    const page2 = await call("GET", `/api/v1/namespaces/${ns}/configmaps?limit=2&continue=${page1.json.metadata.continue}`);
    expect(page2.json.items.map((i: Json) => i.metadata.name)).toEqual(["c", "d"]);
    const all = await call("GET", `/api/v1/configmaps?labelSelector=app%20in%20(db)`);
    expect(all.json.items.some((i: Json) => i.metadata.namespace === ns && i.metadata.name === "other")).toBe(true);
  });

  test("kubectl's Table representation", async () => {
    const ns = await namespace();
    await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("t", { a: "1", b: "2" }));
    const r = await call("GET", `/api/v1/namespaces/${ns}/configmaps`, undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    expect(r.json.kind).toBe("Table");
    expect(r.json.columnDefinitions.map((c: Json) => c.name)).toEqual(["Name", "Data", "Age"]);
    expect(r.json.rows[0].cells.slice(0, 2)).toEqual(["t", 2]);
    expect(r.json.rows[0].object.kind).toBe("PartialObjectMetadata");
  });

  test("dryRun=All validates and stores nothing", async () => {
    const ns = await namespace();
    const r = await call("POST", `/api/v1/namespaces/${ns}/configmaps?dryRun=All`, configMap("dry"));
    expect(r.status).toBe(201);
    expectStatus(await call("GET", `/api/v1/namespaces/${ns}/configmaps/dry`), 404, "NotFound");
  });
});

describe("update and patch", () => {
  test("PUT with a stale resourceVersion is a 409 Conflict", async () => {
    const ns = await namespace();
    const created = (await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("u"))).json;
    const first = await call("PUT", `/api/v1/namespaces/${ns}/configmaps/u`, { ...created, data: { a: "2" } });
    expect(first.status).toBe(200);
    const stale = await call("PUT", `/api/v1/namespaces/${ns}/configmaps/u`, { ...created, data: { a: "3" } });
    expectStatus(stale, 409, "Conflict");
    expect(stale.json.message).toContain("the object has been modified");
  });

  test("merge, JSON and strategic merge patches", async () => {
    const ns = await namespace();
    await call("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("p"));
    const path = `/apis/apps/v1/namespaces/${ns}/deployments/p`;
    const merge = await call("PATCH", path, { metadata: { labels: { tier: "front" } } }, { "content-type": "application/merge-patch+json" });
    expect(merge.json.metadata.labels).toEqual({ app: "p", tier: "front" });
    const jsonPatch = await call("PATCH", path, [{ op: "replace", path: "/spec/replicas", value: 5 }], { "content-type": "application/json-patch+json" });
    expect(jsonPatch.json.spec.replicas).toBe(5);
    // A strategic patch merges containers by name instead of replacing the list.
    const strategic = await call(
      "PATCH",
      path,
      { spec: { template: { spec: { containers: [{ name: "sidecar", image: "busybox" }] } } } },
      { "content-type": "application/strategic-merge-patch+json" },
    );
    expect(strategic.json.spec.template.spec.containers.map((c: Json) => c.name).sort()).toEqual(["sidecar", "web"]);
    expect(strategic.json.metadata.generation).toBe(3);
  });

  test("a patch that fails validation is 422 and changes nothing", async () => {
    const ns = await namespace();
    await call("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("v"));
    const path = `/apis/apps/v1/namespaces/${ns}/deployments/v`;
    const before = (await call("GET", path)).json;
    const r = await call("PATCH", path, { spec: { replicas: -1 } }, { "content-type": "application/merge-patch+json" });
    expectStatus(r, 422, "Invalid");
    expect(r.json.details.causes[0].field).toBe("spec.replicas");
    expect((await call("GET", path)).json).toEqual(before);
  });

  test("status writes change only status; spec writes leave status alone", async () => {
    const ns = await namespace();
    await call("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("s"));
    const path = `/apis/apps/v1/namespaces/${ns}/deployments/s`;
    const status = await call("PATCH", `${path}/status`, { status: { replicas: 2 }, spec: { replicas: 9 } }, { "content-type": "application/merge-patch+json" });
    expect(status.json.status.replicas).toBe(2);
    expect(status.json.spec.replicas).toBe(2);
    const spec = await call("PATCH", path, { status: { replicas: 7 } }, { "content-type": "application/merge-patch+json" });
    expect(spec.json.status.replicas).toBe(2);
  });

  test("the scale subresource reads and writes spec.replicas", async () => {
    const ns = await namespace();
    await call("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("sc", 3));
    const path = `/apis/apps/v1/namespaces/${ns}/deployments/sc/scale`;
    const scale = (await call("GET", path)).json;
    expect(scale).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 3 }, status: { selector: "app=sc" } });
    const patched = await call("PATCH", path, { spec: { replicas: 6 } }, { "content-type": "application/merge-patch+json" });
    expect(patched.json.spec.replicas).toBe(6);
    expect((await call("GET", `/apis/apps/v1/namespaces/${ns}/deployments/sc`)).json.spec.replicas).toBe(6);
  });

  test("server-side apply creates, then updates, owning fields by manager", async () => {
    const ns = await namespace();
    const path = `/api/v1/namespaces/${ns}/configmaps/applied?fieldManager=tester`;
    const body = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n`;
    const created = await call("PATCH", path, body, { "content-type": "application/apply-patch+yaml" });
    expect(created.status).toBe(201);
    expect(created.json.metadata.managedFields[0]).toMatchObject({ manager: "tester", operation: "Apply" });
    const updated = await call("PATCH", path, body.replace('"1"', '"2"'), { "content-type": "application/apply-patch+yaml" });
    expect(updated.json.data).toEqual({ a: "2" });
    // Another manager changing an owned field conflicts unless it forces.
    const other = `/api/v1/namespaces/${ns}/configmaps/applied?fieldManager=intruder`;
    expectStatus(await call("PATCH", other, body.replace('"1"', '"3"'), { "content-type": "application/apply-patch+yaml" }), 409, "Conflict");
    const forced = await call("PATCH", `${other}&force=true`, body.replace('"1"', '"3"'), { "content-type": "application/apply-patch+yaml" });
    expect(forced.json.data).toEqual({ a: "3" });
  });
});

describe("delete", () => {
  test("a ConfigMap answers with a Success Status; a second delete is 404", async () => {
    const ns = await namespace();
    await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("d"));
    const r = await call("DELETE", `/api/v1/namespaces/${ns}/configmaps/d`);
    expect(r.json).toMatchObject({ kind: "Status", status: "Success", details: { name: "d", kind: "configmaps" } });
    expectStatus(await call("DELETE", `/api/v1/namespaces/${ns}/configmaps/d`), 404, "NotFound");
  });

  test("Foreground and Orphan policies leave the object marked with the GC's finalizer", async () => {
    const ns = await namespace();
    await call("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("f"));
    const r = await call("DELETE", `/apis/apps/v1/namespaces/${ns}/deployments/f`, { propagationPolicy: "Foreground" });
    expect(r.status).toBe(202);
    expect(r.json.metadata.finalizers).toEqual(["foregroundDeletion"]);
    expect(r.json.metadata.deletionTimestamp).toBeString();
  });

  test("deletecollection removes what the selector matches", async () => {
    const ns = await namespace();
    for (const name of ["x", "y"]) await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap(name));
    await call("POST", `/api/v1/namespaces/${ns}/configmaps`, { ...configMap("keep"), metadata: { name: "keep", labels: { app: "db" } } });
    await call("DELETE", `/api/v1/namespaces/${ns}/configmaps?labelSelector=app%3Dweb`);
    const left = await call("GET", `/api/v1/namespaces/${ns}/configmaps`);
    expect(left.json.items.map((i: Json) => i.metadata.name)).toEqual(["keep"]);
  });
});

describe("watch", () => {
  test("streams changes after a resourceVersion as JSON lines", async () => {
    const ns = await namespace();
    const created = (await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("w"))).json;
    await call("PATCH", `/api/v1/namespaces/${ns}/configmaps/w`, { data: { a: "2" } }, { "content-type": "application/merge-patch+json" });
    await call("DELETE", `/api/v1/namespaces/${ns}/configmaps/w`);
    const response = await app.request(`/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${created.metadata.resourceVersion}&timeoutSeconds=5`);
    const reader = response.body!.getReader();
    let text = "";
    while (text.split("\n").filter(Boolean).length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const events = text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    expect(events.map((e) => e.type)).toEqual(["MODIFIED", "DELETED"]);
    expect(events[0].object.data).toEqual({ a: "2" });
  });

  test("without a resourceVersion it starts with the current objects as ADDED", async () => {
    const ns = await namespace();
    await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("existing"));
    const response = await app.request(`/api/v1/namespaces/${ns}/configmaps?watch=true&timeoutSeconds=5`);
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    const first = JSON.parse(new TextDecoder().decode(value).split("\n")[0]!);
    expect(first).toMatchObject({ type: "ADDED", object: { metadata: { name: "existing" } } });
  });

  test("a compacted resourceVersion gets an ERROR event with 410 Expired", async () => {
    const ns = await namespace();
    const first = (await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("c1"))).json;
    // Move the in-memory window past the first revision, so the log must answer.
    for (const name of ["c2", "c3", "c4"]) await call("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap(name));
    await store.waitForWatchCache(await store.currentRevision());
    await store.compact(await store.currentRevision());
    const response = await app.request(`/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${first.metadata.resourceVersion}`);
    expect(response.status).toBe(200);
    const event = JSON.parse((await response.text()).trim());
    expect(event.type).toBe("ERROR");
    expect(event.object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
  });
});

describe("bad input gets a Status and changes nothing", () => {
  test.each([
    ["malformed JSON", "POST", "/api/v1/namespaces/default/configmaps", "{not json", {}, 400, "BadRequest"],
    ["a non-object body", "POST", "/api/v1/namespaces/default/configmaps", "[1,2]", {}, 400, "BadRequest"],
    ["a wrong kind", "POST", "/api/v1/namespaces/default/configmaps", JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "x" } }), {}, 400, "BadRequest"],
    ["an invalid name", "POST", "/api/v1/namespaces/default/configmaps", JSON.stringify(configMap("Not_Valid")), {}, 422, "Invalid"],
    ["a missing namespace", "POST", "/api/v1/namespaces/nowhere/configmaps", JSON.stringify(configMap("x")), {}, 404, "NotFound"],
    ["an unknown resource", "GET", "/api/v1/widgets", undefined, {}, 404, "NotFound"],
    ["an unsupported patch type", "PATCH", "/api/v1/namespaces/default/configmaps/x", "{}", { "content-type": "text/plain" }, 415, "UnsupportedMediaType"],
    ["a verb the resource lacks", "DELETE", "/api/v1/namespaces", undefined, {}, 405, "MethodNotAllowed"],
    ["a body over the limit", "POST", "/api/v1/namespaces/default/configmaps", JSON.stringify(configMap("big", { a: "x".repeat(100_000) })), {}, 413, "RequestEntityTooLarge"],
    ["a bad label selector", "GET", "/api/v1/configmaps?labelSelector=a%20in%20(", undefined, {}, 400, "BadRequest"],
    ["an unsupported field selector", "GET", "/api/v1/configmaps?fieldSelector=spec.nope%3D1", undefined, {}, 400, "BadRequest"],
  ] as const)("%s", async (_, method, path, body, headers, code, reason) => {
    const revision = await store.currentRevision();
    expectStatus(await call(method, path, body, headers as Record<string, string>), code, reason);
    expect(await store.currentRevision()).toBe(revision);
  });

  test("fieldValidation=Strict rejects unknown fields; the default warns and drops them", async () => {
    const ns = await namespace();
    const body = { ...configMap("strict"), bogus: true };
    const strict = await call("POST", `/api/v1/namespaces/${ns}/configmaps?fieldValidation=Strict`, body);
    expectStatus(strict, 400, "BadRequest");
    expect(strict.json.message).toBe('strict decoding error: unknown field "bogus"');
    const warned = await call("POST", `/api/v1/namespaces/${ns}/configmaps`, body);
    expect(warned.status).toBe(201);
    expect(warned.headers.get("warning")).toContain('unknown field \\"bogus\\"');
    expect(warned.json.bogus).toBeUndefined();
  });
});
