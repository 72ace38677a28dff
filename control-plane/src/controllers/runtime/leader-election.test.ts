import { afterAll, beforeAll, expect, test } from "bun:test";
import { KubeClient } from "../../../../client/kube-client.ts";
import { createApp } from "../../api/app.ts";
import { bootstrap } from "../../api/bootstrap.ts";
import { openStore } from "../../storage/open.ts";
import type { SqlStore } from "../../storage/sql/sql-store.ts";
import { eventually } from "../test-cluster.ts";
import { DEFAULT_TIMINGS, startLeaderElection, takeoverBoundMs } from "./leader-election.ts";

let store: SqlStore;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  store = await openStore();
  app = createApp({ store });
  await bootstrap(app);
});
afterAll(() => store.close());

/** A candidate whose link to the API can be cut, as when its process is killed. */
function candidate(identity: string, name: string, leading: Set<string>) {
  let cut = false;
  const client = new KubeClient(async (request) => {
    if (cut) throw new Error("connection refused");
    return app.fetch(request);
  });
  const elector = startLeaderElection({
    client,
    name,
    identity,
    leaseDurationMs: 300,
    renewDeadlineMs: 200,
    retryPeriodMs: 50,
    onStartedLeading: async () => {
      leading.add(identity);
      return () => void leading.delete(identity);
    },
  });
  return { elector, cut: () => (cut = true) };
}

test("exactly one candidate leads; a graceful stop hands over", async () => {
  const leading = new Set<string>();
  const a = candidate("a", "graceful", leading);
  const b = candidate("b", "graceful", leading);
  await eventually("a leader", () => leading.size === 1);
  const [first] = [...leading];
  const [leader, other] = first === "a" ? [a, b] : [b, a];
  expect(other.elector.isLeader()).toBe(false);
  await leader.elector.stop();
  await eventually("the other candidate to lead", () => other.elector.isLeader());
  expect([...leading]).toEqual([first === "a" ? "b" : "a"]);
  await other.elector.stop();
});

test("a leader that disappears without releasing is replaced after the lease expires", async () => {
  const leading = new Set<string>();
  const a = candidate("a", "crash", leading);
  await eventually("a to lead", () => a.elector.isLeader());
  const b = candidate("b", "crash", leading);
  a.cut();
  await eventually("b to take over", () => b.elector.isLeader());
  // The cut-off leader stepped down on its own once it could not renew.
  await eventually("a to step down", () => !a.elector.isLeader());
  await Promise.all([a.elector.stop(), b.elector.stop()]);
});

test("a leader whose work fails to start tries again rather than holding the lease idle", async () => {
  let attempts = 0;
  const started: string[] = [];
  const elector = startLeaderElection({
    client: new KubeClient((request) => app.fetch(request)),
    name: "failing-start",
    identity: "a",
    leaseDurationMs: 300,
    renewDeadlineMs: 200,
    retryPeriodMs: 50,
    onStartedLeading: async () => {
      if (++attempts === 1) throw new Error("informers not ready");
      started.push("a");
      return () => {};
    },
  });
  await eventually("the second attempt to start the work", () => started.length === 1);
  expect(elector.isLeader()).toBe(true);
  expect(attempts).toBe(2);
  await elector.stop();
});

test("the default timings replace a killed leader within the issue's 15 s", () => {
  expect(DEFAULT_TIMINGS.renewDeadlineMs).toBeLessThan(DEFAULT_TIMINGS.leaseDurationMs);
  expect(takeoverBoundMs()).toBeLessThanOrEqual(15_000);
});
