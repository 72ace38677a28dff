import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { isNotFound } from "../../../../client/errors.ts";
import { type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { type ControllerManager, startControllerManager } from "../manager.ts";
import { eventually, testCluster } from "../test-cluster.ts";

const deployments = resourceOf("apps/v1", "deployments");
const configmaps = resourceOf("v1", "configmaps");
const namespaces = resourceOf("v1", "namespaces");

let cluster: Awaited<ReturnType<typeof testCluster>>;
let manager: ControllerManager;
beforeAll(async () => {
  cluster = await testCluster();
  manager = await startControllerManager(cluster.client, () => {});
});
afterAll(async () => {
  manager.stop();
  await cluster.close();
});

let counter = 0;
async function namespace(): Promise<string> {
  const name = `gc-${++counter}`;
  await cluster.client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
}

const deployment = (ns: string, name = "owner"): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox" }] } },
  },
});

async function ownedConfigMap(owner: KubeObject, name: string, extra: object = {}): Promise<KubeObject> {
  return cluster.client.create(configmaps, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "", ...extra }],
    },
  });
}

const gone = (get: () => Promise<unknown>) => async () => {
  try {
    await get();
    return false;
  } catch (error) {
    if (isNotFound(error)) return true;
    throw error;
  }
};

describe("garbage collector", () => {
  test("Background: dependents of a deleted owner are deleted", async () => {
    const ns = await namespace();
    const owner = await cluster.client.create(deployments, deployment(ns));
    await ownedConfigMap(owner, "child");
    await cluster.client.delete(deployments, ns, "owner", { propagationPolicy: "Background" });
    await eventually("the child to be collected", gone(() => cluster.client.get(configmaps, ns, "child")));
  });

  test("Foreground: the owner stays until its dependents are gone", async () => {
    const ns = await namespace();
    const owner = await cluster.client.create(deployments, deployment(ns));
    await ownedConfigMap(owner, "blocking", { blockOwnerDeletion: true });
    await cluster.client.delete(deployments, ns, "owner", { propagationPolicy: "Foreground" });
    await eventually("the owner to be gone", gone(() => cluster.client.get(deployments, ns, "owner")));
    await expect(cluster.client.get(configmaps, ns, "blocking")).rejects.toMatchObject({ code: 404 });
  });

  test("Orphan: dependents survive with the owner reference removed", async () => {
    const ns = await namespace();
    const owner = await cluster.client.create(deployments, deployment(ns));
    await ownedConfigMap(owner, "survivor");
    await cluster.client.delete(deployments, ns, "owner", { propagationPolicy: "Orphan" });
    await eventually("the owner to be gone", gone(() => cluster.client.get(deployments, ns, "owner")));
    const survivor = await cluster.client.get(configmaps, ns, "survivor");
    expect(survivor.metadata.ownerReferences).toBeUndefined();
  });

  test("an object whose owner never existed (wrong uid) is collected; one with a live owner is not", async () => {
    const ns = await namespace();
    const owner = await cluster.client.create(deployments, deployment(ns));
    await ownedConfigMap(owner, "kept");
    await ownedConfigMap({ ...owner, metadata: { ...owner.metadata, uid: "00000000-0000-0000-0000-000000000000" } }, "stale");
    await eventually("the stale dependent to be collected", gone(() => cluster.client.get(configmaps, ns, "stale")));
    expect((await cluster.client.get(configmaps, ns, "kept")).metadata.name).toBe("kept");
  });
});

describe("namespace controller", () => {
  test("deleting a namespace removes everything in it, then the namespace", async () => {
    const ns = await namespace();
    await cluster.client.create(deployments, deployment(ns));
    await cluster.client.create(configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: ns } });
    await cluster.client.delete(namespaces, undefined, ns);
    const terminating = await cluster.client.get(namespaces, undefined, ns).catch(() => undefined);
    if (terminating) expect((terminating.status as { phase: string }).phase).toBe("Terminating");
    await eventually("the namespace to be gone", gone(() => cluster.client.get(namespaces, undefined, ns)));
    expect((await cluster.client.list(configmaps, { namespace: ns })).items).toEqual([]);
  });

  test("nothing new can be created in a terminating namespace", async () => {
    const ns = await namespace();
    // A finalizer of our own keeps the namespace terminating while we try.
    await cluster.client.create(configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held", namespace: ns, finalizers: ["test/hold"] } });
    await cluster.client.delete(namespaces, undefined, ns);
    await expect(
      cluster.client.create(configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late", namespace: ns } }),
    ).rejects.toMatchObject({ code: 403 });
    await cluster.client.patch(configmaps, ns, "held", "merge", { metadata: { finalizers: null } });
    await eventually("the namespace to be gone", gone(() => cluster.client.get(namespaces, undefined, ns)));
  });
});
