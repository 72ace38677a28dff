// Bodies nest as deep as Kubernetes' decoding allows (10,000 objects and
// lists) for every write, over a real server; deeper ones are 400 BadRequest,
// never a 500 or a crash, and change nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_BODY_DEPTH } from "../request-body.ts";
import { startTestApi, type TestApi } from "./test-api.ts";

let api: TestApi;
let ns: string;
beforeAll(async () => {
  api = await startTestApi({ overHttp: true });
  ns = await api.namespace();
  expect((await api.call("POST", `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: "cm" }, data: { a: "1" } })).status).toBe(201);
}, 60_000);
afterAll(() => api.close());

/** `levels` objects nested in one another, as JSON text (built without recursion). */
const nested = (levels: number): string => `${'{"n":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;

const cm = () => `/api/v1/namespaces/${ns}/configmaps/cm`;
let created = 0;

/** Each write's body with an unknown field `x` placing the deepest object at `depth` (the body itself is depth 1). */
const WRITES: [string, string, () => string, string, (depth: number) => string][] = [
  ["create", "POST", () => `/api/v1/namespaces/${ns}/configmaps`, "application/json", (depth) => `{"metadata":{"name":"c${++created}"},"x":${nested(depth - 1)}}`],
  ["update", "PUT", cm, "application/json", (depth) => `{"metadata":{"name":"cm"},"data":{"a":"1"},"x":${nested(depth - 1)}}`],
  ["json-patch", "PATCH", cm, "application/json-patch+json", (depth) => `[{"op":"add","path":"/x","value":${nested(depth - 2)}}]`],
  ["merge-patch", "PATCH", cm, "application/merge-patch+json", (depth) => `{"x":${nested(depth - 1)}}`],
  ["strategic-merge-patch", "PATCH", cm, "application/strategic-merge-patch+json", (depth) => `{"x":${nested(depth - 1)}}`],
  [
    "apply",
    "PATCH",
    () => `${cm()}?fieldManager=depth-test`,
    "application/apply-patch+yaml",
    (depth) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"x":${nested(depth - 1)}}`,
  ],
];

describe.each(WRITES)("%s", (_name, method, path, contentType, body) => {
  test.each([MAX_BODY_DEPTH - 1, MAX_BODY_DEPTH])("nested %d deep: accepted, the unknown field dropped with a warning", async (depth) => {
    const r = await api.call(method, path(), body(depth), { "content-type": contentType });
    expect(r.status).toBeLessThan(300);
    expect(r.json.x).toBeUndefined();
    expect(r.headers.get("warning")).toBe('299 - "unknown field \\"x\\""');
    expect(api.internalErrors).toEqual([]);
  });

  test(`nested ${MAX_BODY_DEPTH + 1} deep: 400 BadRequest, nothing written`, async () => {
    const before = (await api.call("GET", cm())).json.metadata.resourceVersion;
    const r = await api.call(method, path(), body(MAX_BODY_DEPTH + 1), { "content-type": contentType });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: "Status", status: "Failure", reason: "BadRequest", code: 400 });
    expect(r.json.message).toContain(`maximum nesting depth of ${MAX_BODY_DEPTH}`);
    expect((await api.call("GET", cm())).json.metadata.resourceVersion).toBe(before);
    expect(api.internalErrors).toEqual([]);
  });
});

test("a JSON patch whose copy nests the object past the limit is Invalid, not a 500", async () => {
  // The copy puts /x (6,000 deep) at the bottom of itself: 12,000 deep.
  const depth = 6_000;
  const bottom = `/x${"/n".repeat(depth - 1)}/m`;
  const patch = `[{"op":"add","path":"/x","value":${nested(depth)}},{"op":"copy","from":"/x","path":"${bottom}"}]`;
  const before = (await api.call("GET", cm())).json.metadata.resourceVersion;
  const r = await api.call("PATCH", cm(), patch, { "content-type": "application/json-patch+json" });
  expect(r.status).toBe(422);
  expect(r.json).toMatchObject({ reason: "Invalid", message: `the patched object exceeds the maximum nesting depth of ${MAX_BODY_DEPTH}` });
  expect((await api.call("GET", cm())).json.metadata.resourceVersion).toBe(before);
  expect(api.internalErrors).toEqual([]);
});
