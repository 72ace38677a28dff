// The Service proxy on real loopback sockets, driven through the API: an
// in-process API server that allocates ClusterIPs in loopback mode, the
// proxy watching it as a node agent's does, real backends on 127.1.x.y, and
// EndpointSlices written by the test (so readiness is the test's to flip).
// Then `ledge up` with its agent: a Service's ClusterIP reaches a real Wasm
// pod, and pods get the Service variables.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { InformerFactory } from "../client/informer-factory.ts";
import { KubeClient, type KubeObject, resourceOf } from "../client/kube-client.ts";
import { createApp } from "../control-plane/src/api/app.ts";
import { bootstrap } from "../control-plane/src/api/bootstrap.ts";
import { runControllers } from "../control-plane/src/controllers/runtime/controller.ts";
import { ServiceLBController } from "../control-plane/src/controllers/service-lb/service-lb-controller.ts";
import { openStore } from "../control-plane/src/storage/open.ts";
import { ServiceProxy } from "../node-agent/src/proxy/service-proxy.ts";
import { answeredBy, connect, type LineServer, lineServer, request, udpClient, udpEcho } from "../node-agent/src/proxy/test-sockets.ts";
import { type Cluster, eventually } from "./harness/cluster.ts";
import { kubectlOk, startWasmCluster } from "./harness/wasm-cluster.ts";

setDefaultTimeout(60_000);

const namespaces = resourceOf("v1", "namespaces");
const services = resourceOf("v1", "services");
const slices = resourceOf("discovery.k8s.io/v1", "endpointslices");
const nodes = resourceOf("v1", "nodes");

const NODE = "proxy-node";
/** This node's address: NodePorts and LoadBalancer ports listen here. */
const NODE_IP = `127.98.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;

describe("the proxy against the API", () => {
  let store: Awaited<ReturnType<typeof openStore>>;
  let client: KubeClient;
  let proxy: ServiceProxy;
  let stopControllers: () => void;
  const logs: string[] = [];
  const servers: LineServer[] = [];

  beforeAll(async () => {
    store = await openStore();
    const app = createApp({ store, serviceNetwork: { serviceCIDRs: ["127.97.0.0/16"] } });
    await bootstrap(app);
    client = new KubeClient((r) => app.fetch(r), "http://ledge.test", "proxy-test");
    await client.create(nodes, { apiVersion: "v1", kind: "Node", metadata: { name: NODE } });
    await client.patch(nodes, undefined, NODE, "merge", { status: { addresses: [{ type: "InternalIP", address: NODE_IP }], conditions: [{ type: "Ready", status: "True" }] } }, { subresource: "status" });
    stopControllers = await runControllers([new ServiceLBController()], { client, informers: new InformerFactory(client), log: (m) => logs.push(m) });
    proxy = new ServiceProxy({ client, nodeName: NODE, nodeAddresses: [NODE_IP], log: (m) => logs.push(m), udpIdleMs: 60_000 });
    await proxy.start();
  });

  afterAll(async () => {
    await proxy?.stop();
    stopControllers?.();
    for (const s of servers) s.stop();
    await store?.close();
  });

  let counter = 0;
  async function namespace(): Promise<string> {
    const name = `px-${++counter}`;
    await client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
    return name;
  }

  function backend(name: string): LineServer {
    const server = lineServer(name);
    servers.push(server);
    return server;
  }

  async function service(ns: string, name: string, spec: Record<string, unknown> = {}): Promise<KubeObject & { spec: any }> {
    return (await client.create(services, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: ns },
      spec: { ports: [{ name: "line", port: 7000, protocol: "TCP" }], ...spec },
    })) as KubeObject & { spec: any };
  }

  type Ep = { server: { ip: string; port: number }; ready?: boolean; node?: string };
  /** Writes the Service's one EndpointSlice (creates it the first time). */
  async function endpoints(ns: string, svc: string, eps: Ep[], port = { name: "line", protocol: "TCP" }): Promise<void> {
    const slice = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${svc}-slice`, namespace: ns, labels: { "kubernetes.io/service-name": svc } },
      addressType: "IPv4",
      // One port number for the slice: the tests give each Service's backends the same port via a shared listener port.
      ports: [{ ...port, port: eps[0]?.server.port ?? 1 }],
      endpoints: eps.map((e) => ({ addresses: [e.server.ip], conditions: { ready: e.ready ?? true, serving: e.ready ?? true }, nodeName: e.node ?? NODE })),
    };
    const existing = await client.get(slices, ns, slice.metadata.name).catch(() => undefined);
    if (existing) await client.update(slices, { ...slice, metadata: { ...slice.metadata, resourceVersion: existing.metadata.resourceVersion } });
    else await client.create(slices, slice);
  }

  /** Backends that share one port number (a slice has one port per name), each on its own address. */
  function backends(...names: string[]): LineServer[] {
    const first = backend(names[0]!);
    return [first, ...names.slice(1).map((n) => { const s = lineServer(n, undefined, first.port); servers.push(s); return s; })];
  }

  const answersFrom = async (ip: string, port: number, n: number) => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) seen.add(answeredBy(await request(ip, port).catch(() => "")));
    return seen;
  };

  test("a ClusterIP reaches every ready endpoint, round robin", async () => {
    const ns = await namespace();
    const svc = await service(ns, "web");
    const [a, b] = backends("a", "b");
    await endpoints(ns, "web", [{ server: a! }, { server: b! }]);
    await eventually("both endpoints answer on the ClusterIP", async () => (await answersFrom(svc.spec.clusterIP, 7000, 4)).size === 2);
  });

  test("a NodePort listens on the node's address, a LoadBalancer on the gateway's service port", async () => {
    const ns = await namespace();
    const svc = await service(ns, "edge", { type: "LoadBalancer", ports: [{ name: "line", port: 17000 + Math.floor(Math.random() * 1000), protocol: "TCP" }] });
    const [a] = backends("a");
    await endpoints(ns, "edge", [{ server: a! }]);
    const nodePort = svc.spec.ports[0].nodePort as number;
    await eventually("the NodePort answers", async () => (await answersFrom(NODE_IP, nodePort, 1)).has("a"));
    await eventually("the service-lb controller lists the gateway", async () => {
      const current = await client.get(services, ns, "edge");
      return (current as any).status?.loadBalancer?.ingress?.[0]?.ip === NODE_IP;
    });
    await eventually("the LoadBalancer port answers on the gateway", async () => (await answersFrom(NODE_IP, svc.spec.ports[0].port, 1)).has("a"));

    // No longer a LoadBalancer: the ingress is cleared and the gateway stops listening on the service port.
    await client.patch(services, ns, "edge", "merge", { spec: { type: "NodePort" } });
    await eventually("the ingress is cleared", async () => !(await client.get(services, ns, "edge") as any).status?.loadBalancer?.ingress);
    await eventually("the LoadBalancer listener is gone", () => proxy.listener("TCP", NODE_IP, svc.spec.ports[0].port) === undefined);
    expect(proxy.listener("TCP", NODE_IP, nodePort)).toBeDefined();
  });

  test("externalTrafficPolicy Local: the NodePort reaches only this node's endpoints, the ClusterIP all of them", async () => {
    const ns = await namespace();
    const svc = await service(ns, "etp", { type: "NodePort", externalTrafficPolicy: "Local" });
    const [here, there] = backends("here", "there");
    await endpoints(ns, "etp", [{ server: here! }, { server: there!, node: "elsewhere" }]);
    const nodePort = svc.spec.ports[0].nodePort as number;
    await eventually("the ClusterIP reaches both", async () => (await answersFrom(svc.spec.clusterIP, 7000, 4)).size === 2);
    expect(await answersFrom(NODE_IP, nodePort, 4)).toEqual(new Set(["here"]));
  });

  test("a listener whose address is taken is opened once the address is free", async () => {
    const ns = await namespace();
    const [a] = backends("a");
    // Something else holds the address a new Service's NodePort will want (NODE_IP is this test's own, so the port is free to take).
    const nodePort = 30000 + Math.floor(Math.random() * 2000);
    const taken = Bun.listen({ hostname: NODE_IP, port: nodePort, socket: { data() {} } });
    await service(ns, "late", { type: "NodePort", ports: [{ name: "line", port: 7000, protocol: "TCP", nodePort }] });
    await endpoints(ns, "late", [{ server: a! }]);
    await eventually("the bind failure is recorded", () => proxy.bindErrors().has(`TCP/${NODE_IP}:${nodePort}`));
    taken.stop(true);
    await eventually("the NodePort answers once freed", async () => (await answersFrom(NODE_IP, nodePort, 1)).has("a"));
    expect(proxy.bindErrors().has(`TCP/${NODE_IP}:${nodePort}`)).toBe(false);
  });

  test("an endpoint that stops being ready drains: its connection lives on, new ones go to the ready one", async () => {
    const ns = await namespace();
    const svc = await service(ns, "drain");
    const [a, b] = backends("a", "b");
    await endpoints(ns, "drain", [{ server: a! }]);
    await eventually("a answers", async () => (await answersFrom(svc.spec.clusterIP, 7000, 1)).has("a"));
    const held = await connect(svc.spec.clusterIP, 7000);
    expect(answeredBy(await held.ask("before"))).toBe("a");
    await endpoints(ns, "drain", [{ server: a!, ready: false }, { server: b! }]);
    await eventually("only b gets new connections", async () => {
      const seen = await answersFrom(svc.spec.clusterIP, 7000, 3);
      return seen.size === 1 && seen.has("b");
    });
    expect(await held.ask("after")).toBe("a:after");
    held.close();
  });

  test("an unrelated Service's changes leave a listener and its connections alone", async () => {
    const ns = await namespace();
    const svc = await service(ns, "steady");
    const [a] = backends("a");
    await endpoints(ns, "steady", [{ server: a! }]);
    await eventually("steady answers", async () => (await answersFrom(svc.spec.clusterIP, 7000, 1)).has("a"));
    const listener = proxy.listener("TCP", svc.spec.clusterIP, 7000);
    expect(listener).toBeDefined();
    const held = await connect(svc.spec.clusterIP, 7000);
    expect(await held.ask("1")).toBe("a:1");

    const other = await service(ns, "other");
    const [o] = backends("o");
    await endpoints(ns, "other", [{ server: o! }]);
    await eventually("other answers", async () => (await answersFrom(other.spec.clusterIP, 7000, 1)).has("o"));
    await client.patch(services, ns, "other", "merge", { spec: { ports: [{ name: "line", port: 7001, protocol: "TCP" }] } });
    await eventually("other moved to 7001", async () => (await answersFrom(other.spec.clusterIP, 7001, 1)).has("o"));
    await client.delete(services, ns, "other");
    await eventually("other's listener is gone", () => proxy.listener("TCP", other.spec.clusterIP, 7001) === undefined);

    expect(proxy.listener("TCP", svc.spec.clusterIP, 7000)).toBe(listener!);
    expect(await held.ask("2")).toBe("a:2");
    // Its own endpoints changing keeps the listener too: only the route is updated.
    const [b] = backends("b");
    await endpoints(ns, "steady", [{ server: a! }, { server: b!, ready: true }].map((e) => ({ ...e, server: { ip: e.server.ip, port: a!.port } })));
    expect(proxy.listener("TCP", svc.spec.clusterIP, 7000)).toBe(listener!);
    expect(await held.ask("3")).toBe("a:3");
    held.close();
  });

  test("a fresh list and watch (the agent's link came back) keeps every listener and follows later changes", async () => {
    const ns = await namespace();
    const svc = await service(ns, "rewatch");
    const [a, b] = backends("a", "b");
    await endpoints(ns, "rewatch", [{ server: a! }]);
    await eventually("a answers", async () => (await answersFrom(svc.spec.clusterIP, 7000, 1)).has("a"));
    const listener = proxy.listener("TCP", svc.spec.clusterIP, 7000);
    const held = await connect(svc.spec.clusterIP, 7000);
    const before = proxy.services;
    proxy.rewatch();
    await eventually("the new informers are in use", () => proxy.services !== before);
    await proxy.settled();
    expect(proxy.listener("TCP", svc.spec.clusterIP, 7000)).toBe(listener!);
    expect(await held.ask("still")).toBe("a:still");
    await endpoints(ns, "rewatch", [{ server: b! }]);
    await eventually("b takes new connections", async () => (await answersFrom(svc.spec.clusterIP, 7000, 1)).has("b"));
    held.close();
  });

  test("internalTrafficPolicy Local sends ClusterIP traffic only to this node's endpoints", async () => {
    const ns = await namespace();
    const svc = await service(ns, "local", { internalTrafficPolicy: "Local" });
    const [here, there] = backends("here", "there");
    await endpoints(ns, "local", [{ server: here! }, { server: there!, node: "elsewhere" }]);
    await eventually("here answers", async () => (await answersFrom(svc.spec.clusterIP, 7000, 1)).has("here"));
    expect(await answersFrom(svc.spec.clusterIP, 7000, 4)).toEqual(new Set(["here"]));
  });

  test("ClientIP session affinity keeps a client on one endpoint", async () => {
    const ns = await namespace();
    const svc = await service(ns, "sticky", { sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
    const [a, b, c] = backends("a", "b", "c");
    await endpoints(ns, "sticky", [{ server: a! }, { server: b! }, { server: c! }]);
    await eventually("sticky answers", async () => (await answersFrom(svc.spec.clusterIP, 7000, 1)).size === 1);
    expect((await answersFrom(svc.spec.clusterIP, 7000, 6)).size).toBe(1);
  });

  test("UDP through a ClusterIP", async () => {
    const ns = await namespace();
    const svc = await service(ns, "dns", { ports: [{ name: "dns", port: 5353, protocol: "UDP" }] });
    const echo = await udpEcho("u");
    await endpoints(ns, "dns", [{ server: echo }], { name: "dns", protocol: "UDP" });
    await eventually("the UDP listener", () => proxy.listener("UDP", svc.spec.clusterIP, 5353) !== undefined);
    const c = await udpClient();
    expect(await c.ask(svc.spec.clusterIP, 5353, "q")).toBe("u:q");
    c.close();
    echo.stop();
  });
});

describe("ledge up: a Service's ClusterIP reaches a real pod", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startWasmCluster();
  }, 240_000);
  afterAll(() => cluster?.stop());

  const ok = (args: string[], stdin?: string) => kubectlOk(cluster, args, { stdin, timeoutMs: 150_000 });

  test("requests to the ClusterIP and the NodePort reach both replicas; a pod sees the Service variables", async () => {
    const ns = await cluster.namespace("proxy");
    await ok(["apply", "-n", ns, "-f", "-"], `
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 2
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      runtimeClassName: wasm
      containers:
      - name: echo
        image: localhost/e2e/echo:1
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 8080}]
        env: [{name: GREETING, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: echo-web}
spec:
  type: NodePort
  selector: {app: echo}
  ports: [{name: http, port: 80, targetPort: 8080}]
`);
    await ok(["rollout", "status", "-n", ns, "deployment/echo", "--timeout=120s"]);
    const svc = JSON.parse(await ok(["get", "service", "echo-web", "-n", ns, "-o", "json"]));
    const clusterIP = svc.spec.clusterIP as string;
    const nodePort = svc.spec.ports[0].nodePort as number;
    const podNames = new Set((JSON.parse(await ok(["get", "pods", "-n", ns, "-l", "app=echo", "-o", "json"])).items as any[]).map((p) => p.metadata.name as string));
    // Each replica answers with its own name (GREETING from the downward API).
    // A new connection each time (no keep-alive): the proxy balances connections, not requests.
    const servedBy = async (url: string) => /greeting=(\S*)/.exec(await fetch(url, { headers: { connection: "close" } }).then((r) => r.text()).catch(() => ""))?.[1] ?? "";
    await eventually("the ClusterIP answers", async () => podNames.has(await servedBy(`http://${clusterIP}:80/hi`)), 30_000);
    // Both replicas take connections once the EndpointSlice lists both as ready (it may trail the rollout a little).
    const seen = new Set<string>();
    await eventually("both replicas answer on the ClusterIP", async () => {
      seen.add(await servedBy(`http://${clusterIP}:80/hi`));
      return seen.size === podNames.size;
    }, 30_000);
    expect(seen).toEqual(podNames);
    expect(podNames.has(await servedBy(`http://127.0.0.1:${nodePort}/hi`))).toBe(true);

    await ok(["apply", "-n", ns, "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: env}
spec:
  runtimeClassName: wasm
  restartPolicy: Never
  containers:
  - name: hello
    image: localhost/e2e/hello:1
    imagePullPolicy: IfNotPresent
    env: [{name: SHOW, value: "ECHO_WEB_SERVICE_HOST,ECHO_WEB_SERVICE_PORT_HTTP,ECHO_WEB_PORT"}]
`);
    await eventually("the env pod completes", async () => (await cluster.kubectl(["get", "pod", "env", "-n", ns, "-o", "jsonpath={.status.phase}"])).stdout === "Succeeded", 60_000);
    const logs = await ok(["logs", "env", "-n", ns]);
    expect(logs).toContain(`env ECHO_WEB_SERVICE_HOST=${clusterIP}`);
    expect(logs).toContain("env ECHO_WEB_SERVICE_PORT_HTTP=80");
    expect(logs).toContain(`env ECHO_WEB_PORT=tcp://${clusterIP}:80`);
  }, 240_000);
});
