// The node agent as users meet it: `ledge up` with its agent, Wasm images
// imported with `ledge image import`, stock kubectl. Pods run (a WASI command
// to completion, a wasi:http component behind a readiness probe), `kubectl
// logs` reaches the agent through the API server, deletion stops them.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Cluster, eventually } from "./harness/cluster.ts";
import { kubectlOk, startWasmCluster } from "./harness/wasm-cluster.ts";

// Building the Wasm fixtures cold takes a minute or more; steps have their own deadlines.
setDefaultTimeout(240_000);

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startWasmCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

const ok = (args: string[], stdin?: string) => kubectlOk(cluster, args, { stdin });

async function until(what: string, args: string[], check: (out: string) => boolean, timeoutMs = 60_000): Promise<string> {
  let last = "";
  await eventually(
    what,
    async () => {
      const result = await cluster.kubectl(args);
      last = result.stdout;
      return result.code === 0 && check(last);
    },
    timeoutMs,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last output:\n${last}\n${cluster.logs()}`);
  });
  return last;
}

describe("ledge up runs pods on its own node", () => {
  test("the node is Ready and offers Wasm", async () => {
    const nodes = JSON.parse(await until("a Ready node", ["get", "nodes", "-o", "json"], (out) => out.includes('"Ready"'))) as { items: any[] };
    expect(nodes.items).toHaveLength(1);
    expect(nodes.items[0].metadata.labels["ledge.dev/runtime-wasm"]).toBe("true");
    expect(nodes.items[0].status.conditions.find((c: any) => c.type === "Ready").status).toBe("True");
  });

  test("the agent's endpoint answers only the API server (its token), health excepted", async () => {
    const nodes = JSON.parse(await ok(["get", "nodes", "-o", "json"])) as { items: any[] };
    const port = nodes.items[0].status.daemonEndpoints.kubeletEndpoint.Port as number;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    for (const path of ["/pods", "/stats/summary", "/containerLogs/default/any/app"]) {
      expect((await fetch(`http://127.0.0.1:${port}${path}`)).status).toBe(401);
    }
  });

  test("a WASI command runs to completion and kubectl logs shows its output", async () => {
    const ns = await cluster.namespace("agent");
    await ok(["apply", "-n", ns, "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: hello}
spec:
  runtimeClassName: wasm
  restartPolicy: Never
  containers:
  - name: hello
    image: localhost/e2e/hello:1
    imagePullPolicy: IfNotPresent
    args: ["one", "two"]
    env: [{name: SHOW, value: GREETING}, {name: GREETING, value: hi}]
`);
    await until("hello Succeeded", ["get", "pod", "hello", "-n", ns, "-o", "jsonpath={.status.phase}"], (out) => out === "Succeeded");
    expect(await ok(["logs", "hello", "-n", ns])).toBe("arg[0]=hello\narg[1]=one\narg[2]=two\nenv GREETING=hi\nto stderr\n");
    expect(await ok(["logs", "hello", "-n", ns, "--tail=1"])).toBe("to stderr\n");
    const stamped = await ok(["logs", "hello", "-n", ns, "--timestamps", "--tail=1"]);
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z to stderr\n$/);
    const status = JSON.parse(await ok(["get", "pod", "hello", "-n", ns, "-o", "json"]));
    expect(status.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(status.status.podIP).toMatch(/^127\.1\./);
  });

  test("a wasi:http component serves on its pod IP behind a readiness probe; deleting it stops it", async () => {
    const ns = await cluster.namespace("agent");
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
      terminationGracePeriodSeconds: 5
      containers:
      - name: echo
        image: localhost/e2e/echo:1
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 8080}]
        env: [{name: GREETING, value: hello}]
        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}
`);
    await ok(["rollout", "status", "-n", ns, "deployment/echo", "--timeout=120s"]);
    const pods = JSON.parse(await ok(["get", "pods", "-n", ns, "-l", "app=echo", "-o", "json"])) as { items: any[] };
    const ips = pods.items.map((p) => p.status.podIP as string);
    expect(new Set(ips).size).toBe(2);
    for (const ip of ips) expect(await (await fetch(`http://${ip}:8080/hi`)).text()).toStartWith("get /hi served=1 greeting=hello");
    const name = pods.items[0].metadata.name as string;
    await ok(["delete", "pod", name, "-n", ns, "--wait=true", "--timeout=60s"]);
    await until("the replacement ready", ["get", "deployment", "echo", "-n", ns, "-o", "jsonpath={.status.readyReplicas}"], (out) => out === "2");
    const events = await ok(["get", "events", "-n", ns, "-o", "jsonpath={range .items[*]}{.reason}{\"\\n\"}{end}"]);
    expect(events.split("\n")).toEqual(expect.arrayContaining(["Pulled", "Created", "Started", "Killing"]));
  });
});
