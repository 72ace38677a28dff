// `kubectl rollout` against `ledge up`: status, history, undo, restart,
// pause and resume, with the Deployment and ReplicaSet controllers doing the
// work. There are no nodes yet, so the test plays the kubelet: it reports
// each pod running and ready with `kubectl patch --subresource=status`.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { deployment, yamlDocuments } from "./harness/builders.ts";
import { type Cluster, eventually, startCluster } from "./harness/cluster.ts";

type Json = Record<string, any>;

let cluster: Cluster;

// Starting the cluster takes longer than bun's default 5 s; each step below has its own deadline.
setDefaultTimeout(180_000);

beforeAll(async () => {
  cluster = await startCluster("up");
});

afterAll(async () => {
  await cluster?.stop();
});

async function ok(args: string[], stdin?: string): Promise<string> {
  const result = await cluster.kubectl(args, { stdin });
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(" ")} exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}\n${cluster.logs()}`);
  }
  return result.stdout;
}

const getJson = async (ns: string, ...what: string[]): Promise<Json> => JSON.parse(await ok(["get", "-n", ns, ...what, "-o", "json"]));

const isReady = (pod: Json): boolean => (pod.status?.conditions ?? []).some((c: Json) => c.type === "Ready" && c.status === "True");

/** What a kubelet reports for a started pod that passes its readiness probe. */
function readyStatus(): string {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  return JSON.stringify({ status: { phase: "Running", startTime: now, conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }] } });
}

/** Plays the kubelet until the deployment has rolled out: every pod not yet ready is reported ready. */
async function kubeletUntilRolledOut(ns: string, name: string): Promise<Json> {
  let rolled: Json | undefined;
  await eventually(
    `${name} rolled out`,
    async () => {
      for (const pod of (await getJson(ns, "pods")).items as Json[]) {
        if (isReady(pod) || pod.metadata.deletionTimestamp) continue;
        const patched = await cluster.kubectl(["patch", "pod", pod.metadata.name, "-n", ns, "--subresource=status", "--type=merge", "-p", readyStatus()]);
        // A pod the rollout deleted meanwhile is not an error.
        if (patched.code !== 0 && !patched.stderr.includes("NotFound")) throw new Error(`patching ${pod.metadata.name}: ${patched.stderr}`);
      }
      const d = await getJson(ns, "deployment", name);
      const s = d.status ?? {};
      const done = s.observedGeneration >= d.metadata.generation && s.updatedReplicas === d.spec.replicas && s.replicas === d.spec.replicas && s.availableReplicas === d.spec.replicas;
      if (done) rolled = d;
      return done;
    },
    90_000,
  );
  return rolled!;
}

/** `kubectl rollout history` as {revision: change-cause}. */
async function history(ns: string): Promise<Record<string, string>> {
  const out = await ok(["rollout", "history", "-n", ns, "deployment/web"]);
  const rows = out.trim().split("\n").slice(2);
  return Object.fromEntries(rows.map((row) => row.trim().split(/\s{2,}/) as [string, string]));
}

const imageOf = (d: Json): string => d.spec.template.spec.containers[0].image;

describe("kubectl rollout", () => {
  test("status, history, undo, restart, pause and resume", async () => {
    const ns = await cluster.namespace("rollout");
    expect(await ok(["apply", "-f", "-"], yamlDocuments(deployment(ns, "web", { replicas: 3, image: "nginx:1.26" })))).toBe("deployment.apps/web created\n");

    // While no pod is ready, `rollout status` waits and says for what.
    const waiting = cluster.kubectlStream(["rollout", "status", "-n", ns, "deployment/web", "--timeout=120s"]);
    await waiting.waitFor("rollout status to wait", (out) => /Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are available\.\.\./.test(out), 30_000);
    await kubeletUntilRolledOut(ns, "web");
    await waiting.waitFor("rollout status to finish", (out) => out.includes('deployment "web" successfully rolled out'), 30_000);
    expect((await waiting.stop()).stdout).toContain('deployment "web" successfully rolled out');
    expect(await ok(["rollout", "status", "-n", ns, "deployment/web"])).toBe('deployment "web" successfully rolled out\n');

    // A new image is revision 2, with the change cause the user annotated.
    await ok(["set", "image", "-n", ns, "deployment/web", "web=nginx:1.27"]);
    await ok(["annotate", "-n", ns, "deployment/web", "kubernetes.io/change-cause=upgrade to 1.27"]);
    await kubeletUntilRolledOut(ns, "web");
    expect(await ok(["rollout", "status", "-n", ns, "deployment/web"])).toBe('deployment "web" successfully rolled out\n');
    await eventually("the change cause on revision 2", async () => (await history(ns))["2"] === "upgrade to 1.27");
    expect(await history(ns)).toEqual({ "1": "<none>", "2": "upgrade to 1.27" });
    expect(await ok(["rollout", "history", "-n", ns, "deployment/web", "--revision=1"])).toMatch(/^\s+Image:\s+nginx:1\.26$/m);

    const rsBefore = (await getJson(ns, "replicasets")).items.map((rs: Json) => rs.metadata.name).sort();

    // Undo: kubectl patches revision 1's template back; its ReplicaSet returns as revision 3.
    expect(await ok(["rollout", "undo", "-n", ns, "deployment/web"])).toBe("deployment.apps/web rolled back\n");
    let d = await kubeletUntilRolledOut(ns, "web");
    expect(imageOf(d)).toBe("nginx:1.26");
    expect(d.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("3");
    expect(await history(ns)).toEqual({ "2": "upgrade to 1.27", "3": "<none>" });
    expect((await getJson(ns, "replicasets")).items.map((rs: Json) => rs.metadata.name).sort()).toEqual(rsBefore);

    // Undo to a named revision.
    expect(await ok(["rollout", "undo", "-n", ns, "deployment/web", "--to-revision=2"])).toBe("deployment.apps/web rolled back\n");
    d = await kubeletUntilRolledOut(ns, "web");
    expect(imageOf(d)).toBe("nginx:1.27");
    expect(await history(ns)).toEqual({ "3": "<none>", "4": "upgrade to 1.27" });

    // Restart: a template annotation, so a new ReplicaSet with the same image.
    expect(await ok(["rollout", "restart", "-n", ns, "deployment/web"])).toBe("deployment.apps/web restarted\n");
    d = await kubeletUntilRolledOut(ns, "web");
    expect(d.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]).toBeString();
    expect(d.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("5");
    expect((await getJson(ns, "replicasets")).items).toHaveLength(3);

    // Paused: a new image waits, and undo is refused as Kubernetes refuses it.
    expect(await ok(["rollout", "pause", "-n", ns, "deployment/web"])).toBe("deployment.apps/web paused\n");
    await ok(["set", "image", "-n", ns, "deployment/web", "web=nginx:1.28"]);
    await eventually("the paused condition", async () => (await getJson(ns, "deployment", "web")).status.conditions.some((c: Json) => c.type === "Progressing" && c.reason === "DeploymentPaused"));
    expect((await getJson(ns, "replicasets")).items).toHaveLength(3);
    const refused = await cluster.kubectl(["rollout", "undo", "-n", ns, "deployment/web"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
    expect(await ok(["rollout", "resume", "-n", ns, "deployment/web"])).toBe("deployment.apps/web resumed\n");
    d = await kubeletUntilRolledOut(ns, "web");
    expect(imageOf(d)).toBe("nginx:1.28");
    expect(d.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("6");

    // What the controllers did, as `kubectl describe` shows it.
    const described = await ok(["describe", "-n", ns, "deployment", "web"]);
    expect(described).toMatch(/^\s+Available\s+True\s+MinimumReplicasAvailable$/m);
    expect(described).toMatch(/^\s+Progressing\s+True\s+NewReplicaSetAvailable$/m);
    expect(described).toMatch(/^\s+Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-[a-z0-9]+ from 0 to 1$/m);
    const rsName = ((await getJson(ns, "replicasets")).items as Json[]).find((rs) => rs.spec.replicas === 3)!.metadata.name;
    expect(await ok(["describe", "-n", ns, "replicaset", rsName])).toMatch(new RegExp(`^\\s+Normal\\s+SuccessfulCreate\\s+\\S+\\s+replicaset-controller\\s+Created pod: ${rsName}-[a-z0-9]{5}$`, "m"));
  });
});
