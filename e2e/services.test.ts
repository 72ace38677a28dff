// Services as a user meets them through kubectl on `ledge up` (loopback mode)
// and `ledge server`: the ClusterIP and NodePort are in the create's answer
// and in `kubectl get svc` at once, from the mode's range, and the Service's
// EndpointSlice and Endpoints appear.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Cluster, type ClusterMode, eventually, startCluster } from "./harness/cluster.ts";
import { POSTGRES_UNAVAILABLE, postgresAvailable } from "./harness/postgres.ts";

if (!postgresAvailable()) console.warn(POSTGRES_UNAVAILABLE);

// Each cluster is a Bun process opening a database: more than the default 5 s on a busy machine.
setDefaultTimeout(60_000);

const modes: [ClusterMode, RegExp][] = [["up", /^127\.96\.\d+\.\d+$/]];
if (postgresAvailable()) modes.push(["server", /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/]);

describe.each(modes)("ledge %s", (mode, clusterIPRange) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(mode);
  }, 60_000);
  afterAll(() => cluster?.stop());

  const ok = async (args: string[]) => {
    const result = await cluster.kubectl(args);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr}\n${cluster.logs()}`);
    return result.stdout;
  };

  test("kubectl create service shows the allocated ClusterIP and NodePort at once", async () => {
    const ns = await cluster.namespace("svc");
    const created = JSON.parse(await ok(["create", "service", "nodeport", "web", "-n", ns, "--tcp=80:8080", "-o", "json"]));
    expect(created.spec.clusterIP).toMatch(clusterIPRange);
    expect(created.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(created.spec.ports[0].nodePort).toBeLessThanOrEqual(32767);
    const row = (await ok(["get", "service", "web", "-n", ns, "--no-headers"])).trim().split(/\s+/);
    expect(row.slice(0, 3)).toEqual(["web", "NodePort", created.spec.clusterIP]);
    expect(row[4]).toBe(`80:${created.spec.ports[0].nodePort}/TCP`);

    await eventually("the service's endpoint slice and endpoints", async () => {
      const slices = await cluster.kubectl(["get", "endpointslices", "-n", ns, "-l", "kubernetes.io/service-name=web", "-o", "name"]);
      const endpoints = await cluster.kubectl(["get", "endpoints", "web", "-n", ns, "-o", "name"]);
      return slices.stdout.trim().split("\n").filter(Boolean).length === 1 && endpoints.code === 0;
    });

    // Deleting the service frees its IP for the next one that asks for it.
    await ok(["delete", "service", "web", "-n", ns]);
    const reuse = JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "reuse" }, spec: { clusterIP: created.spec.clusterIP, selector: { app: "x" }, ports: [{ port: 80 }] } });
    const applied = await cluster.kubectl(["apply", "-n", ns, "-f", "-", "-o", "jsonpath={.spec.clusterIP}"], { stdin: reuse });
    expect(applied.stdout).toBe(created.spec.clusterIP);
  });
});
