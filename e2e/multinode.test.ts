// Three nodes on one machine (e2e/multinode/): each agent in its own network
// namespace, in bridge mode, with the control plane on PostgreSQL. A Wasm
// HTTP component and a busybox httpd container, three replicas each spread
// over the nodes, one Service each: pod IPs come from each node's pod CIDR
// and reach across nodes; the ClusterIP answers from every node and the
// NodePort from outside them, reaching every replica; scaling down under a
// stream of requests loses none; a node cut off stops getting traffic once
// its pods are not ready. Needs root (CI runs as root); skipped otherwise.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBusyboxRootfs } from "../node-agent/src/runtime/oci/testdata/busybox-rootfs.ts";
import { buildFixtures } from "../node-agent/src/runtime/testdata/fixtures.ts";
import { eventually } from "./harness/cluster.ts";
import { privatePostgresAvailable } from "./harness/postgres.ts";
import { CLUSTER_CIDR, httpGetIn, type MultiNodeCluster, startMultiNode } from "./multinode/multinode-cluster.ts";
import { multinodeUnavailable } from "./multinode/test-network.ts";

setDefaultTimeout(300_000);

const unavailable = multinodeUnavailable() ?? (privatePostgresAvailable() || process.env.DATABASE_URL ? undefined : "multi-node tests need PostgreSQL");
if (unavailable) console.warn(`${unavailable}: skipped`);

const WASM_IMAGE = "localhost/e2e/echo:1";
const OCI_IMAGE = "localhost/e2e/busybox-httpd:1";
/** The node controller's grace period: an agent renews its lease every 10 s. */
const GRACE = "20s";

let mn: MultiNodeCluster;
let rootfs: string;
let ns: string;

interface PodView {
  name: string;
  ip: string;
  node: string;
  uid: string;
  ready: boolean;
}

beforeAll(async () => {
  if (unavailable) return;
  rootfs = buildBusyboxRootfs(mkdtempSync(join(tmpdir(), "ledge-mn-rootfs-")));
  for (const applet of ["httpd", "nc"]) symlinkSync("busybox", join(rootfs, "bin", applet));
  const fixtures = await buildFixtures();
  mn = await startMultiNode({
    images: [
      { path: fixtures["http-echo"].path, reference: WASM_IMAGE },
      { path: rootfs, reference: OCI_IMAGE },
    ],
    nodeMonitorGracePeriod: GRACE,
  });
  ns = await mn.cluster.namespace("mn");
  await mn.ok(["apply", "-n", ns, "-f", "-"], { stdin: manifests() });
}, 600_000);

afterAll(async () => {
  // Pods first, so each agent tears its pods' networks down itself; then the agents, the server, the network.
  if (mn && ns) {
    const deleted = await mn.cluster.kubectl(["delete", "namespace", ns, "--wait=true", "--timeout=60s"], { timeoutMs: 90_000 }).catch((error: unknown) => ({ code: -1, stderr: (error as Error).message }));
    if (deleted.code !== 0) console.warn(`deleting namespace ${ns}: ${deleted.stderr} (the network is removed regardless)`);
  }
  await mn?.stop();
  if (rootfs) rmSync(rootfs, { recursive: true, force: true });
});

const spread = (app: string) =>
  `topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: ${app}}}}]`;

function manifests(): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: wasm}
spec:
  replicas: 3
  selector: {matchLabels: {app: wasm}}
  template:
    metadata: {labels: {app: wasm}}
    spec:
      runtimeClassName: wasm
      terminationGracePeriodSeconds: 2
      ${spread("wasm")}
      containers:
      - name: echo
        image: ${WASM_IMAGE}
        imagePullPolicy: Never
        ports: [{containerPort: 8080}]
        env: [{name: GREETING, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1, timeoutSeconds: 5}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: oci}
spec:
  replicas: 3
  selector: {matchLabels: {app: oci}}
  template:
    metadata: {labels: {app: oci}}
    spec:
      terminationGracePeriodSeconds: 2
      ${spread("oci")}
      containers:
      - name: httpd
        image: ${OCI_IMAGE}
        imagePullPolicy: Never
        command: ["sh", "-c", "mkdir -p /tmp/www && echo $POD_NAME > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]
        env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 1, timeoutSeconds: 5}
---
apiVersion: v1
kind: Service
metadata: {name: wasm}
spec:
  type: NodePort
  selector: {app: wasm}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: oci}
spec:
  type: NodePort
  selector: {app: oci}
  ports: [{port: 80, targetPort: 8080}]
`;
}

async function pods(app: string): Promise<PodView[]> {
  const list = await mn.json<{ items: any[] }>(["get", "pods", "-n", ns, "-l", `app=${app}`]);
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      ip: p.status?.podIP ?? "",
      node: p.spec?.nodeName ?? "",
      uid: p.metadata.uid,
      ready: p.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True") ?? false,
    }));
}

async function service(name: string): Promise<{ clusterIP: string; nodePort: number }> {
  const svc = await mn.json<any>(["get", "service", name, "-n", ns]);
  return { clusterIP: svc.spec.clusterIP, nodePort: svc.spec.ports[0].nodePort };
}

/** Which pod answered: the Wasm echo says greeting=<pod name>, the httpd serves its pod name. */
function replicaOf(app: string, body: string): string {
  return app === "wasm" ? (/greeting=(\S+)/.exec(body)?.[1] ?? "") : body.trim();
}

/**
 * A GET from the test process, outside every node, on a connection of its own:
 * the proxy balances connections, and a pooled one would meet one replica only.
 */
const getOutside = (url: string) => fetch(url, { headers: { connection: "close" }, keepalive: false, signal: AbortSignal.timeout(10_000) });

const path = (app: string) => (app === "wasm" ? "/hi" : "/index.html");
const nodeNetns = (i: number) => `/run/netns/${mn.network.nodes[i]!.netns}`;
const podNetns = (pod: PodView) => `/run/netns/ledge-${pod.node}-${pod.uid}`;
const nodeIndex = (name: string) => mn.network.nodes.findIndex((n) => n.name === name);

/** Requests until every name in `want` has answered (or the deadline); returns who answered. */
async function replicasAnswering(app: string, get: () => Promise<{ status: number; body: string } | undefined>, want: string[], timeoutMs = 30_000): Promise<Set<string>> {
  const seen = new Set<string>();
  await eventually(
    `${want.join(", ")} all answering`,
    async () => {
      const response = await get();
      if (response?.status === 200) seen.add(replicaOf(app, response.body));
      return want.every((name) => seen.has(name));
    },
    timeoutMs,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; answered: ${[...seen].join(", ") || "none"}\n${mn.logs()}`);
  });
  return seen;
}

describe.skipIf(unavailable !== undefined)("three nodes in bridge mode", () => {
  test("each node gets a pod CIDR of its own from the cluster CIDR", async () => {
    const nodes = await mn.json<{ items: any[] }>(["get", "nodes"]);
    const cidrs = nodes.items.map((n) => n.spec.podCIDR as string);
    expect(new Set(cidrs).size).toBe(3);
    for (const cidr of cidrs) expect(cidr).toMatch(/^10\.244\.\d+\.0\/24$/);
    expect(CLUSTER_CIDR).toBe("10.244.0.0/16");
  });

  test("Wasm and OCI replicas spread over the nodes, each with an IP from its node's pod CIDR", async () => {
    for (const app of ["wasm", "oci"]) await mn.ok(["rollout", "status", "-n", ns, `deployment/${app}`, "--timeout=240s"], { timeoutMs: 250_000 });
    const nodes = await mn.json<{ items: any[] }>(["get", "nodes"]);
    const cidrOf = new Map(nodes.items.map((n) => [n.metadata.name as string, n.spec.podCIDR as string]));
    for (const app of ["wasm", "oci"]) {
      const replicas = await pods(app);
      expect(replicas).toHaveLength(3);
      expect(new Set(replicas.map((p) => p.node)).size).toBe(3);
      for (const pod of replicas) {
        const prefix = cidrOf.get(pod.node)!.replace(/\.0\/24$/, ".");
        expect(pod.ip.startsWith(prefix)).toBe(true);
      }
    }
  });

  test("a pod on node 1 reaches the pods on node 3 by pod IP", async () => {
    const [first, third] = [mn.network.nodes[0]!.name, mn.network.nodes[2]!.name];
    const client = (await pods("oci")).find((p) => p.node === first)!;
    for (const app of ["oci", "wasm"]) {
      const target = (await pods(app)).find((p) => p.node === third)!;
      await replicasAnswering(app, () => httpGetIn(podNetns(client), `http://${target.ip}:8080${path(app)}`), [target.name]);
    }
    // And a Wasm pod (a process in node 1's own namespace) is reached from node 3's pods too.
    const wasmOnFirst = (await pods("wasm")).find((p) => p.node === first)!;
    const fromThird = (await pods("oci")).find((p) => p.node === third)!;
    await replicasAnswering("wasm", () => httpGetIn(podNetns(fromThird), `http://${wasmOnFirst.ip}:8080/hi`), [wasmOnFirst.name]);
  });

  test("the ClusterIP, from every node and from a pod, reaches every replica", async () => {
    for (const app of ["wasm", "oci"]) {
      const { clusterIP } = await service(app);
      const names = (await pods(app)).map((p) => p.name);
      for (let i = 0; i < mn.network.nodes.length; i++) {
        await replicasAnswering(app, () => httpGetIn(nodeNetns(i), `http://${clusterIP}${path(app)}`), names);
      }
      const pod = (await pods("oci"))[0]!;
      await replicasAnswering(app, () => httpGetIn(podNetns(pod), `http://${clusterIP}${path(app)}`), names);
    }
  });

  test("a NodePort, from outside the nodes, reaches every replica", async () => {
    for (const app of ["wasm", "oci"]) {
      const { nodePort } = await service(app);
      const names = (await pods(app)).map((p) => p.name);
      for (const node of mn.network.nodes) {
        await replicasAnswering(
          app,
          async () => {
            const response = await getOutside(`http://${node.ip}:${nodePort}${path(app)}`);
            return { status: response.status, body: await response.text() };
          },
          names,
        );
      }
    }
  });

  test("scaling down during a stream of requests loses none of them", async () => {
    const { nodePort } = await service("oci");
    const url = `http://${mn.network.nodes[0]!.ip}:${nodePort}/index.html`;
    const failures: string[] = [];
    let sent = 0;
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        sent += 1;
        const response = await getOutside(url).catch((error: unknown) => (error as Error).message);
        if (typeof response === "string") failures.push(response);
        else if (response.status !== 200) failures.push(`HTTP ${response.status}`);
        else await response.text();
      }
    })();
    await eventually("requests flowing", () => sent > 5, 30_000);
    await mn.ok(["scale", "-n", ns, "deployment/oci", "--replicas=1"]);
    await eventually("one oci pod left", async () => (await mn.json<{ items: any[] }>(["get", "pods", "-n", ns, "-l", "app=oci"])).items.length === 1, 120_000);
    const after = sent;
    await eventually("more requests after the scale-down", () => sent > after + 10, 30_000);
    streaming = false;
    await stream;
    expect(failures).toEqual([]);
  });

  test("a node cut off gets no more traffic once its pods are not ready", async () => {
    const cut = mn.network.nodes[2]!;
    const onCut = (await pods("wasm")).filter((p) => p.node === cut.name).map((p) => p.name);
    expect(onCut.length).toBeGreaterThan(0);
    const { nodePort } = await service("wasm");
    await mn.network.cut(cut);
    try {
      await eventually(
        `the pods on ${cut.name} not ready`,
        async () => (await pods("wasm")).filter((p) => p.node === cut.name).every((p) => !p.ready),
        120_000,
      );
      const url = `http://${mn.network.nodes[0]!.ip}:${nodePort}/hi`;
      const answered = new Set<string>();
      // Once the endpoints say so (a watch event away), the cut node's replica gets nothing and no request fails.
      await eventually("the endpoints without the cut node", async () => {
        const slices = await mn.json<{ items: any[] }>(["get", "endpointslices", "-n", ns, "-l", "kubernetes.io/service-name=wasm"]);
        return slices.items.flatMap((s) => s.endpoints ?? []).every((e: any) => e.nodeName !== cut.name || e.conditions?.ready === false);
      }, 30_000);
      for (let i = 0; i < 20; i++) {
        const response = await getOutside(url);
        expect(response.status).toBe(200);
        answered.add(replicaOf("wasm", await response.text()));
      }
      for (const name of onCut) expect(answered.has(name)).toBe(false);
      expect(answered.size).toBe(2);
    } finally {
      await mn.network.cut(cut, false);
    }
  });

  test("pods gone, the agents remove their namespaces and addresses", async () => {
    await mn.ok(["delete", "deployment", "wasm", "oci", "-n", ns, "--wait=true", "--timeout=120s"], { timeoutMs: 130_000 });
    await eventually("no pods left", async () => (await pods("wasm")).length + (await pods("oci")).length === 0, 120_000);
    await eventually("no pod namespaces left", async () => (await mn.network.podNamespaces()).length === 0, 60_000);
    for (const node of mn.network.nodes) {
      await eventually(`no pod addresses left on ${node.name}'s bridge`, async () => {
        const out = Bun.spawnSync(["ip", "-n", node.netns, "-o", "-4", "addr", "show", "dev", "ledge0"]).stdout.toString();
        return !out.includes("/32");
      }, 60_000);
    }
  });
});
