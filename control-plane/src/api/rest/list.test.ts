// LIST through app.request() on an in-memory PGlite store: every representation
// shows the objects GET shows, whether the body was spliced from stored text
// (JSON, Table) or re-serialised (YAML, PartialObjectMetadataList).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parse as parseYaml } from "yaml";
import { openStore } from "../../storage/open.ts";
import type { SqlStore } from "../../storage/sql/sql-store.ts";
import { createApp } from "../app.ts";
import { bootstrap } from "../bootstrap.ts";

let store: SqlStore;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  store = await openStore();
  app = createApp({ store, onInternalError: (e) => console.error(e) });
  await bootstrap(app);
});
afterAll(() => store.close());

type Json = Record<string, any>;

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";
const AGE = 4;
/** A pod's row without its Age cell, which a second boundary between two requests may change. */
const withoutAge = (row: Json): Json => ({ ...row, cells: row.cells.filter((_: unknown, i: number) => i !== AGE) });

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await app.request(path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, type: response.headers.get("content-type") };
}

async function getJson(path: string, accept = "application/json"): Promise<Json> {
  const r = await call("GET", path, undefined, { accept });
  expect(r.status).toBe(200);
  return JSON.parse(r.text);
}

let counter = 0;
/** A namespace with pods a, b and c (b labelled tier=db), each with awkward strings in it. */
async function namespaceWithPods(): Promise<string> {
  const ns = `list-${++counter}`;
  expect((await call("POST", "/api/v1/namespaces", { metadata: { name: ns } })).status).toBe(201);
  for (const name of ["c", "a", "b"]) {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        labels: { tier: name === "b" ? "db" : "web" },
        annotations: { note: 'braces } { and "quotes" \\ and 💥 é\u2028', "resourceVersion": "1" },
      },
      spec: { nodeName: `node-${name}`, containers: [{ name: "app", image: "busybox", env: [{ name: "X", value: "}" }] }] },
    };
    expect((await call("POST", `/api/v1/namespaces/${ns}/pods`, pod)).status).toBe(201);
  }
  return ns;
}

describe("LIST", () => {
  test("JSON: each item is byte for byte the object GET returns, apiVersion and kind first", async () => {
    const ns = await namespaceWithPods();
    const r = await call("GET", `/api/v1/namespaces/${ns}/pods`);
    expect(r.status).toBe(200);
    expect(r.type).toBe("application/json");
    const list = JSON.parse(r.text);
    expect(Object.keys(list)).toEqual(["kind", "apiVersion", "metadata", "items"]);
    expect(list.kind).toBe("PodList");
    expect(list.apiVersion).toBe("v1");
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(list.items.map((i: Json) => i.metadata.name)).toEqual(["a", "b", "c"]);
    for (const item of list.items) {
      const got = await call("GET", `/api/v1/namespaces/${ns}/pods/${item.metadata.name}`);
      expect(r.text).toContain(got.text);
      expect(Object.keys(JSON.parse(got.text)).slice(0, 3)).toEqual(["apiVersion", "kind", "metadata"]);
    }
  });

  test("Table: rows of the list are the rows GET gives for each object, for every includeObject", async () => {
    const ns = await namespaceWithPods();
    for (const include of ["", "?includeObject=Metadata", "?includeObject=Object", "?includeObject=None"]) {
      const table = await getJson(`/api/v1/namespaces/${ns}/pods${include}`, TABLE);
      expect(table.kind).toBe("Table");
      expect(table.metadata.resourceVersion).toBeString();
      expect(table.columnDefinitions.map((c: Json) => c.name)).toEqual(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"]);
      expect(table.rows.map((row: Json) => row.cells[0])).toEqual(["a", "b", "c"]);
      for (const row of table.rows) {
        const one = await getJson(`/api/v1/namespaces/${ns}/pods/${row.cells[0]}${include}`, TABLE);
        expect(withoutAge(row)).toEqual(withoutAge(one.rows[0]));
      }
    }
    const full = await getJson(`/api/v1/namespaces/${ns}/pods?includeObject=Object`, TABLE);
    expect(full.rows[1].object).toEqual(await getJson(`/api/v1/namespaces/${ns}/pods/b`));
  });

  test.each([
    ["JSON", "application/json", (body: Json) => body.items.map((i: Json) => i.metadata.name)],
    ["Table", TABLE, (body: Json) => body.rows.map((row: Json) => row.cells[0])],
  ])("%s: selectors filter and pages stay at the first page's revision", async (_, accept, names) => {
    const ns = await namespaceWithPods();
    const path = `/api/v1/namespaces/${ns}/pods`;
    expect(names(await getJson(`${path}?labelSelector=tier%3Dweb`, accept))).toEqual(["a", "c"]);
    expect(names(await getJson(`${path}?fieldSelector=spec.nodeName%3Dnode-b`, accept))).toEqual(["b"]);
    const first = await getJson(`${path}?limit=1&labelSelector=tier%21%3Ddb`, accept);
    expect(names(first)).toEqual(["a"]);
    expect(first.metadata.continue).toBeString();
    expect((await call("DELETE", `${path}/c?gracePeriodSeconds=0`)).status).toBe(200);
    const second = await getJson(`${path}?limit=1&labelSelector=tier%21%3Ddb&continue=${first.metadata.continue}`, accept);
    expect(names(second)).toEqual(["c"]);
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(second.metadata.continue).toBeUndefined();
  });

  test("YAML and PartialObjectMetadataList show the same objects", async () => {
    const ns = await namespaceWithPods();
    const json = await getJson(`/api/v1/namespaces/${ns}/pods`);
    const yaml = await call("GET", `/api/v1/namespaces/${ns}/pods`, undefined, { accept: "application/yaml" });
    expect(yaml.type).toBe("application/yaml");
    expect(parseYaml(yaml.text)).toEqual(json);
    const partial = await getJson(`/api/v1/namespaces/${ns}/pods`, "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io");
    expect(partial.kind).toBe("PartialObjectMetadataList");
    expect(partial.items.map((i: Json) => i.metadata)).toEqual(json.items.map((i: Json) => i.metadata));
  });

  test("an empty list and a bad continue token", async () => {
    const ns = `list-empty-${++counter}`;
    expect((await call("POST", "/api/v1/namespaces", { metadata: { name: ns } })).status).toBe(201);
    const empty = await getJson(`/api/v1/namespaces/${ns}/configmaps`);
    expect(empty.items).toEqual([]);
    expect((await getJson(`/api/v1/namespaces/${ns}/configmaps`, TABLE)).rows).toEqual([]);
    const bad = await call("GET", `/api/v1/namespaces/${ns}/configmaps?continue=nonsense`);
    // As Kubernetes answers it: 400, "invalid continue token: …".
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ kind: "Status", status: "Failure", reason: "BadRequest", message: expect.stringMatching(/^invalid continue token: /) });
  });
});
