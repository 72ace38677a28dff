// Acceptance for the API: stock kubectl, through the kubeconfig `ledge up`
// writes, doing what users do every day. Assertions are on what kubectl prints
// (and on what the server stored), not only on exit codes.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { configMap, deployment, event, namespace, ownerReference, type Reference, secret, service, yamlDocuments } from "./harness/builders.ts";
import { type Cluster, eventually, type KubectlResult, startCluster, uniqueName } from "./harness/cluster.ts";

type Json = Record<string, any>;

let cluster: Cluster;

// Starting the cluster (a Bun process opening PGlite) takes longer than the default 5 s,
// and a test waiting on a controller should fail on its own deadline, not bun's.
setDefaultTimeout(60_000);

beforeAll(async () => {
  cluster = await startCluster("up");
});

afterAll(async () => {
  await cluster?.stop();
});

/** kubectl that must succeed; returns its stdout. */
async function ok(args: string[], stdin?: string): Promise<string> {
  const result = await cluster.kubectl(args, { stdin });
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(" ")} exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}\n${cluster.logs()}`);
  }
  return result.stdout;
}

/** kubectl that must fail as kubectl fails on a server error (exit code 1). */
async function fails(args: string[]): Promise<KubectlResult> {
  const result = await cluster.kubectl(args);
  if (result.code !== 1) throw new Error(`kubectl ${args.join(" ")} exited ${result.code}, expected 1\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}

const getJson = async (ns: string, ...what: string[]): Promise<Json> => JSON.parse(await ok(["get", "-n", ns, ...what, "-o", "json"]));

const lines = (text: string): string[] => text.trim().split("\n");

/** `kubectl get` output as rows keyed by header; kubectl separates columns by at least three spaces. */
function table(text: string): Record<string, string>[] {
  const [header, ...rows] = lines(text).map((line) => line.trim().split(/\s{2,}/));
  return rows.map((cells) => Object.fromEntries(header!.map((name, i) => [name, cells[i] ?? ""])));
}

const envOf = (deploymentObject: Json): Record<string, string> =>
  Object.fromEntries((deploymentObject.spec.template.spec.containers[0].env ?? []).map((e: Json) => [e.name, e.value]));

interface AppVersion {
  replicas: number;
  env: Record<string, string>;
  labels: Record<string, string>;
}

/** The multi-document app: its namespace, a config map, a secret, a deployment and a service. */
const app = (ns: string, version: AppVersion): string =>
  yamlDocuments(
    namespace(ns),
    configMap(ns, "web-config", { greeting: "hello" }),
    secret(ns, "web-secret", { password: "s3cret" }),
    deployment(ns, "web", { replicas: version.replicas, env: version.env, labels: version.labels }),
    service(ns, "web"),
  );

const APP_V1: AppVersion = { replicas: 2, env: { MODE: "blue", LEVEL: "info" }, labels: { app: "web", tier: "frontend" } };

/** A fresh namespace holding the app, applied client-side; returns the namespace. */
async function appliedApp(prefix: string): Promise<string> {
  const ns = uniqueName(prefix);
  await ok(["apply", "-f", cluster.file(`${ns}.yaml`, app(ns, APP_V1))]);
  return ns;
}

const referenceTo = (object: Json): Reference => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  name: object.metadata.name,
  uid: object.metadata.uid,
});

describe("kubectl apply (client side)", () => {
  test("creates every object of a multi-document file, defaulted and stored", async () => {
    const ns = uniqueName("apply");
    const out = await ok(["apply", "-f", cluster.file(`${ns}.yaml`, app(ns, APP_V1))]);
    expect(lines(out)).toEqual([
      `namespace/${ns} created`,
      "configmap/web-config created",
      "secret/web-secret created",
      "deployment.apps/web created",
      "service/web created",
    ]);

    const list = await getJson(ns, "configmap/web-config", "secret/web-secret", "deployment/web", "service/web");
    const [config, secretObject, web, svc] = list.items as Json[];
    expect(list.items.map((i: Json) => i.kind)).toEqual(["ConfigMap", "Secret", "Deployment", "Service"]);
    expect(config!.data).toEqual({ greeting: "hello" });
    // stringData is write-only: it is stored base64-encoded in data.
    expect(secretObject!.data).toEqual({ password: Buffer.from("s3cret").toString("base64") });
    expect(secretObject!.stringData).toBeUndefined();
    expect(web!.spec.replicas).toBe(2);
    expect(web!.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
    expect(web!.spec.template.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
    expect(svc!.spec.type).toBe("ClusterIP");
    expect(svc!.spec.ports).toEqual([{ port: 80, targetPort: 80, protocol: "TCP" }]);
    expect(JSON.parse(web!.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).spec.replicas).toBe(2);
  });

  test("again after an edit: a three-way strategic merge keeps what others changed", async () => {
    const ns = await appliedApp("reapply");
    // Changes made outside the file: kept unless the file now says otherwise.
    await ok(["label", "-n", ns, "deployment/web", "owner=ops"]);
    await ok(["set", "env", "-n", ns, "deployment/web", "EXTRA=1"]);
    await ok(["scale", "-n", ns, "deployment/web", "--replicas=5"]);

    // The edit: replicas and an env var change, an env var and a label go.
    const edited = app(ns, { replicas: 3, env: { MODE: "green" }, labels: { app: "web" } });
    const out = await ok(["apply", "-f", cluster.file(`${ns}-v2.yaml`, edited)]);
    expect(lines(out)).toContain("deployment.apps/web configured");
    expect(lines(out)).toContain("configmap/web-config unchanged");
    expect(lines(out)).toContain("service/web unchanged");

    const web = await getJson(ns, "deployment/web");
    expect(web.spec.replicas).toBe(3);
    expect(web.metadata.labels).toEqual({ app: "web", owner: "ops" });
    expect(envOf(web)).toEqual({ MODE: "green", EXTRA: "1" });
    const lastApplied = JSON.parse(web.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]);
    expect(lastApplied.metadata.labels).toEqual({ app: "web" });
    expect(lastApplied.spec.replicas).toBe(3);
  });
});

describe("kubectl get", () => {
  test("prints tables, wide tables, YAML, JSON, JSONPath and names", async () => {
    const ns = await appliedApp("get");

    const [web] = table(await ok(["get", "-n", ns, "deployments"]));
    expect(Object.keys(web!)).toEqual(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    // Status columns are the controllers' to fill, at their pace: only their shape is certain.
    expect(web).toMatchObject({ NAME: "web", READY: expect.stringMatching(/^\d+\/2$/), "UP-TO-DATE": expect.stringMatching(/^\d+$/) });

    const [wide] = table(await ok(["get", "-n", ns, "deployments", "-o", "wide"]));
    expect(Object.keys(wide!)).toEqual(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
    expect(wide).toMatchObject({ NAME: "web", CONTAINERS: "web", IMAGES: "nginx:1.27", SELECTOR: "app=web" });

    const [svc] = table(await ok(["get", "-n", ns, "service", "web", "-o", "wide"]));
    expect(Object.keys(svc!)).toEqual(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]);
    expect(svc).toMatchObject({ NAME: "web", TYPE: "ClusterIP", "EXTERNAL-IP": "<none>", "PORT(S)": "80/TCP", SELECTOR: "app=web" });

    const [config] = table(await ok(["get", "-n", ns, "configmap", "web-config"]));
    expect(config).toMatchObject({ NAME: "web-config", DATA: "1" });
    const [secretRow] = table(await ok(["get", "-n", ns, "secret", "web-secret"]));
    expect(secretRow).toMatchObject({ NAME: "web-secret", TYPE: "Opaque", DATA: "1" });

    const yaml = parseYaml(await ok(["get", "-n", ns, "deployment", "web", "-o", "yaml"]));
    expect(yaml).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: ns }, spec: { replicas: 2 } });

    const json = await getJson(ns, "deployments");
    expect(json.kind).toBe("List");
    expect(json.items.map((i: Json) => i.metadata.name)).toEqual(["web"]);

    expect(await ok(["get", "-n", ns, "deployment", "web", "-o", "jsonpath={.spec.replicas}/{.spec.template.spec.containers[0].image}"])).toBe(
      "2/nginx:1.27",
    );
    const range = "jsonpath={range .items[*]}{.metadata.name}={.data.greeting}{'\\n'}{end}";
    expect(await ok(["get", "-n", ns, "configmaps", "--field-selector", "metadata.name=web-config", "-o", range])).toBe("web-config=hello\n");

    expect(await ok(["get", "-n", ns, "deployments,services", "-l", "app=web", "-o", "name"])).toBe("deployment.apps/web\n");
    const none = await cluster.kubectl(["get", "-n", ns, "deployments", "-l", "app=nothing"]);
    expect(none).toMatchObject({ code: 0, stdout: "" });
    expect(none.stderr).toBe(`No resources found in ${ns} namespace.\n`);
  });

  test("-w prints the changes made while it watches", async () => {
    const ns = await cluster.namespace("watch");
    await ok(["create", "-f", "-"], JSON.stringify(configMap(ns, "watched", { a: "1" })));
    const watch = cluster.kubectlStream(["get", "-n", ns, "configmaps", "-w", "--output-watch-events"]);
    const row = (type: string, name: string, data: number) => new RegExp(`^${type}\\s+${name}\\s+${data}\\s`, "m");

    await watch.waitFor("the initial ADDED row", (out) => row("ADDED", "watched", 1).test(out));
    await ok(["patch", "-n", ns, "configmap", "watched", "--type=merge", "-p", '{"data":{"b":"2"}}']);
    await watch.waitFor("the MODIFIED row with two keys", (out) => row("MODIFIED", "watched", 2).test(out));
    await ok(["delete", "-n", ns, "configmap", "watched"]);
    const out = await watch.waitFor("the DELETED row", (text) => row("DELETED", "watched", 2).test(text));
    expect(lines(out)[0]).toMatch(/^EVENT\s+NAME\s+DATA\s+AGE$/);
    await watch.stop();
  });
});

describe("kubectl describe", () => {
  test("shows a deployment with its events", async () => {
    const ns = await appliedApp("describe");
    const web = await getJson(ns, "deployment/web");
    const recorded = event(ns, referenceTo(web), "ScalingReplicaSet", "Scaled up replica set web-7d4b9 to 2");
    expect(await ok(["create", "-f", cluster.file(`${ns}-event.yaml`, yamlDocuments(recorded))])).toBe("event/web.scalingreplicaset created\n");

    const out = await ok(["describe", "-n", ns, "deployment", "web"]);
    expect(out).toMatch(/^Name:\s+web$/m);
    expect(out).toMatch(new RegExp(`^Namespace:\\s+${ns}$`, "m"));
    expect(out).toMatch(/^Selector:\s+app=web$/m);
    expect(out).toMatch(/^Replicas:\s+2 desired \| \d+ updated \| \d+ total \| \d+ available \| \d+ unavailable$/m);
    expect(out).toMatch(/^StrategyType:\s+RollingUpdate$/m);
    expect(out).toMatch(/^\s+Image:\s+nginx:1\.27$/m);
    expect(out).toMatch(/^\s+MODE:\s+blue$/m);
    expect(out).toMatch(/^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n/m);
    expect(out).toMatch(/^\s+Normal\s+ScalingReplicaSet\s+\S+\s+e2e\s+Scaled up replica set web-7d4b9 to 2$/m);
  });
});

describe("kubectl label and annotate", () => {
  test("add, refuse to overwrite without --overwrite, overwrite and remove with key-", async () => {
    const ns = await appliedApp("label");
    const labels = async () => JSON.parse(await ok(["get", "-n", ns, "deployment", "web", "-o", "jsonpath={.metadata.labels}"]));

    expect(await ok(["label", "-n", ns, "deployment", "web", "team=a"])).toBe("deployment.apps/web labeled\n");
    const refused = await fails(["label", "-n", ns, "deployment", "web", "team=b"]);
    expect(refused.stderr).toContain("'team' already has a value (a), and --overwrite is false");
    await ok(["label", "-n", ns, "deployment", "web", "team=b", "--overwrite"]);
    expect(await labels()).toEqual({ app: "web", tier: "frontend", team: "b" });
    expect(await ok(["label", "-n", ns, "deployment", "web", "team-", "tier-"])).toBe("deployment.apps/web unlabeled\n");
    expect(await labels()).toEqual({ app: "web" });

    const annotations = async () => JSON.parse(await ok(["get", "-n", ns, "configmap", "web-config", "-o", "jsonpath={.metadata.annotations}"]));
    expect(await ok(["annotate", "-n", ns, "configmap", "web-config", "note=hello world", "owner=ops"])).toBe("configmap/web-config annotated\n");
    expect(await annotations()).toMatchObject({ note: "hello world", owner: "ops" });
    await ok(["annotate", "-n", ns, "configmap", "web-config", "note-"]);
    const after = await annotations();
    expect(after.note).toBeUndefined();
    expect(after.owner).toBe("ops");
  });
});

describe("kubectl patch", () => {
  test("--type=json, merge and strategic each merge their own way", async () => {
    const ns = await appliedApp("patch");
    const web = () => getJson(ns, "deployment/web");
    const patch = (type: string, body: unknown) => ok(["patch", "-n", ns, "deployment", "web", `--type=${type}`, "-p", JSON.stringify(body)]);

    expect(
      await patch("json", [
        { op: "replace", path: "/spec/replicas", value: 4 },
        { op: "add", path: "/metadata/labels/patched~1by", value: "json" },
      ]),
    ).toBe("deployment.apps/web patched\n");
    expect((await web()).spec.replicas).toBe(4);
    expect((await web()).metadata.labels["patched/by"]).toBe("json");
    const failedTest = await fails(["patch", "-n", ns, "deployment", "web", "--type=json", "-p", '[{"op":"test","path":"/spec/replicas","value":9}]']);
    expect(failedTest.stderr).toContain("testing value /spec/replicas failed");

    // Strategic: containers merge by name, so the env and ports stay.
    await patch("strategic", { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.28", env: [{ name: "ADDED", value: "yes" }] }] } } } });
    let container = (await web()).spec.template.spec.containers[0];
    expect(container.image).toBe("nginx:1.28");
    expect(envOf(await web())).toEqual({ MODE: "blue", LEVEL: "info", ADDED: "yes" });
    expect(container.ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
    expect(await patch("strategic", { spec: { replicas: 4 } })).toBe("deployment.apps/web patched (no change)\n");

    // Merge: a list is replaced whole, and null removes a key.
    await patch("merge", { metadata: { labels: { "patched/by": null } }, spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.29" }] } } } });
    const merged = await web();
    container = merged.spec.template.spec.containers[0];
    expect(container.image).toBe("nginx:1.29");
    expect(container.env).toBeUndefined();
    expect(container.ports).toBeUndefined();
    expect(merged.metadata.labels["patched/by"]).toBeUndefined();
  });
});

describe("kubectl scale", () => {
  test("sets replicas through the scale subresource and honours --current-replicas", async () => {
    const ns = await appliedApp("scale");
    expect(await ok(["scale", "-n", ns, "deployment/web", "--replicas=4"])).toBe("deployment.apps/web scaled\n");
    expect(await ok(["get", "-n", ns, "deployment", "web", "-o", "jsonpath={.spec.replicas}"])).toBe("4");
    const [scale] = table(await ok(["get", "-n", ns, "deployment", "web", "--subresource=scale"]));
    expect(scale).toEqual({ NAME: "web", DESIRED: "4", AVAILABLE: expect.stringMatching(/^\d+$/) });

    const stale = await fails(["scale", "-n", ns, "deployment/web", "--current-replicas=2", "--replicas=1"]);
    expect(stale.stderr).toContain("Expected replicas to be 2, was 4");
    expect(await ok(["get", "-n", ns, "deployment", "web", "-o", "jsonpath={.spec.replicas}"])).toBe("4");
  });
});

describe("kubectl delete --wait", () => {
  /** The app's deployment and a config map it owns, as a controller would have made it. */
  async function ownerAndChild(prefix: string, blockOwnerDeletion = false): Promise<string> {
    const ns = await appliedApp(prefix);
    const owner = referenceTo(await getJson(ns, "deployment/web"));
    const child = configMap(ns, "web-child", { owned: "yes" }, { ownerReferences: [ownerReference(owner, blockOwnerDeletion)] });
    await ok(["create", "-f", "-"], JSON.stringify(child));
    return ns;
  }

  const deleteWeb = (ns: string, cascade: string) =>
    ok(["delete", "-n", ns, "deployment", "web", `--cascade=${cascade}`, "--wait", "--timeout=20s"]);

  async function expectGone(ns: string, what: string, name: string): Promise<void> {
    const result = await fails(["get", "-n", ns, what, name]);
    expect(result.stderr).toMatch(new RegExp(`\\(NotFound\\): \\S+ "${name}" not found`));
  }

  test("--cascade=background deletes the owner at once and its dependents after", async () => {
    const ns = await ownerAndChild("bg");
    expect(await deleteWeb(ns, "background")).toBe('deployment.apps "web" deleted\n');
    await expectGone(ns, "deployment", "web");
    await eventually("the garbage collector to delete the owned config map", async () => (await cluster.kubectl(["get", "-n", ns, "configmap", "web-child"])).code === 1);
    await expectGone(ns, "configmap", "web-child");
  });

  test("--cascade=orphan deletes the owner and leaves its dependents without the ownerReference", async () => {
    const ns = await ownerAndChild("orphan");
    expect(await deleteWeb(ns, "orphan")).toBe('deployment.apps "web" deleted\n');
    await expectGone(ns, "deployment", "web");
    const child = await getJson(ns, "configmap/web-child");
    expect(child.data).toEqual({ owned: "yes" });
    expect(child.metadata.ownerReferences).toBeUndefined();
  });

  test("--cascade=foreground deletes blocking dependents before the owner", async () => {
    const ns = await ownerAndChild("fg", true);
    expect(await deleteWeb(ns, "foreground")).toBe('deployment.apps "web" deleted\n');
    await expectGone(ns, "deployment", "web");
    await expectGone(ns, "configmap", "web-child");
  });
});

describe("kubectl api-resources and explain", () => {
  test("api-resources lists the served kinds with short names, scope and verbs", async () => {
    const rows = table(await ok(["api-resources"]));
    const byName = (name: string) => rows.find((r) => r.NAME === name);
    expect(byName("deployments")).toEqual({ NAME: "deployments", SHORTNAMES: "deploy", APIVERSION: "apps/v1", NAMESPACED: "true", KIND: "Deployment" });
    expect(byName("configmaps")).toEqual({ NAME: "configmaps", SHORTNAMES: "cm", APIVERSION: "v1", NAMESPACED: "true", KIND: "ConfigMap" });
    expect(byName("namespaces")).toEqual({ NAME: "namespaces", SHORTNAMES: "ns", APIVERSION: "v1", NAMESPACED: "false", KIND: "Namespace" });

    expect(lines(await ok(["api-resources", "--api-group=apps", "-o", "name"]))).toEqual(["daemonsets.apps", "deployments.apps", "replicasets.apps"]);
    const wide = table(await ok(["api-resources", "-o", "wide"])).find((r) => r.NAME === "configmaps");
    expect(wide?.VERBS).toBe("create,delete,deletecollection,get,list,patch,update,watch");
  });

  test("explain describes fields from the OpenAPI document", async () => {
    const strategy = await ok(["explain", "deployment.spec.strategy"]);
    expect(strategy).toMatch(/^GROUP:\s+apps$/m);
    expect(strategy).toMatch(/^KIND:\s+Deployment$/m);
    expect(strategy).toMatch(/^VERSION:\s+v1$/m);
    expect(strategy).toMatch(/^FIELD: strategy <DeploymentStrategy>$/m);
    expect(strategy).toMatch(/^ {2}rollingUpdate\t<RollingUpdateDeployment>\n {4}Rolling update config params\. Present only if DeploymentStrategyType =\n {4}RollingUpdate\.$/m);
    expect(strategy).toMatch(/^ {2}type\t<string>\n {2}enum: Recreate, RollingUpdate$/m);

    const containers = await ok(["explain", "pods.spec.containers"]);
    expect(containers).toMatch(/^KIND:\s+Pod$/m);
    expect(containers).toMatch(/^FIELD: containers <\[\]Container>$/m);
    expect(containers).toMatch(/^ {2}image\t<string>$/m);
    expect(containers).toMatch(/^ {2}name\t<string> -required-$/m);

    const missing = await fails(["explain", "deployment.spec.nope"]);
    expect(missing.stderr).toContain('field "nope" does not exist');
  });
});

describe("kubectl apply --server-side", () => {
  test("creates, reports a second manager's conflict, and hands the field over with --force-conflicts", async () => {
    const ns = await cluster.namespace("ssa");
    const settings = (data: Record<string, string>) => yamlDocuments(configMap(ns, "settings", data));
    const first = yamlDocuments(configMap(ns, "settings", { color: "blue", size: "large" }), deployment(ns, "api"));
    expect(lines(await ok(["apply", "--server-side", "-f", cluster.file(`${ns}-1.yaml`, first)]))).toEqual([
      "configmap/settings serverside-applied",
      "deployment.apps/api serverside-applied",
    ]);
    const managers = async () => {
      const object = JSON.parse(await ok(["get", "-n", ns, "configmap", "settings", "-o", "json", "--show-managed-fields"]));
      return Object.fromEntries((object.metadata.managedFields as Json[]).map((m) => [m.manager, { operation: m.operation, fields: m.fieldsV1 }]));
    };
    expect(await managers()).toEqual({ kubectl: { operation: "Apply", fields: { "f:data": { "f:color": {}, "f:size": {} } } } });

    const other = cluster.file(`${ns}-2.yaml`, settings({ color: "red" }));
    const conflict = await fails(["apply", "--server-side", "--field-manager=other", "-f", other]);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .data.color');
    expect(conflict.stderr).toContain("--force-conflicts");
    expect((await getJson(ns, "configmap/settings")).data).toEqual({ color: "blue", size: "large" });

    expect(await ok(["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", other])).toBe("configmap/settings serverside-applied\n");
    expect((await getJson(ns, "configmap/settings")).data).toEqual({ color: "red", size: "large" });
    expect(await managers()).toEqual({
      kubectl: { operation: "Apply", fields: { "f:data": { "f:size": {} } } },
      other: { operation: "Apply", fields: { "f:data": { "f:color": {} } } },
    });
  });
});

describe("kubectl create --dry-run=server", () => {
  test("answers with the defaulted objects and stores nothing", async () => {
    const ns = await cluster.namespace("dry");
    const path = cluster.file(`${ns}.yaml`, yamlDocuments(configMap(ns, "dry", { a: "b" }), deployment(ns, "dry")));
    expect(lines(await ok(["create", "--dry-run=server", "-f", path]))).toEqual([
      "configmap/dry created (server dry run)",
      "deployment.apps/dry created (server dry run)",
    ]);
    const answered = parseAllDocuments(await ok(["create", "--dry-run=server", "-f", path, "-o", "yaml"])).map((d) => d.toJS() as Json);
    expect(answered.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["ConfigMap/dry", "Deployment/dry"]);
    expect(answered[1]!.spec.strategy.type).toBe("RollingUpdate");
    for (const what of ["configmap", "deployment"]) {
      const result = await fails(["get", "-n", ns, what, "dry"]);
      expect(result.stderr).toContain('"dry" not found');
    }
  });
});

describe("kubectl with bad input", () => {
  test("an invalid object is rejected with exit code 1 and the Invalid message", async () => {
    const ns = await cluster.namespace("invalid");
    const badName = await fails(["create", "-f", cluster.file(`${ns}-name.yaml`, yamlDocuments(configMap(ns, "Bad_Name", {})))]);
    expect(badName.stderr).toContain(
      'The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters',
    );
    const negative = await fails(["apply", "-f", cluster.file(`${ns}-replicas.yaml`, yamlDocuments(deployment(ns, "web", { replicas: -1 })))]);
    expect(negative.stderr).toContain('The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect((await getJson(ns, "deployments")).items).toEqual([]);
  });

  test("an unknown field fails under the default --validate=strict and warns under --validate=warn", async () => {
    const ns = await cluster.namespace("unknown");
    const web = deployment(ns, "web");
    (web as Json).spec.template.spec.containers[0].imagePolicy = "Always";
    const path = cluster.file(`${ns}.yaml`, yamlDocuments(web));

    for (const verb of ["create", "apply"]) {
      const strict = await fails([verb, "-f", path]);
      expect(strict.stderr).toContain('strict decoding error: unknown field "spec.template.spec.containers[0].imagePolicy"');
    }
    expect((await getJson(ns, "deployments")).items).toEqual([]);

    const warned = await cluster.kubectl(["create", "--validate=warn", "-f", path]);
    expect(warned).toMatchObject({ code: 0, stdout: "deployment.apps/web created\n" });
    expect(warned.stderr).toContain('Warning: unknown field "spec.template.spec.containers[0].imagePolicy"');
    expect((await getJson(ns, "deployment/web")).spec.template.spec.containers[0].imagePolicy).toBeUndefined();
  });
});

describe("kubectl apply --server-side after client-side apply", () => {
  test("takes the objects over from kubectl's client-side apply without conflicts", async () => {
    const ns = await appliedApp("migrate");
    const path = cluster.file(`${ns}-ssa.yaml`, app(ns, APP_V1));
    const result = await cluster.kubectl(["apply", "--server-side", "-f", path]);
    expect(result.stderr).toBe("");
    expect(lines(result.stdout)).toEqual([
      `namespace/${ns} serverside-applied`,
      "configmap/web-config serverside-applied",
      "secret/web-secret serverside-applied",
      "deployment.apps/web serverside-applied",
      "service/web serverside-applied",
    ]);
    // The port's protocol is defaulted, so the applied port (without one) is the stored one, not a second entry.
    expect((await getJson(ns, "service/web")).spec.ports).toEqual([{ port: 80, targetPort: 80, protocol: "TCP" }]);
    const web = JSON.parse(await ok(["get", "-n", ns, "deployment", "web", "-o", "json", "--show-managed-fields"]));
    expect(web.spec.replicas).toBe(2);
    expect(envOf(web)).toEqual({ MODE: "blue", LEVEL: "info" });
    expect(web.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
    // kubectl moved client-side apply's fields to "kubectl", and keeps the annotation under its own manager.
    const managers = (web.metadata.managedFields as Json[]).map((m) => `${m.manager}/${m.operation}`);
    expect(managers).toContain("kubectl/Apply");
    expect(managers).toContain("kubectl-last-applied/Apply");
    expect(managers).not.toContain("kubectl-client-side-apply/Update");
  });
});
