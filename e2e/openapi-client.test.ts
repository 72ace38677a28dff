// The /openapi/v3 documents are usable by a standard client generator:
// swagger-typescript-api (chosen because it runs without TypeScript's JS
// compiler API, which our TypeScript 7 lacks; orval's dependencies do not
// resolve from the registry today) generates a fetch client from the live
// documents into a temp dir; tsc checks a consumer of it in strict mode; the
// consumer then creates, reads and lists through the generated operations.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateApi } from "swagger-typescript-api";
import { type ControlPlane, startControlPlane } from "../control-plane/src/main.ts";

let plane: ControlPlane;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ledge-openapi-client-"));
  plane = await startControlPlane({ mode: "up", dataDir: join(dir, "data"), bind: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await plane?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The group versions the consumer uses, and the file each one's client goes to. */
const CLIENTS = { "api/v1": "core-v1", "apis/apps/v1": "apps-v1" } as const;

/** Uses only what the generator made: its Api classes, operation methods and schema types. */
const CONSUMER = `
import { Api as CoreApi, type IoK8SApiCoreV1ConfigMap, type IoK8SApiCoreV1ConfigMapList, type HttpResponse } from "./core-v1.ts";
import { Api as AppsApi, type IoK8SApiAppsV1Deployment, type IoK8SApiAppsV1DeploymentList } from "./apps-v1.ts";

export interface Outcome {
  created: IoK8SApiCoreV1ConfigMap;
  read: IoK8SApiCoreV1ConfigMap;
  listed: IoK8SApiCoreV1ConfigMapList;
  deployment: IoK8SApiAppsV1Deployment;
  deploymentRead: IoK8SApiAppsV1Deployment;
  deployments: IoK8SApiAppsV1DeploymentList;
  missing: { status: number; error: unknown };
}

export async function run(baseUrl: string, namespace: string): Promise<Outcome> {
  const core = new CoreApi({ baseUrl });
  const apps = new AppsApi({ baseUrl });
  await core.api.createCoreV1Namespace({ metadata: { name: namespace } });

  const configMap: IoK8SApiCoreV1ConfigMap = { metadata: { name: "settings", labels: { app: "web" } }, data: { mode: "fast" } };
  const created = (await core.api.createCoreV1NamespacedConfigMap(namespace, configMap)).data;
  const read = (await core.api.readCoreV1NamespacedConfigMap("settings", namespace)).data;
  const listed = (await core.api.listCoreV1NamespacedConfigMap(namespace, { labelSelector: "app=web", limit: 10 })).data;

  const spec: IoK8SApiAppsV1Deployment = {
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } },
    },
  };
  const deployment = (await apps.apis.createAppsV1NamespacedDeployment(namespace, spec)).data;
  const deploymentRead = (await apps.apis.readAppsV1NamespacedDeployment("web", namespace)).data;
  const deployments = (await apps.apis.listAppsV1NamespacedDeployment(namespace)).data;

  let missing = { status: 0, error: undefined as unknown };
  try {
    await core.api.readCoreV1NamespacedConfigMap("missing", namespace);
  } catch (failure) {
    const response = failure as HttpResponse<unknown, unknown>;
    missing = { status: response.status, error: response.error };
  }
  return { created, read, listed, deployment, deploymentRead, deployments, missing };
}
`;

/** tsc (strict) over the consumer and the generated clients. */
async function typecheck(files: string[]): Promise<{ ok: boolean; output: string }> {
  const tsc = join(import.meta.dir, "..", "node_modules", ".bin", "tsc");
  const args = ["--noEmit", "--strict", "--target", "esnext", "--module", "preserve", "--moduleResolution", "bundler", "--lib", "esnext,dom", "--allowImportingTsExtensions", "--types", "", ...files];
  const child = Bun.spawn([tsc, ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { ok: code === 0, output: stdout + stderr };
}

test("a client generated from /openapi/v3 creates, reads and lists ConfigMaps and Deployments", async () => {
  const index = (await (await fetch(`${plane.url}/openapi/v3`)).json()) as { paths: Record<string, { serverRelativeURL: string }> };
  const out = join(dir, "client");
  mkdirSync(out);
  for (const [groupVersion, file] of Object.entries(CLIENTS)) {
    const entry = index.paths[groupVersion];
    expect(entry).toBeDefined();
    const response = await fetch(`${plane.url}${entry!.serverRelativeURL}`);
    expect(response.status).toBe(200);
    const spec = (await response.json()) as Record<string, unknown>;
    const generated = await generateApi({ spec: spec as never, output: out, fileName: `${file}.ts`, httpClientType: "fetch", silent: true });
    expect(generated.files.length).toBe(1);
  }
  writeFileSync(join(out, "consumer.ts"), CONSUMER);

  const checked = await typecheck([join(out, "consumer.ts")]);
  if (!checked.ok) throw new Error(`the generated client does not type-check:\n${checked.output.slice(0, 4000)}`);

  const consumer = (await import(join(out, "consumer.ts"))) as {
    run(baseUrl: string, namespace: string): Promise<Record<string, any>>;
  };
  const outcome = await consumer.run(plane.url, "generated-client");
  expect(outcome.created).toMatchObject({ kind: "ConfigMap", apiVersion: "v1", metadata: { name: "settings", namespace: "generated-client" } });
  expect(outcome.read.data).toEqual({ mode: "fast" });
  expect(outcome.listed.kind).toBe("ConfigMapList");
  expect(outcome.listed.items.map((c: any) => c.metadata.name)).toEqual(["settings"]);
  expect(outcome.deployment).toMatchObject({ kind: "Deployment", metadata: { name: "web", generation: 1 }, spec: { replicas: 2 } });
  expect(outcome.deploymentRead.spec.strategy.type).toBe("RollingUpdate");
  expect(outcome.deployments.items.map((d: any) => d.metadata.name)).toEqual(["web"]);
  expect(outcome.missing.status).toBe(404);
  expect(outcome.missing.error).toMatchObject({ kind: "Status", code: 404, reason: "NotFound" });
});
