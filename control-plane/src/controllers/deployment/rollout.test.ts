// A deployment sync against fake writes: Kubernetes' table tests from
// sync_test.go (TestScale), rolling_test.go and progress_test.go, with
// ReplicaSet availability given as pods (see rollout.ts on why it counts them).
import { describe, expect, test } from "bun:test";
import { ApiStatusError } from "../../../../client/errors.ts";
import { setReplicasAnnotations, REVISION, REVISION_HISTORY } from "./revisions.ts";
import { maxSurge, type IntOrString } from "./rollout-math.ts";
import { Rollout, type DeploymentActions } from "./rollout.ts";
import { rolloutStatus } from "./status.ts";
import { getCondition, NEW_RS_AVAILABLE_REASON, PROGRESSING, RS_UPDATED_REASON, TIMED_OUT_REASON, type DeploymentCondition, type DeploymentStatus } from "./conditions.ts";
import type { Deployment, Pod, ReplicaSet } from "../replicaset/types.ts";

const NEW = "2016-05-20T02:00:00Z";
const OLD = "2016-05-20T01:00:00Z";
const OLDER = "2016-05-20T00:00:00Z";
const LONG_AGO = "2000-01-01T00:00:00Z";

let uids = 0;

/** deployment_controller_test.go newDeployment: RollingUpdate with maxSurge and maxUnavailable 0 unless given. */
function newDeployment(replicas: number, options: { surge?: IntOrString; unavailable?: IntOrString; revisionHistoryLimit?: number; labels?: Record<string, string> } = {}): Deployment {
  const labels = options.labels ?? { foo: "bar" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "foo", namespace: "default", uid: "deployment-uid", generation: 1, annotations: {} },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: options.surge ?? 0, maxUnavailable: options.unavailable ?? 0 } },
      template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "foo/bar" }] } },
      revisionHistoryLimit: options.revisionHistoryLimit,
    },
  };
}

/** deployment_controller_test.go rs. */
function rs(name: string, replicas: number, creationTimestamp = NEW, available = 0): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "default", uid: `${name}-uid-${++uids}`, creationTimestamp, resourceVersion: "1" },
    spec: { replicas, selector: { matchLabels: {} }, template: {} },
    status: { replicas, availableReplicas: available },
  };
}

function pod(owner: ReplicaSet, ready: boolean, i: number): Pod {
  return {
    metadata: { name: `${owner.metadata.name}-${i}`, namespace: "default", uid: `${owner.metadata.uid}-${i}` },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: LONG_AGO }] },
  };
}

/** The pods of each ReplicaSet: `ready` ready ones, the rest of spec.replicas not ready. */
function podsOf(entries: [ReplicaSet, number][]): Map<string, Pod[]> {
  return new Map(
    entries.map(([r, ready]) => [r.metadata.uid ?? "", Array.from({ length: Math.max(r.spec?.replicas ?? 0, ready) }, (_, i) => pod(r, i < ready, i))]),
  );
}

interface Fake {
  actions: DeploymentActions;
  updated: ReplicaSet[];
  created: ReplicaSet[];
  deleted: string[];
  statuses: Deployment[];
  events: string[];
}

function fake(options: { now?: number; updateError?: Error; createError?: Error; cached?: ReplicaSet[] } = {}): Fake {
  const f: Fake = { updated: [], created: [], deleted: [], statuses: [], events: [], actions: undefined as unknown as DeploymentActions };
  let rv = 100;
  f.actions = {
    async createReplicaSet(r) {
      if (options.createError) throw options.createError;
      const created = { ...structuredClone(r), metadata: { ...r.metadata, uid: `created-${++uids}`, resourceVersion: String(++rv) } };
      f.created.push(created);
      return created;
    },
    async updateReplicaSet(r) {
      if (options.updateError) throw options.updateError;
      const updated = { ...structuredClone(r), metadata: { ...r.metadata, resourceVersion: String(++rv) } };
      f.updated.push(updated);
      return updated;
    },
    async deleteReplicaSet(r) {
      f.deleted.push(r.metadata.name ?? "");
    },
    cachedReplicaSet: (_, name) => options.cached?.find((r) => r.metadata.name === name),
    async updateStatus(d) {
      const updated = structuredClone(d);
      f.statuses.push(updated);
      return updated;
    },
    event: (_, type, reason, message) => f.events.push(`${type} ${reason} ${message}`),
    recheckAfter: () => {},
    now: () => options.now ?? Date.now(),
  };
  return f;
}

const sizeAfter = (f: Fake, r: ReplicaSet | undefined): number | undefined => {
  if (!r) return undefined;
  const last = f.updated.filter((u) => u.metadata.name === r.metadata.name).at(-1);
  return (last ?? r).spec?.replicas;
};

describe("scale (sync_test.go TestScale)", () => {
  interface ScaleCase {
    name: string;
    deployment: Deployment;
    oldDeployment: Deployment;
    newRS?: ReplicaSet;
    oldRSs: ReplicaSet[];
    expectedNew?: number;
    expectedOld: number[];
    wasntUpdated?: string[];
    desiredReplicasAnnotations?: Record<string, number>;
  }
  const updatedTemplate = (replicas: number) => {
    const d = newDeployment(replicas);
    d.spec!.template!.metadata!.labels = { foo: "bar", another: "label" };
    return d;
  };
  const cases: ScaleCase[] = [
    { name: "normal scaling event: 10 -> 12", deployment: newDeployment(12), oldDeployment: newDeployment(10), newRS: rs("foo-v1", 10), oldRSs: [], expectedNew: 12, expectedOld: [] },
    { name: "normal scaling event: 10 -> 5", deployment: newDeployment(5), oldDeployment: newDeployment(10), newRS: rs("foo-v1", 10), oldRSs: [], expectedNew: 5, expectedOld: [] },
    { name: "proportional scaling: 5 -> 10", deployment: newDeployment(10), oldDeployment: newDeployment(5), newRS: rs("foo-v2", 2), oldRSs: [rs("foo-v1", 3, OLD)], expectedNew: 4, expectedOld: [6] },
    { name: "proportional scaling: 5 -> 3", deployment: newDeployment(3), oldDeployment: newDeployment(5), newRS: rs("foo-v2", 2), oldRSs: [rs("foo-v1", 3, OLD)], expectedNew: 1, expectedOld: [2] },
    { name: "proportional scaling: 9 -> 4", deployment: newDeployment(4), oldDeployment: newDeployment(9), newRS: rs("foo-v2", 8), oldRSs: [rs("foo-v1", 1, OLD)], expectedNew: 4, expectedOld: [0] },
    {
      name: "proportional scaling: 7 -> 10",
      deployment: newDeployment(10),
      oldDeployment: newDeployment(7),
      newRS: rs("foo-v3", 2),
      oldRSs: [rs("foo-v2", 3, OLD), rs("foo-v1", 2, OLDER)],
      expectedNew: 3,
      expectedOld: [4, 3],
    },
    {
      name: "proportional scaling: 13 -> 8",
      deployment: newDeployment(8),
      oldDeployment: newDeployment(13),
      newRS: rs("foo-v3", 2),
      oldRSs: [rs("foo-v2", 8, OLD), rs("foo-v1", 3, OLDER)],
      expectedNew: 1,
      expectedOld: [5, 2],
    },
    {
      name: "leftover distribution: 3 -> 4 (scales up the new replica set)",
      deployment: newDeployment(4),
      oldDeployment: newDeployment(3),
      newRS: rs("foo-v3", 1),
      oldRSs: [rs("foo-v2", 1, OLD), rs("foo-v1", 1, OLDER)],
      expectedNew: 2,
      expectedOld: [1, 1],
    },
    {
      name: "leftover distribution: 3 -> 2 (scales down the older replica set)",
      deployment: newDeployment(2),
      oldDeployment: newDeployment(3),
      newRS: rs("foo-v3", 1),
      oldRSs: [rs("foo-v2", 1, OLD), rs("foo-v1", 1, OLDER)],
      expectedNew: 1,
      expectedOld: [1, 0],
    },
    {
      name: "proportional scaling (no new rs): 4 -> 5 (scales up the latest first)",
      deployment: newDeployment(5),
      oldDeployment: newDeployment(4),
      oldRSs: [rs("foo-v2", 2, OLD), rs("foo-v1", 2, OLDER)],
      expectedOld: [3, 2],
    },
    {
      name: "proportional scaling: 6 -> 0",
      deployment: newDeployment(0),
      oldDeployment: newDeployment(6),
      newRS: rs("foo-v3", 3),
      oldRSs: [rs("foo-v2", 2, OLD), rs("foo-v1", 1, OLDER)],
      expectedNew: 0,
      expectedOld: [0, 0],
    },
    {
      name: "proportional scaling: 0 -> 6",
      deployment: newDeployment(6),
      oldDeployment: newDeployment(6),
      newRS: rs("foo-v3", 0),
      oldRSs: [rs("foo-v2", 0, OLD), rs("foo-v1", 0, OLDER)],
      expectedNew: 6,
      expectedOld: [0, 0],
      wasntUpdated: ["foo-v2", "foo-v1"],
    },
    {
      name: "failed rs update",
      deployment: newDeployment(5),
      oldDeployment: newDeployment(5),
      newRS: rs("foo-v3", 2),
      oldRSs: [rs("foo-v2", 1, OLD), rs("foo-v1", 1, OLDER)],
      expectedNew: 2,
      expectedOld: [2, 1],
      wasntUpdated: ["foo-v3", "foo-v1"],
      desiredReplicasAnnotations: { "foo-v2": 3 },
    },
    {
      name: "deployment with surge pods",
      deployment: newDeployment(20, { surge: 2 }),
      oldDeployment: newDeployment(10, { surge: 2 }),
      newRS: rs("foo-v2", 6),
      oldRSs: [rs("foo-v1", 6, OLD)],
      expectedNew: 11,
      expectedOld: [11],
    },
    {
      name: "change both surge and size",
      deployment: newDeployment(50, { surge: 6 }),
      oldDeployment: newDeployment(10, { surge: 3 }),
      newRS: rs("foo-v2", 5),
      oldRSs: [rs("foo-v1", 8, OLD)],
      expectedNew: 22,
      expectedOld: [34],
    },
    {
      name: "change both size and template",
      deployment: updatedTemplate(14),
      oldDeployment: newDeployment(10),
      oldRSs: [rs("foo-v2", 7, NEW), rs("foo-v1", 3, OLD)],
      expectedOld: [10, 4],
    },
    {
      name: "saturated but broken new replica set does not affect old pods",
      deployment: newDeployment(2, { surge: 1, unavailable: 1 }),
      oldDeployment: newDeployment(2, { surge: 1, unavailable: 1 }),
      newRS: rs("foo-v2", 2, NEW, 0),
      oldRSs: [rs("foo-v1", 1, OLD)],
      expectedNew: 2,
      expectedOld: [1],
    },
  ];

  test.each(cases)("$name", async (c) => {
    for (const r of [c.newRS, ...c.oldRSs]) {
      if (!r) continue;
      const desired = c.desiredReplicasAnnotations?.[r.metadata.name ?? ""] ?? c.oldDeployment.spec!.replicas!;
      setReplicasAnnotations(r, desired, desired + maxSurge(c.oldDeployment));
    }
    const f = fake();
    const all = [...c.oldRSs, ...(c.newRS ? [c.newRS] : [])];
    await new Rollout(c.deployment, all, new Map(), f.actions).scale(c.newRS, c.oldRSs);
    expect(sizeAfter(f, c.newRS)).toBe(c.expectedNew);
    expect(c.oldRSs.map((r) => sizeAfter(f, r))).toEqual(c.expectedOld);
    for (const name of c.wasntUpdated ?? []) expect(f.updated.map((u) => u.metadata.name)).not.toContain(name);
  });
});

describe("reconcileNewReplicaSet (rolling_test.go)", () => {
  test.each([
    { name: "should not scale up", deploymentReplicas: 10, surge: 0, oldReplicas: 10, newReplicas: 0, expected: undefined },
    { name: "surge of 2 over a full old set", deploymentReplicas: 10, surge: 2, oldReplicas: 10, newReplicas: 0, expected: 2 },
    { name: "surge of 2 over a half old set", deploymentReplicas: 10, surge: 2, oldReplicas: 5, newReplicas: 0, expected: 7 },
    { name: "surge used up", deploymentReplicas: 10, surge: 2, oldReplicas: 10, newReplicas: 2, expected: undefined },
    { name: "should scale down", deploymentReplicas: 10, surge: 2, oldReplicas: 2, newReplicas: 11, expected: 10 },
  ])("$name", async ({ deploymentReplicas, surge, oldReplicas, newReplicas, expected }) => {
    const newRS = rs("foo-v2", newReplicas);
    const oldRS = rs("foo-v1", oldReplicas, OLD);
    const f = fake();
    const rollout = new Rollout(newDeployment(deploymentReplicas, { surge, unavailable: 0 }), [newRS, oldRS], new Map(), f.actions);
    const scaled = await rollout.reconcileNewReplicaSet([newRS, oldRS], newRS);
    expect(scaled).toBe(expected !== undefined);
    expect(f.updated.map((u) => u.spec?.replicas)).toEqual(expected === undefined ? [] : [expected]);
  });

  test("pods an old ReplicaSet has not deleted yet still count against the surge", async () => {
    // The old ReplicaSet was just scaled 10 -> 8, but its controller has not removed the 2 pods yet.
    const newRS = rs("foo-v2", 2);
    const oldRS = rs("foo-v1", 8, OLD);
    const pods = podsOf([[oldRS, 10], [newRS, 0]]);
    const f = fake();
    const rollout = new Rollout(newDeployment(10, { surge: 2 }), [newRS, oldRS], pods, f.actions);
    expect(await rollout.reconcileNewReplicaSet([newRS, oldRS], newRS)).toBe(false);
    expect(f.updated).toEqual([]);
  });
});

describe("reconcileOldReplicaSets (rolling_test.go)", () => {
  test.each([
    { name: "no unavailability allowed: one at a time", deploymentReplicas: 10, unavailable: 0, oldReplicas: 10, newReplicas: 0, readyOld: 10, readyNew: 0, scaled: true, expectedOld: 9 },
    { name: "two may be unavailable", deploymentReplicas: 10, unavailable: 2, oldReplicas: 10, newReplicas: 0, readyOld: 10, readyNew: 0, scaled: true, expectedOld: 8 },
    { name: "unhealthy old replicas are cleaned up", deploymentReplicas: 10, unavailable: 2, oldReplicas: 10, newReplicas: 0, readyOld: 8, readyNew: 0, scaled: true, expectedOld: 8 },
    { name: "one unhealthy cleaned up and one ready scaled down", deploymentReplicas: 10, unavailable: 2, oldReplicas: 10, newReplicas: 0, readyOld: 9, readyNew: 0, scaled: true, expectedOld: 8 },
    { name: "unavailable new pods do not let old ones go", deploymentReplicas: 10, unavailable: 2, oldReplicas: 8, newReplicas: 2, readyOld: 8, readyNew: 0, scaled: false, expectedOld: 8 },
  ])("$name", async ({ deploymentReplicas, unavailable, oldReplicas, newReplicas, readyOld, readyNew, scaled, expectedOld }) => {
    const newRS = rs("foo-new", newReplicas);
    const oldRS = rs("foo-old", oldReplicas, OLD);
    const f = fake();
    const rollout = new Rollout(newDeployment(deploymentReplicas, { surge: 0, unavailable }), [oldRS, newRS], podsOf([[oldRS, readyOld], [newRS, readyNew]]), f.actions);
    expect(await rollout.reconcileOldReplicaSets([oldRS, newRS], [oldRS], newRS)).toBe(scaled);
    expect(sizeAfter(f, oldRS)).toBe(expectedOld);
  });

  test("a failed ReplicaSet update surfaces", async () => {
    const newRS = rs("foo-new", 0);
    const oldRS = rs("foo-old", 10, OLD);
    const failure = new Error("fake ReplicaSet update failure");
    const rollout = new Rollout(newDeployment(10, { unavailable: 2 }), [oldRS, newRS], podsOf([[oldRS, 8]]), fake({ updateError: failure }).actions);
    await expect(rollout.reconcileOldReplicaSets([oldRS, newRS], [oldRS], newRS)).rejects.toBe(failure);
  });
});

describe("cleanupUnhealthyReplicas (rolling_test.go)", () => {
  test.each([
    { oldReplicas: 10, ready: 8, maxCleanup: 1, expected: 1 },
    { oldReplicas: 10, ready: 8, maxCleanup: 3, expected: 2 },
    { oldReplicas: 10, ready: 8, maxCleanup: 0, expected: 0 },
    { oldReplicas: 10, ready: 10, maxCleanup: 3, expected: 0 },
  ])("$ready of $oldReplicas ready, at most $maxCleanup: $expected", async ({ oldReplicas, ready, maxCleanup, expected }) => {
    const oldRS = rs("foo-v2", oldReplicas);
    const rollout = new Rollout(newDeployment(10, { surge: 2, unavailable: 2 }), [oldRS], podsOf([[oldRS, ready]]), fake().actions);
    expect((await rollout.cleanupUnhealthyReplicas([oldRS], maxCleanup)).count).toBe(expected);
  });
});

describe("scaleDownOldReplicaSetsForRollingUpdate (rolling_test.go)", () => {
  test.each([
    { replicas: 10, unavailable: 0, ready: 10, oldReplicas: 10, expected: 9 },
    { replicas: 10, unavailable: 2, ready: 10, oldReplicas: 10, expected: 8 },
    { replicas: 10, unavailable: 2, ready: 8, oldReplicas: 10, expected: undefined },
    { replicas: 10, unavailable: 2, ready: 10, oldReplicas: 0, expected: undefined },
    { replicas: 10, unavailable: 2, ready: 1, oldReplicas: 10, expected: undefined },
  ])("$ready ready of $oldReplicas, $unavailable may be unavailable", async ({ replicas, unavailable, ready, oldReplicas, expected }) => {
    const oldRS = rs("foo-v2", oldReplicas);
    const f = fake();
    const rollout = new Rollout(newDeployment(replicas, { unavailable }), [oldRS], podsOf([[oldRS, ready]]), f.actions);
    const scaled = await rollout.scaleDownOldReplicaSetsForRollingUpdate([oldRS], [oldRS]);
    expect(scaled > 0).toBe(expected !== undefined);
    expect(f.updated.map((u) => u.spec?.replicas)).toEqual(expected === undefined ? [] : [expected]);
  });
});

describe("rolloutStatus (progress_test.go TestSyncRolloutStatus)", () => {
  const testTime = "2017-02-15T18:49:00Z";
  const failedTimedOut: DeploymentCondition = { type: PROGRESSING, status: "False", reason: TIMED_OUT_REASON };
  const newRSAvailable: DeploymentCondition = { type: PROGRESSING, status: "True", reason: NEW_RS_AVAILABLE_REASON, lastUpdateTime: testTime, lastTransitionTime: testTime };
  const replicaSetUpdated: DeploymentCondition = { type: PROGRESSING, status: "True", reason: RS_UPDATED_REASON, lastUpdateTime: testTime, lastTransitionTime: testTime };

  function currentDeployment(pds: number | undefined, replicas: number, statusReplicas: number, updated: number, available: number, conditions: DeploymentCondition[]): Deployment {
    return {
      metadata: { name: "progress-test", generation: 1 },
      spec: { progressDeadlineSeconds: pds, replicas, strategy: { type: "Recreate" }, selector: {}, template: {} },
      status: { replicas: statusReplicas, updatedReplicas: updated, availableReplicas: available, conditions } as Deployment["status"],
    };
  }
  const withAvailable = (name: string, spec: number, replicas: number, available: number): ReplicaSet => ({
    ...rs(name, spec),
    status: { replicas, availableReplicas: available },
  });

  test.each([
    { name: "General: remove Progressing condition and do not estimate progress if deployment has no Progress Deadline", d: currentDeployment(undefined, 3, 2, 2, 2, [replicaSetUpdated]), allRSs: [withAvailable("bar", 0, 1, 1)], newRS: withAvailable("foo", 3, 2, 2) },
    { name: "General: do not estimate progress of deployment with only one active ReplicaSet", d: currentDeployment(60, 3, 3, 3, 3, [newRSAvailable]), allRSs: [withAvailable("bar", 3, 3, 3)], status: "True", reason: NEW_RS_AVAILABLE_REASON, lastUpdate: testTime, lastTransition: testTime },
    { name: "DeploymentProgressing: dont update lastTransitionTime if deployment already has Progressing=True", d: currentDeployment(60, 3, 2, 2, 2, [replicaSetUpdated]), allRSs: [withAvailable("bar", 0, 1, 1)], newRS: withAvailable("foo", 3, 2, 2), status: "True", reason: RS_UPDATED_REASON, lastTransition: testTime },
    { name: "DeploymentProgressing: update everything if deployment has Progressing=False", d: currentDeployment(60, 3, 2, 2, 2, [failedTimedOut]), allRSs: [withAvailable("bar", 0, 1, 1)], newRS: withAvailable("foo", 3, 2, 2), status: "True", reason: RS_UPDATED_REASON },
    { name: "DeploymentProgressing: create Progressing condition if it does not exist", d: currentDeployment(60, 3, 2, 2, 2, []), allRSs: [withAvailable("bar", 0, 1, 1)], newRS: withAvailable("foo", 3, 2, 2), status: "True", reason: RS_UPDATED_REASON },
    { name: "DeploymentComplete: dont update lastTransitionTime if deployment already has Progressing=True", d: currentDeployment(60, 3, 3, 3, 3, [replicaSetUpdated]), allRSs: [], newRS: withAvailable("foo", 3, 3, 3), status: "True", reason: NEW_RS_AVAILABLE_REASON, lastTransition: testTime },
    { name: "DeploymentComplete: update everything if deployment has Progressing=False", d: currentDeployment(60, 3, 3, 3, 3, [failedTimedOut]), allRSs: [], newRS: withAvailable("foo", 3, 3, 3), status: "True", reason: NEW_RS_AVAILABLE_REASON },
    { name: "DeploymentComplete: create Progressing condition if it does not exist", d: currentDeployment(60, 3, 3, 3, 3, []), allRSs: [], newRS: withAvailable("foo", 3, 3, 3), status: "True", reason: NEW_RS_AVAILABLE_REASON },
    { name: "DeploymentComplete: defend against a missing newRS", d: currentDeployment(60, 0, 3, 3, 3, [replicaSetUpdated]), allRSs: [withAvailable("foo", 0, 0, 0)], status: "True", reason: NEW_RS_AVAILABLE_REASON },
    { name: "DeploymentTimedOut: update status if rollout exceeds Progress Deadline", d: currentDeployment(60, 3, 2, 2, 2, [replicaSetUpdated]), allRSs: [], newRS: withAvailable("foo", 3, 2, 2), status: "False", reason: TIMED_OUT_REASON },
    { name: "DeploymentTimedOut: do not update status if deployment has existing timedOut condition", d: currentDeployment(60, 3, 2, 2, 2, [failedTimedOut]), allRSs: [], newRS: withAvailable("foo", 3, 2, 2), status: "False", reason: TIMED_OUT_REASON },
  ] as { name: string; d: Deployment; allRSs: ReplicaSet[]; newRS?: ReplicaSet; status?: string; reason?: string; lastUpdate?: string; lastTransition?: string }[])(
    "$name",
    ({ d, allRSs, newRS, status, reason, lastUpdate, lastTransition }) => {
      const all = newRS ? [...allRSs, newRS] : allRSs;
      const next: DeploymentStatus = rolloutStatus(all, newRS, d, Date.now()).status;
      const condition = getCondition(next, PROGRESSING);
      if (status === undefined) {
        expect(condition).toBeUndefined();
        return;
      }
      expect(condition).toMatchObject({ status, reason });
      if (lastUpdate) expect(condition?.lastUpdateTime).toBe(lastUpdate);
      if (lastTransition) expect(condition?.lastTransitionTime).toBe(lastTransition);
    },
  );

  test("the old Progressing condition's lastUpdateTime stays when nothing changes", () => {
    const d = currentDeployment(60, 3, 2, 2, 2, [failedTimedOut]);
    const next = rolloutStatus([withAvailable("foo", 3, 2, 2)], withAvailable("foo", 3, 2, 2), d, Date.now()).status;
    expect(getCondition(next, PROGRESSING)).toEqual(failedTimedOut);
  });
});

describe("new ReplicaSet", () => {
  test("named after the deployment and its template hash, selecting and labelling by that hash, revision 1", async () => {
    const f = fake();
    const d = newDeployment(3, { surge: 1 });
    const { newRS } = await new Rollout(d, [], new Map(), f.actions).replicaSetsAndSyncRevision(true);
    const hash = newRS!.metadata.labels?.["pod-template-hash"];
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(newRS!.metadata.name).toBe(`foo-${hash}`);
    expect(newRS!.spec?.selector.matchLabels).toEqual({ foo: "bar", "pod-template-hash": hash! });
    expect(newRS!.spec?.template?.metadata?.labels).toEqual({ foo: "bar", "pod-template-hash": hash! });
    expect(newRS!.spec?.replicas).toBe(3);
    expect(newRS!.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "Deployment", name: "foo", uid: "deployment-uid", controller: true, blockOwnerDeletion: true }]);
    expect(newRS!.metadata.annotations).toEqual({
      [REVISION]: "1",
      "deployment.kubernetes.io/desired-replicas": "3",
      "deployment.kubernetes.io/max-replicas": "4",
    });
    expect(f.events).toEqual([`Normal ScalingReplicaSet Scaled up replica set foo-${hash} from 0 to 3`]);
    expect(f.statuses.at(-1)?.metadata.annotations?.[REVISION]).toBe("1");
  });

  test("an old ReplicaSet with the template comes back with the next revision, remembering its old one", async () => {
    const d = newDeployment(3);
    const back = { ...rs("foo-a", 0, OLDER), metadata: { ...rs("foo-a", 0, OLDER).metadata, annotations: { [REVISION]: "1" } } };
    back.spec!.template = structuredClone(d.spec!.template!);
    const current = rs("foo-b", 3, OLD);
    current.metadata.annotations = { [REVISION]: "2" };
    current.spec!.template = { metadata: { labels: { foo: "bar" } }, spec: { containers: [{ name: "c", image: "foo/baz" }] } };
    const f = fake();
    const { newRS } = await new Rollout(d, [back, current], new Map(), f.actions).replicaSetsAndSyncRevision(true);
    expect(f.created).toEqual([]);
    expect(newRS?.metadata.name).toBe("foo-a");
    expect(newRS?.metadata.annotations).toMatchObject({ [REVISION]: "3", [REVISION_HISTORY]: "1" });
  });

  test("a name taken by someone else's ReplicaSet bumps collisionCount, which changes the hash", async () => {
    const d = newDeployment(3);
    const first = await new Rollout(d, [], new Map(), fake().actions).replicaSetsAndSyncRevision(true);
    const squatter = rs(first.newRS!.metadata.name!, 1);
    const f = fake({ createError: new ApiStatusError(409, "AlreadyExists", "already exists"), cached: [squatter] });
    await expect(new Rollout(d, [], new Map(), f.actions).replicaSetsAndSyncRevision(true)).rejects.toThrow("already exists");
    const bumped = f.statuses.at(-1)!;
    expect((bumped.status as DeploymentStatus).collisionCount).toBe(1);
    const second = await new Rollout(bumped, [], new Map(), fake().actions).replicaSetsAndSyncRevision(true);
    expect(second.newRS!.metadata.name).not.toBe(first.newRS!.metadata.name);
  });
});

describe("cleanupDeployment", () => {
  test("deletes the oldest empty ReplicaSets beyond revisionHistoryLimit, never one with pods", async () => {
    const d = newDeployment(1, { revisionHistoryLimit: 1 });
    const old = [1, 2, 3, 4].map((n) => {
      const r = rs(`foo-${n}`, n === 2 ? 1 : 0, `2016-05-20T0${n}:00:00Z`);
      r.metadata.annotations = { [REVISION]: String(n) };
      r.metadata.generation = 1;
      r.status = { replicas: n === 2 ? 1 : 0, observedGeneration: 1 };
      return r;
    });
    const f = fake();
    await new Rollout(d, old, new Map(), f.actions).cleanupDeployment(old);
    // Three beyond the limit: foo-1, foo-2 (still has a pod: kept) and foo-3.
    expect(f.deleted).toEqual(["foo-1", "foo-3"]);
  });
});
