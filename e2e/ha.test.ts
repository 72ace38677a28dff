// High availability: two `ledge server` replicas on one Postgres. Only the
// holder of the "ledge-controller-manager" and "ledge-scheduler" Leases runs
// the controllers and the scheduler; SIGKILL it (no lease released) and the
// other replica takes both over, serving the API all along, and then does
// the work: a Deployment's pods are created, bound to hollow nodes and
// become Ready.
//
// The issue's bound (a new leader within 15 s) is a property of the timings,
// so that is what is asserted: the Leases carry the default duration, and
// with it a candidate's worst case (takeoverBoundMs) is under 15 s. The
// takeover this run saw is measured and printed, not asserted: on a loaded
// machine a wall-clock assertion would fail for reasons that are not ours.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { clientFromKubeconfig } from "../client/kubeconfig.ts";
import { type KubeClient, resourceOf } from "../client/kube-client.ts";
import { DEFAULT_TIMINGS, takeoverBoundMs } from "../control-plane/src/controllers/runtime/leader-election.ts";
import { startHollowNodes } from "./hollow/hollow-nodes.ts";
import { deployment, yamlDocuments } from "./harness/builders.ts";
import { type Cluster, eventually, startCluster } from "./harness/cluster.ts";
import { freshDatabase, POSTGRES_UNAVAILABLE, postgresAvailable } from "./harness/postgres.ts";

if (!postgresAvailable()) console.warn(POSTGRES_UNAVAILABLE);

const LEASES = ["ledge-controller-manager", "ledge-scheduler"] as const;
/** The issue's bound: a new leader within 15 s of the old one's SIGKILL. */
const TAKEOVER_BOUND_MS = 15_000;
/** How long the test waits for the takeover before failing: generous, as the machine may be busy. */
const TAKEOVER_DEADLINE_MS = 60_000;

const leases = resourceOf("coordination.k8s.io/v1", "leases");
const deployments = resourceOf("apps/v1", "deployments");
const replicaSets = resourceOf("apps/v1", "replicasets");
const pods = resourceOf("v1", "pods");

type Json = Record<string, any>;

// Two servers, a takeover that takes ~10 s by design, and a rollout.
setDefaultTimeout(180_000);

/** The pid inside a holderIdentity (`<hostname>_<pid>_<random>`), or undefined for none. */
const pidOf = (identity: string | undefined): number | undefined => {
  const match = /_(\d+)_[^_]+$/.exec(identity ?? "");
  return match ? Number(match[1]) : undefined;
};

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
}

const leaseSpecs = (client: KubeClient): Promise<(LeaseSpec | undefined)[]> =>
  Promise.all(LEASES.map(async (name) => (await client.get(leases, "kube-system", name).catch(() => undefined))?.spec as LeaseSpec | undefined));

const holders = async (client: KubeClient): Promise<(number | undefined)[]> => (await leaseSpecs(client)).map((spec) => pidOf(spec?.holderIdentity));

describe.if(postgresAvailable())("two ledge server replicas on one Postgres", () => {
  let first: Cluster | undefined;
  let second: Cluster | undefined;

  beforeAll(async () => {
    const databaseUrl = await freshDatabase("ha");
    first = await startCluster("server", { databaseUrl });
    // The first replica leads both before the second starts, so one SIGKILL takes away both leaders.
    const client = clientFromKubeconfig(first.kubeconfig, "ledge-e2e-ha");
    await eventually("the first replica to hold both leases", async () => (await holders(client)).every((pid) => pid === first!.pid), 30_000);
    second = await startCluster("server", { databaseUrl });
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  test("the survivor takes over after a SIGKILL, serving the API throughout, then schedules and reconciles", async () => {
    const leader = first!;
    const survivor = second!;
    const client = clientFromKubeconfig(survivor.kubeconfig, "ledge-e2e-ha");
    // Still the first replica's: the second one serves the API and stands by.
    expect(await holders(client)).toEqual([leader.pid, leader.pid]);
    expect(survivor.logs()).not.toContain("became leader");
    // The leases run on the default timings, whose worst case is inside the issue's bound.
    for (const spec of await leaseSpecs(client)) expect(spec?.leaseDurationSeconds).toBe(DEFAULT_TIMINGS.leaseDurationMs / 1000);
    expect(takeoverBoundMs()).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);

    const killedAt = performance.now();
    await leader.kill("SIGKILL");
    // Every poll is an API request to the survivor: one failing would fail the test.
    let requests = 0;
    const takenOver: Partial<Record<(typeof LEASES)[number], number>> = {};
    await eventually(
      "the survivor to hold both leases",
      async () => {
        const [controllers, scheduler] = await Promise.all([
          client.get(leases, "kube-system", LEASES[0]),
          client.get(leases, "kube-system", LEASES[1]),
          client.list(resourceOf("v1", "namespaces")),
        ]);
        requests += 3;
        for (const [name, lease] of [[LEASES[0], controllers], [LEASES[1], scheduler]] as const) {
          if (takenOver[name] === undefined && pidOf((lease.spec as { holderIdentity?: string }).holderIdentity) === survivor.pid) {
            takenOver[name] = performance.now() - killedAt;
          }
        }
        return takenOver[LEASES[0]] !== undefined && takenOver[LEASES[1]] !== undefined;
      },
      TAKEOVER_DEADLINE_MS,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${survivor.logs()}`, { cause: error });
    });
    console.log(
      `HA takeover after SIGKILL: ${LEASES.map((name) => `${name} ${(takenOver[name]! / 1000).toFixed(1)} s`).join(", ")} ` +
        `(bound by the timings ${(takeoverBoundMs() / 1000).toFixed(1)} s; ${requests} API requests to the survivor meanwhile, none failed)`,
    );
    // The survivor started both (the Lease alone could be held by a replica whose work failed to start).
    for (const name of LEASES) expect(survivor.logs(Number.MAX_SAFE_INTEGER)).toMatch(new RegExp(`${name}: \\S+_${survivor.pid}_\\S+ became leader`));

    // The survivor's controllers and scheduler now do the work, on nodes that register with it.
    const hollow = await startHollowNodes({ client, count: 3, prefix: "ha-hollow" });
    try {
      const ns = await survivor.namespace("ha");
      const applied = await survivor.kubectl(["apply", "-f", "-"], { stdin: yamlDocuments(deployment(ns, "web", { replicas: 3 })) });
      expect(applied.stdout).toBe("deployment.apps/web created\n");
      await eventually(
        "the Deployment's 3 replicas bound to hollow nodes and available",
        async () => {
          const d = (await client.get(deployments, ns, "web")) as Json;
          return d.status?.availableReplicas === 3 && d.status?.observedGeneration === d.metadata.generation;
        },
        60_000,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${survivor.logs()}`, { cause: error });
      });
      expect((await client.list(replicaSets, { namespace: ns })).items).toHaveLength(1);
      const placed = (await client.list(pods, { namespace: ns })).items as Json[];
      expect(placed).toHaveLength(3);
      for (const pod of placed) {
        expect(hollow.names).toContain(pod.spec.nodeName);
        expect(pod.status.conditions.find((c: Json) => c.type === "Ready")?.status).toBe("True");
      }
    } finally {
      await hollow.stop();
    }
  });
});
