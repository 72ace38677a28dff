// kubectl's switch from client-side to server-side apply through app.request(),
// request for request as kubectl 1.32 sends them: `kubectl apply -f app.yaml`,
// then `kubectl apply --server-side -f app.yaml` of the same file (bodies
// captured with -v=9 against `ledge up`). app.yaml is a Namespace, a
// ConfigMap, a Secret with stringData, a Deployment (a container port without
// protocol, an env var from fieldRef) and a Service (a port without protocol).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { openStore } from "../storage/open.ts";
import type { SqlStore } from "../storage/sql/sql-store.ts";
import { createApp } from "./app.ts";
import { bootstrap } from "./bootstrap.ts";
import { FieldSet } from "./patch/field-set.ts";

let store: SqlStore;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  store = await openStore();
  app = createApp({ store, maxBodyBytes: 1024 * 1024, onInternalError: (e) => console.error(e) });
  await bootstrap(app);
});
afterAll(() => store.close());

type Json = Record<string, any>;

const KUBECTL = { accept: "application/json", "user-agent": "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07" };

async function send(method: string, path: string, contentType: string, body: string): Promise<{ status: number; json: Json }> {
  const response = await app.request(path, { method, headers: { ...KUBECTL, "content-type": contentType }, body });
  return { status: response.status, json: (await response.json()) as Json };
}

/** `kubectl apply -f app.yaml` of new objects: a POST each, by kubectl-client-side-apply, with last-applied-configuration. */
const CREATES = [
  {
    path: "/api/v1/namespaces?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
    body: String.raw`{"apiVersion":"v1","kind":"Namespace","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"annotations\":{},\"name\":\"shop\"}}\n"},"name":"shop"}}`,
  },
  {
    path: "/api/v1/namespaces/shop/configmaps?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
    body: String.raw`{"apiVersion":"v1","data":{"FEATURE_X":"true","LOG_LEVEL":"info"},"kind":"ConfigMap","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"data\":{\"FEATURE_X\":\"true\",\"LOG_LEVEL\":\"info\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"name\":\"shop-config\",\"namespace\":\"shop\"}}\n"},"name":"shop-config","namespace":"shop"}}`,
  },
  {
    path: "/api/v1/namespaces/shop/secrets?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
    body: String.raw`{"apiVersion":"v1","kind":"Secret","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"annotations\":{},\"name\":\"shop-secret\",\"namespace\":\"shop\"},\"stringData\":{\"password\":\"s3cret\"},\"type\":\"Opaque\"}\n"},"name":"shop-secret","namespace":"shop"},"stringData":{"password":"s3cret"},"type":"Opaque"}`,
  },
  {
    path: "/apis/apps/v1/namespaces/shop/deployments?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
    body: String.raw`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"web\"},\"name\":\"web\",\"namespace\":\"shop\"},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"env\":[{\"name\":\"POD_NAME\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}},{\"name\":\"LOG_LEVEL\",\"valueFrom\":{\"configMapKeyRef\":{\"key\":\"LOG_LEVEL\",\"name\":\"shop-config\"}}}],\"image\":\"nginx:1.27\",\"name\":\"web\",\"ports\":[{\"containerPort\":80}],\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}]}}}}\n"},"labels":{"app":"web"},"name":"web","namespace":"shop"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"env":[{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},{"name":"LOG_LEVEL","valueFrom":{"configMapKeyRef":{"key":"LOG_LEVEL","name":"shop-config"}}}],"image":"nginx:1.27","name":"web","ports":[{"containerPort":80}],"resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}]}}}}`,
  },
  {
    path: "/api/v1/namespaces/shop/services?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
    body: String.raw`{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"annotations\":{},\"name\":\"web\",\"namespace\":\"shop\"},\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":80}],\"selector\":{\"app\":\"web\"}}}\n"},"name":"web","namespace":"shop"},"spec":{"ports":[{"port":80,"targetPort":80}],"selector":{"app":"web"}}}`,
  },
];

/**
 * `kubectl apply --server-side -f app.yaml`, per object: the apply patch
 * (manager "kubectl"), then the last-applied annotation applied by
 * "kubectl-last-applied", then kubectl's managedFields migration (computed
 * below from the object, as kubectl does), then the apply patch again.
 */
const APPLIES = [
  {
    path: "/api/v1/namespaces/shop",
    applied: String.raw`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}`,
    lastApplied: String.raw`{"apiVersion":"v1","kind":"Namespace","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"shop\"}}\n"},"name":"shop"}}`,
  },
  {
    path: "/api/v1/namespaces/shop/configmaps/shop-config",
    applied: String.raw`{"apiVersion":"v1","data":{"FEATURE_X":"true","LOG_LEVEL":"info"},"kind":"ConfigMap","metadata":{"name":"shop-config","namespace":"shop"}}`,
    lastApplied: String.raw`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"data\":{\"FEATURE_X\":\"true\",\"LOG_LEVEL\":\"info\"},\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"shop-config\",\"namespace\":\"shop\"}}\n"},"name":"shop-config","namespace":"shop"}}`,
  },
  {
    path: "/api/v1/namespaces/shop/secrets/shop-secret",
    applied: String.raw`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"shop-secret","namespace":"shop"},"stringData":{"password":"s3cret"},"type":"Opaque"}`,
    lastApplied: String.raw`{"apiVersion":"v1","kind":"Secret","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"shop-secret\",\"namespace\":\"shop\"},\"stringData\":{\"password\":\"s3cret\"},\"type\":\"Opaque\"}\n"},"name":"shop-secret","namespace":"shop"}}`,
  },
  {
    path: "/apis/apps/v1/namespaces/shop/deployments/web",
    applied: String.raw`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"web"},"name":"web","namespace":"shop"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"env":[{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},{"name":"LOG_LEVEL","valueFrom":{"configMapKeyRef":{"key":"LOG_LEVEL","name":"shop-config"}}}],"image":"nginx:1.27","name":"web","ports":[{"containerPort":80}],"resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}]}}}}`,
    lastApplied: String.raw`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"labels\":{\"app\":\"web\"},\"name\":\"web\",\"namespace\":\"shop\"},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"env\":[{\"name\":\"POD_NAME\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}},{\"name\":\"LOG_LEVEL\",\"valueFrom\":{\"configMapKeyRef\":{\"key\":\"LOG_LEVEL\",\"name\":\"shop-config\"}}}],\"image\":\"nginx:1.27\",\"name\":\"web\",\"ports\":[{\"containerPort\":80}],\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}]}}}}\n"},"name":"web","namespace":"shop"}}`,
  },
  {
    path: "/api/v1/namespaces/shop/services/web",
    applied: String.raw`{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop"},"spec":{"ports":[{"port":80,"targetPort":80}],"selector":{"app":"web"}}}`,
    lastApplied: String.raw`{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":80}],\"selector\":{\"app\":\"web\"}}}\n"},"name":"web","namespace":"shop"}}`,
  },
];

/**
 * kubectl's csaupgrade: the fields of the client-side-apply manager join the
 * "kubectl" Apply entry (or it becomes that entry), sent as a JSON patch of
 * managedFields guarded by the resourceVersion. Undefined when nothing is left to migrate.
 */
function migrationPatch(object: Json): Json[] | undefined {
  const isClientSide = (entry: Json) => entry.manager === "kubectl-client-side-apply" && entry.operation === "Update" && !entry.subresource;
  const entries: Json[] = structuredClone(object.metadata.managedFields ?? []);
  if (!entries.some(isClientSide)) return undefined;
  let target = entries.findIndex((entry) => entry.manager === "kubectl" && entry.operation === "Apply" && !entry.subresource);
  if (target < 0) {
    target = entries.findIndex(isClientSide);
    entries[target] = { ...entries[target], manager: "kubectl", operation: "Apply" };
  }
  let fields = FieldSet.fromFieldsV1(entries[target]!.fieldsV1 ?? {});
  for (const entry of entries) if (isClientSide(entry)) fields = fields.union(FieldSet.fromFieldsV1(entry.fieldsV1));
  entries[target]!.fieldsV1 = fields.toFieldsV1();
  return [
    { op: "replace", path: "/metadata/managedFields", value: entries.filter((entry) => !isClientSide(entry)) },
    { op: "replace", path: "/metadata/resourceVersion", value: object.metadata.resourceVersion },
  ];
}

const managersOf = (object: Json): string[] => object.metadata.managedFields.map((entry: Json) => `${entry.manager}/${entry.operation}`);

test("kubectl apply, then kubectl apply --server-side of the same file: serverside-applied, no conflicts, no duplicate ports", async () => {
  for (const { path, body } of CREATES) {
    const created = await send("POST", path, "application/json", body);
    expect({ path, status: created.status }).toEqual({ path, status: 201 });
  }

  const final: Record<string, Json> = {};
  for (const { path, applied, lastApplied } of APPLIES) {
    const apply = () => send("PATCH", `${path}?fieldManager=kubectl&fieldValidation=Strict&force=false`, "application/apply-patch+yaml", applied);
    // The first apply is where Kubernetes lets "kubectl" take over what client-side apply set.
    const first = await apply();
    expect({ path, status: first.status, message: first.json.message }).toEqual({ path, status: 200, message: undefined });

    const annotated = await send("PATCH", `${path}?fieldManager=kubectl-last-applied&fieldValidation=Strict`, "application/apply-patch+yaml", lastApplied);
    expect({ path, status: annotated.status }).toEqual({ path, status: 200 });

    const patch = migrationPatch(annotated.json);
    expect(patch).toBeDefined();
    const migrated = await send("PATCH", `${path}?fieldManager=kubectl&fieldValidation=Strict`, "application/json-patch+json", JSON.stringify(patch));
    expect({ path, status: migrated.status }).toEqual({ path, status: 200 });
    expect(managersOf(migrated.json)).not.toContain("kubectl-client-side-apply/Update");

    const again = await apply();
    expect({ path, status: again.status }).toEqual({ path, status: 200 });
    final[path] = again.json;
  }

  const service = final["/api/v1/namespaces/shop/services/web"]!;
  expect(service.spec.ports).toEqual([{ port: 80, targetPort: 80, protocol: "TCP" }]);
  expect(service.metadata.managedFields.find((e: Json) => e.manager === "kubectl").fieldsV1["f:spec"]["f:ports"]).toEqual({
    'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:port": {}, "f:targetPort": {} },
  });

  const container = final["/apis/apps/v1/namespaces/shop/deployments/web"]!.spec.template.spec.containers[0];
  expect(container.ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
  expect(container.env[0]).toEqual({ name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } });

  const secret = final["/api/v1/namespaces/shop/secrets/shop-secret"]!;
  expect(secret.data).toEqual({ password: "czNjcmV0" });
  expect(secret.stringData).toBeUndefined();

  for (const [path, object] of Object.entries(final)) {
    const expected = path === "/api/v1/namespaces/shop" ? ["kubectl-last-applied/Apply"] : ["kubectl-last-applied/Apply", "kubectl/Apply"];
    expect({ path, managers: managersOf(object).sort() }).toEqual({ path, managers: expected });
  }
});

test("an unusable fieldManager is 422 Invalid for the verb's options, as Kubernetes answers it", async () => {
  const configMap = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fm" } });
  const tooLong = await send("POST", `/api/v1/namespaces/default/configmaps?fieldManager=${"x".repeat(129)}`, "application/json", configMap);
  expect(tooLong.status).toBe(422);
  expect(tooLong.json).toMatchObject({
    reason: "Invalid",
    message: 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
    details: { group: "meta.k8s.io", kind: "CreateOptions", causes: [{ reason: "FieldValueTooLong", field: "fieldManager" }] },
  });
  const unprintable = await send("PATCH", "/api/v1/namespaces/default/configmaps/fm?fieldManager=a%09b", "application/apply-patch+yaml", configMap);
  expect(unprintable.status).toBe(422);
  expect(unprintable.json.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\tb": invalid character U+0009 (at position 1)');
});
