// kubectl's typed commands (`create configmap`, `create deployment`, `debug`,
// …) send their objects as Kubernetes protobuf. Each test runs one through
// stock kubectl with -v=8, checks from kubectl's own log that the write went
// out as protobuf (so the test cannot pass on JSON by accident), and asserts
// on the object the server stored: everything kubectl meant, as its
// --dry-run=client -o json prints it, plus the server's defaults.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Cluster, eventually, startCluster, uniqueName } from "./harness/cluster.ts";

type Json = Record<string, any>;

const PROTOBUF = "application/vnd.kubernetes.protobuf";

let cluster: Cluster;

setDefaultTimeout(60_000);

beforeAll(async () => {
  cluster = await startCluster("up");
});

afterAll(async () => {
  await cluster?.stop();
});

interface Sent {
  method: string;
  path: string;
  contentType?: string;
  status?: number;
}

/**
 * Runs kubectl at -v=8 and reads the writes it made from its log: method,
 * path, request Content-Type and response status.
 */
async function traced(args: string[]): Promise<{ stdout: string; writes: Sent[] }> {
  const result = await cluster.kubectl(["-v=8", ...args]);
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(" ")} exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}\n${cluster.logs()}`);
  }
  const sent: Sent[] = [];
  let current: Sent | undefined;
  let inRequestHeaders = false;
  for (const line of result.stderr.split("\n")) {
    const request = /round_trippers\.go:\d+\] (GET|POST|PUT|PATCH|DELETE) (\S+)/.exec(line);
    if (request) {
      current = { method: request[1]!, path: new URL(request[2]!).pathname };
      sent.push(current);
      inRequestHeaders = false;
    } else if (line.includes("Request Headers:")) inRequestHeaders = true;
    else if (/Response Status: (\d+)/.test(line)) {
      inRequestHeaders = false;
      if (current) current.status = Number(/Response Status: (\d+)/.exec(line)![1]);
    } else if (inRequestHeaders && current) {
      const contentType = /Content-Type: (\S+)/.exec(line);
      if (contentType) current.contentType = contentType[1];
    }
  }
  return { stdout: result.stdout, writes: sent.filter((s) => s.method !== "GET") };
}

async function ok(args: string[]): Promise<string> {
  const result = await cluster.kubectl(args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${result.code}\nstderr:\n${result.stderr}`);
  return result.stdout;
}

const getJson = async (...what: string[]): Promise<Json> => JSON.parse(await ok(["get", ...what, "-o", "json"]));

/**
 * What kubectl means to create: the command's --dry-run=client -o json, less
 * the nulls Go writes for unset times and the status, which the server owns.
 */
async function intended(args: string[]): Promise<Json> {
  const printed = await ok(["--dry-run=client", "-o", "json", ...args]);
  const { status: _status, ...object } = JSON.parse(printed, (_key, value) => (value === null ? undefined : value));
  return object;
}

/** Runs a typed create: it must go out as one protobuf POST that succeeds; returns the stored object. */
async function createdByProtobuf(args: string[], stored: string[]): Promise<{ intent: Json; object: Json }> {
  const intent = await intended(args);
  const { writes } = await traced(args);
  expect(writes).toEqual([expect.objectContaining({ method: "POST", contentType: PROTOBUF, status: 201 })]);
  const object = await getJson(...stored);
  expect(object).toMatchObject(intent);
  return { intent, object };
}

// A throwaway self-signed P-256 certificate and its key, for `create secret tls` only.
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBfjCCASOgAwIBAgIUd7eUnkIAJxbA7jXouKQvSGy4N5gwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbGVkZ2UtZTJlMB4XDTI2MTEyMjAzMjAxN1oXDTM2MTExOTAz
MjAxN1owFDESMBAGA1UEAwwJbGVkZ2UtZTJlMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEGzcvFCfVk60uKyqy7fcb2xrOTJSqC5Mi9NRyxyasPqb3tsOteqYREr3y
9y2Z8L31lv5u3rkA5BRml7EKTDi+/aNTMFEwHQYDVR0OBBYEFD+Zhp9srpvmAfW/
KBs8e66E1+j5MB8GA1UdIwQYMBaAFD+Zhp9srpvmAfW/KBs8e66E1+j5MA8GA1Ud
EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAOi5ktrrA5aMErGykbeC/msL
/EltQkblSHF3yp/Ozw7jAiEAmf17dwSnmHYePsaiPiNj8G7xjY4GxtqLIQpRSZAx
bp0=
-----END CERTIFICATE-----
`;
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAb7MCLRslJxkaiAH
RlXJ4evltpHqLkRrAFWNIeLDmhehRANCAAQbNy8UJ9WTrS4rKrLt9xvbGs5MlKoL
kyL01HLHJqw+pve2w616phESvfL3LZnwvfWW/m7euQDkFGaXsQpMOL79
-----END PRIVATE KEY-----
`;

const base64 = (text: string | Uint8Array) => Buffer.from(text).toString("base64");

describe("kubectl's protobuf writes", () => {
  test("create namespace", async () => {
    const name = uniqueName("pb-ns");
    const { object } = await createdByProtobuf(["create", "namespace", name], ["namespace", name]);
    expect(object.status.phase).toBe("Active");
  });

  test("create configmap: literals and a binary file", async () => {
    const ns = await cluster.namespace("pb");
    const binary = Uint8Array.of(0x68, 0x69, 0x00, 0xff, 0xfe);
    const path = cluster.file(`${ns}-blob.bin`, "");
    await Bun.write(path, binary);
    const { object } = await createdByProtobuf(
      ["create", "configmap", "settings", "-n", ns, "--from-literal=mode=blue", "--from-literal=empty=", `--from-file=blob=${path}`],
      ["configmap", "settings", "-n", ns],
    );
    expect(object.data).toEqual({ mode: "blue", empty: "" });
    expect(object.binaryData).toEqual({ blob: base64(binary) });
  });

  test.each([
    ["generic", ["--from-literal=user=admin", "--from-literal=password=s3cr3t", "--type=Opaque"], "Opaque", { user: base64("admin"), password: base64("s3cr3t") }],
    ["docker-registry", ["--docker-server=registry.example", "--docker-username=u", "--docker-password=p", "--docker-email=u@example.com"], "kubernetes.io/dockerconfigjson", undefined],
  ])("create secret %s", async (type, flags, secretType, data) => {
    const ns = await cluster.namespace("pb");
    const { object } = await createdByProtobuf(["create", "secret", type, "s", "-n", ns, ...flags], ["secret", "s", "-n", ns]);
    expect(object.type).toBe(secretType);
    if (data) expect(object.data).toEqual(data);
    else expect(JSON.parse(Buffer.from(object.data[".dockerconfigjson"], "base64").toString()).auths["registry.example"].username).toBe("u");
  });

  test("create secret tls", async () => {
    const ns = await cluster.namespace("pb");
    const cert = cluster.file(`${ns}-tls.crt`, TLS_CERT);
    const key = cluster.file(`${ns}-tls.key`, TLS_KEY);
    const { object } = await createdByProtobuf(["create", "secret", "tls", "web-tls", "-n", ns, `--cert=${cert}`, `--key=${key}`], ["secret", "web-tls", "-n", ns]);
    expect(object.type).toBe("kubernetes.io/tls");
    expect(object.data).toEqual({ "tls.crt": base64(TLS_CERT), "tls.key": base64(TLS_KEY) });
  });

  test("create deployment: replicas, a port, a command, and the pod template's defaults", async () => {
    const ns = await cluster.namespace("pb");
    const { object } = await createdByProtobuf(
      ["create", "deployment", "web", "-n", ns, "--image=nginx:1.27", "--replicas=3", "--port=80"],
      ["deployment", "web", "-n", ns],
    );
    expect(object.spec.replicas).toBe(3);
    expect(object.spec.selector).toEqual({ matchLabels: { app: "web" } });
    const [container] = object.spec.template.spec.containers;
    expect(container).toMatchObject({ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80, protocol: "TCP" }] });
    expect(object.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });

    const { object: withCommand } = await createdByProtobuf(
      ["create", "deployment", "sleeper", "-n", ns, "--image=busybox", "--", "sleep", "3600"],
      ["deployment", "sleeper", "-n", ns],
    );
    expect(withCommand.spec.template.spec.containers[0].command).toEqual(["sleep", "3600"]);
  });

  test("create deployment --replicas=0 keeps the explicit zero", async () => {
    const ns = await cluster.namespace("pb");
    const { object } = await createdByProtobuf(["create", "deployment", "idle", "-n", ns, "--image=nginx:1.27", "--replicas=0"], ["deployment", "idle", "-n", ns]);
    expect(object.spec.replicas).toBe(0);
  });

  test.each([
    ["clusterip", ["--tcp=80:8080", "--tcp=443:8443"], { type: "ClusterIP", ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] }],
    ["clusterip", ["--clusterip=None"], { type: "ClusterIP", clusterIP: "None" }],
    ["nodeport", ["--tcp=81:http", "--node-port=30081"], { type: "NodePort", ports: [{ port: 81, targetPort: "http", nodePort: 30081 }] }],
    ["loadbalancer", ["--tcp=82:82"], { type: "LoadBalancer", ports: [{ port: 82, targetPort: 82 }] }],
    ["externalname", ["--external-name=example.com"], { type: "ExternalName", externalName: "example.com" }],
  ] as [string, string[], Json][])("create service %s %j", async (type, flags, spec) => {
    const ns = await cluster.namespace("pb");
    const { object } = await createdByProtobuf(["create", "service", type, "svc", "-n", ns, ...flags], ["service", "svc", "-n", ns]);
    expect(object.spec).toMatchObject(spec);
  });

  test("create serviceaccount", async () => {
    const ns = await cluster.namespace("pb");
    const { object } = await createdByProtobuf(["create", "serviceaccount", "robot", "-n", ns], ["serviceaccount", "robot", "-n", ns]);
    expect(object.metadata).toMatchObject({ name: "robot", namespace: ns });
  });

  test("create --dry-run=server sends protobuf and stores nothing", async () => {
    const ns = await cluster.namespace("pb");
    const { stdout, writes } = await traced(["create", "configmap", "dry", "-n", ns, "--from-literal=a=b", "--dry-run=server", "-o", "json"]);
    expect(writes).toEqual([expect.objectContaining({ method: "POST", contentType: PROTOBUF, status: 201 })]);
    expect(JSON.parse(stdout).data).toEqual({ a: "b" });
    expect((await cluster.kubectl(["get", "configmap", "dry", "-n", ns])).code).toBe(1);
  });

  test("debug node/…: the node debugging pod kubectl builds arrives whole", async () => {
    const node = uniqueName("pb-node");
    await ok(["create", "-f", cluster.file(`${node}.json`, JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name: node } }))]);
    const ns = await cluster.namespace("pb");
    const { writes } = await traced(["debug", `node/${node}`, "-n", ns, "--image=busybox", "--profile=sysadmin", "--", "true"]);
    expect(writes).toEqual([expect.objectContaining({ method: "POST", path: `/api/v1/namespaces/${ns}/pods`, contentType: PROTOBUF, status: 201 })]);
    const pods = (await getJson("pods", "-n", ns)).items as Json[];
    expect(pods).toHaveLength(1);
    expect(pods[0]!.spec).toMatchObject({
      nodeName: node,
      hostNetwork: true,
      hostPID: true,
      hostIPC: true,
      restartPolicy: "Never",
      tolerations: [{ operator: "Exists" }],
      volumes: [{ name: "host-root", hostPath: { path: "/" } }],
      containers: [{ name: "debugger", image: "busybox", command: ["true"], securityContext: { privileged: true }, volumeMounts: [{ name: "host-root", mountPath: "/host" }] }],
    });
  });

  test("debug --copy-to: a copy of a pod with an extra container", async () => {
    const ns = await cluster.namespace("pb");
    await ok(["run", "app", "-n", ns, "--image=busybox", "--restart=Never", "--labels=app=demo", "--env=MODE=blue", "--", "sleep", "3600"]);
    const { writes } = await traced(["debug", "app", "-n", ns, "--copy-to=app-debug", "--image=busybox", "--container=dbg", "--", "sleep", "1"]);
    expect(writes).toEqual([expect.objectContaining({ method: "POST", contentType: PROTOBUF, status: 201 })]);
    const copy = await getJson("pod", "app-debug", "-n", ns);
    expect(copy.spec.containers).toMatchObject([
      { name: "app", image: "busybox", args: ["sleep", "3600"], env: [{ name: "MODE", value: "blue" }] },
      { name: "dbg", image: "busybox", command: ["sleep", "1"] },
    ]);
  });
});

// kubectl 1.32 sends these as JSON; they are here because they are the other
// object-creating commands users reach for, and the server answers kubectl's
// protobuf-first Accept header with JSON throughout.
describe("kubectl's other object-creating commands", () => {
  test("run and expose", async () => {
    const ns = await cluster.namespace("pb");
    await traced(["run", "web", "-n", ns, "--image=nginx:1.27", "--port=80", "--labels=app=web", "--env=A=1", "--annotations=note=hi"]);
    const pod = await getJson("pod", "web", "-n", ns);
    expect(pod.metadata).toMatchObject({ labels: { app: "web" }, annotations: { note: "hi" } });
    expect(pod.spec.containers[0]).toMatchObject({ image: "nginx:1.27", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }] });
    await traced(["expose", "pod", "web", "-n", ns, "--port=8080", "--target-port=80", "--name=web-svc"]);
    const service = await getJson("service", "web-svc", "-n", ns);
    expect(service.spec).toMatchObject({ selector: { app: "web" }, ports: [{ port: 8080, targetPort: 80, protocol: "TCP" }] });
  });

  test("drain evicts the node's pods", async () => {
    const node = uniqueName("pb-drain");
    await ok(["create", "-f", cluster.file(`${node}.json`, JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name: node } }))]);
    const ns = await cluster.namespace("pb");
    await ok(["run", "victim", "-n", ns, "--image=busybox", "--restart=Never", `--overrides={"spec":{"nodeName":"${node}"}}`]);
    const { writes } = await traced(["drain", node, "--force", "--grace-period=0", "--timeout=30s"]);
    expect(writes).toContainEqual(expect.objectContaining({ method: "POST", path: `/api/v1/namespaces/${ns}/pods/victim/eviction`, status: 201 }));
    expect((await getJson("node", node)).spec.unschedulable).toBe(true);
    await eventually("the evicted pod to be gone", async () => (await cluster.kubectl(["get", "pod", "victim", "-n", ns])).code === 1);
  });
});
