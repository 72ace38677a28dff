// @kubernetes/client-node against a real control plane (`ledge up` in this
// process): typed calls, Status errors as ApiException, and an informer.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Deployment,
  type V1Pod,
} from "@kubernetes/client-node";
import { type ControlPlane, startControlPlane } from "../control-plane/src/main.ts";

let plane: ControlPlane;
let dataDir: string;
let core: CoreV1Api;
let apps: AppsV1Api;
let kubeConfig: KubeConfig;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "ledge-client-node-"));
  plane = await startControlPlane({ mode: "up", dataDir, bind: "127.0.0.1", port: 0 });
  // The kubeconfig exactly as `ledge up` wrote it.
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(plane.kubeconfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  apps = kubeConfig.makeApiClient(AppsV1Api);
});

afterAll(async () => {
  await plane?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

let counter = 0;
/** A fresh namespace per test, as the e2e harness convention asks. */
async function namespace(): Promise<string> {
  const name = `cn-${++counter}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** The ApiException a call rejects with; fails the test when it resolves. */
async function apiError(call: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiException);
    return error as ApiException<string>;
  }
  throw new Error("the call succeeded, but an error was expected");
}

/** Asserts the exception carries a Kubernetes Status with `code` and `reason`. */
function expectStatus(error: ApiException<string>, code: number, reason: string): void {
  expect(error.code).toBe(code);
  const status = JSON.parse(error.body) as { kind: string; code: number; reason: string };
  expect(status).toMatchObject({ kind: "Status", code, reason });
}

/** Polls `check` until it returns true; fails with `what` after the deadline. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

const configMap = (name: string, data: Record<string, string>): V1ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels: { app: "web" } },
  data,
});

const pod = (name: string): V1Pod => ({
  metadata: { name, labels: { app: "web" } },
  spec: { containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] },
});

const deployment = (name: string, replicas: number): V1Deployment => ({
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } },
  },
});

describe("CoreV1Api", () => {
  test("namespaces: create, read, list, patch, delete", async () => {
    const name = `cn-ns-${++counter}`;
    const created = await core.createNamespace({ body: { metadata: { name, labels: { team: "a" } } } });
    expect(created.metadata?.uid).toBeString();
    expect(created.status?.phase).toBe("Active");
    expect((await core.readNamespace({ name })).metadata?.labels).toMatchObject({ team: "a", "kubernetes.io/metadata.name": name });
    const listed = await core.listNamespace({ labelSelector: "team=a" });
    expect(listed.items.map((n) => n.metadata?.name)).toContain(name);
    const patched = await core.patchNamespace({ name, body: { metadata: { labels: { team: "b" } } } }, mergePatch);
    expect(patched.metadata?.labels?.team).toBe("b");
    // A namespace is first Terminating; the namespace controller removes it once it is empty.
    await core.deleteNamespace({ name });
    await eventually("the namespace to be gone", async () => {
      try {
        await core.readNamespace({ name });
        return false;
      } catch (error) {
        expectStatus(error as ApiException<string>, 404, "NotFound");
        return true;
      }
    });
  });

  test("configmaps: create, read, list, patch (merge and JSON patch), replace, delete", async () => {
    const ns = await namespace();
    const created = await core.createNamespacedConfigMap({ namespace: ns, body: configMap("settings", { a: "1" }) });
    expect(created.metadata?.namespace).toBe(ns);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect((await core.readNamespacedConfigMap({ name: "settings", namespace: ns })).data).toEqual({ a: "1" });

    const listed = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: "app=web" });
    expect(listed.items.map((c) => c.metadata?.name)).toEqual(["settings"]);
    expect(listed.metadata?.resourceVersion).toBeString();

    const merged = await core.patchNamespacedConfigMap({ name: "settings", namespace: ns, body: { data: { b: "2" } } }, mergePatch);
    expect(merged.data).toEqual({ a: "1", b: "2" });
    // The generated client's default patch type is a JSON patch.
    const jsonPatched = await core.patchNamespacedConfigMap({
      name: "settings",
      namespace: ns,
      body: [{ op: "replace", path: "/data/a", value: "10" }],
    });
    expect(jsonPatched.data).toEqual({ a: "10", b: "2" });

    const replaced = await core.replaceNamespacedConfigMap({
      name: "settings",
      namespace: ns,
      body: { ...configMap("settings", { c: "3" }), metadata: { ...jsonPatched.metadata, managedFields: undefined } },
    });
    expect(replaced.data).toEqual({ c: "3" });

    await core.deleteNamespacedConfigMap({ name: "settings", namespace: ns });
    expect((await core.listNamespacedConfigMap({ namespace: ns })).items).toEqual([]);
  });

  test("pods: create, read, list across namespaces, patch, delete", async () => {
    const ns = await namespace();
    const created = await core.createNamespacedPod({ namespace: ns, body: pod("web-0") });
    expect(created.status?.phase).toBe("Pending");
    expect(created.spec?.containers[0]?.ports?.[0]?.protocol).toBe("TCP");
    expect((await core.readNamespacedPod({ name: "web-0", namespace: ns })).spec?.restartPolicy).toBe("Always");
    const all = await core.listPodForAllNamespaces({ labelSelector: "app=web" });
    expect(all.items.some((p) => p.metadata?.namespace === ns && p.metadata.name === "web-0")).toBe(true);
    const patched = await core.patchNamespacedPod(
      { name: "web-0", namespace: ns, body: { metadata: { annotations: { note: "hi" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    expect(patched.metadata?.annotations).toEqual({ note: "hi" });
    // Pods answer DELETE with the object, which the client types as a pod.
    const deleted = await core.deleteNamespacedPod({ name: "web-0", namespace: ns });
    expect(deleted.metadata?.name).toBe("web-0");
    expectStatus(await apiError(core.readNamespacedPod({ name: "web-0", namespace: ns })), 404, "NotFound");
  });
});

describe("AppsV1Api", () => {
  test("deployments: create, replace, read and patch the scale subresource", async () => {
    const ns = await namespace();
    const created = await apps.createNamespacedDeployment({ namespace: ns, body: deployment("web", 2) });
    expect(created.spec?.strategy?.type).toBe("RollingUpdate");
    expect(created.metadata?.generation).toBe(1);

    // The deployment controller writes status while we work: read, modify, replace, and again on a conflict.
    let replaced: V1Deployment | undefined;
    for (let attempt = 0; !replaced; attempt++) {
      const latest = await apps.readNamespacedDeployment({ name: "web", namespace: ns });
      try {
        replaced = await apps.replaceNamespacedDeployment({ name: "web", namespace: ns, body: { ...latest, spec: { ...latest.spec!, replicas: 3 } } });
      } catch (error) {
        if (!(error instanceof ApiException && error.code === 409) || attempt >= 10) throw error;
      }
    }
    expect(replaced.spec?.replicas).toBe(3);
    expect(replaced.metadata?.generation).toBe(2);

    const scale = await apps.readNamespacedDeploymentScale({ name: "web", namespace: ns });
    expect(scale.kind).toBe("Scale");
    expect(scale.spec?.replicas).toBe(3);
    const scaled = await apps.patchNamespacedDeploymentScale({ name: "web", namespace: ns, body: { spec: { replicas: 5 } } }, mergePatch);
    expect(scaled.spec?.replicas).toBe(5);
    expect((await apps.readNamespacedDeployment({ name: "web", namespace: ns })).spec?.replicas).toBe(5);
  });
});

describe("Status errors surface as ApiException", () => {
  test("404 NotFound for a missing object", async () => {
    const ns = await namespace();
    const error = await apiError(core.readNamespacedConfigMap({ name: "missing", namespace: ns }));
    expectStatus(error, 404, "NotFound");
  });

  test("409 AlreadyExists for a second create, 409 Conflict for a stale replace", async () => {
    const ns = await namespace();
    const first = await core.createNamespacedConfigMap({ namespace: ns, body: configMap("dup", { a: "1" }) });
    expectStatus(await apiError(core.createNamespacedConfigMap({ namespace: ns, body: configMap("dup", { a: "2" }) })), 409, "AlreadyExists");
    await core.patchNamespacedConfigMap({ name: "dup", namespace: ns, body: { data: { a: "3" } } }, mergePatch);
    const stale = core.replaceNamespacedConfigMap({ name: "dup", namespace: ns, body: { ...first, data: { a: "4" } } });
    expectStatus(await apiError(stale), 409, "Conflict");
  });

  test("422 Invalid for an object that fails validation", async () => {
    const ns = await namespace();
    const error = await apiError(core.createNamespacedConfigMap({ namespace: ns, body: configMap("Not_A_Name", { a: "1" }) }));
    expectStatus(error, 422, "Invalid");
    const status = JSON.parse(error.body) as { details: { causes: { field: string }[] } };
    expect(status.details.causes.map((c) => c.field)).toContain("metadata.name");
    const noContainers = await apiError(core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "p" }, spec: { containers: [] } } }));
    expectStatus(noContainers, 422, "Invalid");
  });
});

describe("informer", () => {
  test("sees adds, updates and deletes made after it started, and caches what exists", async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap("before", { a: "1" }) });
    const informer = makeInformer<V1ConfigMap>(kubeConfig, `/api/v1/namespaces/${ns}/configmaps`, () =>
      core.listNamespacedConfigMap({ namespace: ns }),
    );
    const events: string[] = [];
    const errors: unknown[] = [];
    informer.on("add", (o) => events.push(`add ${o.metadata?.name}`));
    informer.on("update", (o) => events.push(`update ${o.metadata?.name} ${JSON.stringify(o.data)}`));
    informer.on("delete", (o) => events.push(`delete ${o.metadata?.name}`));
    informer.on("error", (e) => errors.push(e));
    await informer.start();
    try {
      expect(informer.list(ns).map((c) => c.metadata?.name)).toEqual(["before"]);
      await eventually("the initial add", () => events.includes("add before"));

      await core.createNamespacedConfigMap({ namespace: ns, body: configMap("after", { b: "1" }) });
      await eventually("the add of a new config map", () => events.includes("add after"));
      await core.patchNamespacedConfigMap({ name: "after", namespace: ns, body: { data: { b: "2" } } }, mergePatch);
      await eventually("the update", () => events.includes(`update after {"b":"2"}`));
      await core.deleteNamespacedConfigMap({ name: "before", namespace: ns });
      await eventually("the delete", () => events.includes("delete before"));

      expect(informer.list(ns).map((c) => c.metadata?.name)).toEqual(["after"]);
      expect(informer.get("after", ns)?.data).toEqual({ b: "2" });
      expect(informer.get("before", ns)).toBeUndefined();
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});
