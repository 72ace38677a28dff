// Micro-benchmark of the scheduler's pure core: 10,000 pending pods through
// queue → schedule (filter, score, assume) → the informer's confirmation of
// the binding, on 500 and 5,000 synthetic nodes, with and without topology
// spread and anti-affinity. No I/O: the figure is the ceiling the API path
// adds to. Target: ≥ 2,000 pods/s on 500 nodes for the basic case.
//
//   bun control-plane/src/scheduler/bench.ts [--pods N] [--nodes 500,5000] [--case basic,spread,anti-affinity]

import { parseArgs } from "node:util";
import type { Node, Pod } from "../../../schemas/index.ts";
import { makeNode, makePod } from "./builders.ts";
import { buildFramework } from "./profile.ts";
import { SchedulingQueue } from "./queue.ts";
import { Scheduler } from "./scheduler.ts";
import { Snapshot } from "./snapshot.ts";

const ZONE = "topology.kubernetes.io/zone";
const ZONES = 10;
const IMAGES = 20;
const MiB = 1024 * 1024;

type Case = "basic" | "spread" | "anti-affinity";

function nodes(count: number): Node[] {
  return Array.from({ length: count }, (_, i) =>
    makeNode(`node-${i}`, {
      cpu: "32",
      memory: "128Gi",
      pods: 110,
      labels: { [ZONE]: `zone-${i % ZONES}` },
      // Each node holds a few of the images, so ImageLocality has work to do.
      images: [0, 7, 13].map((k) => ({ names: [`registry.example/app-${(i + k) % IMAGES}:1.0`], sizeBytes: 200 * MiB })),
    }),
  );
}

function pod(c: Case, i: number): Pod {
  const base = { cpu: "100m", memory: "128Mi", image: `registry.example/app-${i % IMAGES}:1.0` };
  switch (c) {
    case "basic":
      return makePod(`pod-${i}`, { ...base, labels: { app: `app-${i % 100}` } });
    case "spread": {
      // 100 apps of 100 replicas: hard zone spread, soft host spread, as a Deployment would ask.
      const app = `app-${i % 100}`;
      const selector = { matchLabels: { app } };
      return makePod(`pod-${i}`, {
        ...base,
        labels: { app },
        spec: {
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "DoNotSchedule", labelSelector: selector },
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector },
          ],
        },
      });
    }
    case "anti-affinity": {
      // 1,000 apps of 10 replicas, at most one replica per host.
      const app = `app-${i % 1000}`;
      return makePod(`pod-${i}`, {
        ...base,
        labels: { app },
        spec: {
          affinity: {
            podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: "kubernetes.io/hostname" }] },
          },
        },
      });
    }
  }
}

/**
 * The placement the run produced must honour what the pods asked for, or the
 * speed means nothing: per app, zones within maxSkew 1 (spread) or one
 * replica per node (anti-affinity).
 */
function violations(c: Case, snapshot: Snapshot): number {
  if (c === "basic") return 0;
  const perApp = new Map<string, Map<string, number>>();
  for (const node of snapshot.nodeInfos()) {
    const domain = c === "spread" ? (node.labels?.[ZONE] ?? "") : node.name;
    for (const p of node.pods.values()) {
      const app = p.labels?.app ?? "";
      let domains = perApp.get(app);
      if (domains === undefined) perApp.set(app, (domains = new Map()));
      domains.set(domain, (domains.get(domain) ?? 0) + 1);
    }
  }
  let bad = 0;
  for (const domains of perApp.values()) {
    const counts = [...domains.values()];
    if (c === "anti-affinity") bad += counts.filter((n) => n > 1).length;
    // Every zone has nodes, so an app missing from a zone has 0 there.
    else if (Math.max(...counts) - (domains.size < ZONES ? 0 : Math.min(...counts)) > 1) bad++;
  }
  return bad;
}

interface Result {
  /** Wall clock. */
  readonly seconds: number;
  /** This process's CPU time: on a shared machine, the fairer figure. */
  readonly cpuSeconds: number;
  readonly scheduled: number;
  readonly unschedulable: number;
  readonly violations: number;
}

function run(c: Case, nodeCount: number, podCount: number): Result {
  const snapshot = new Snapshot();
  for (const n of nodes(nodeCount)) snapshot.setNode(n);
  const framework = buildFramework();
  const scheduler = new Scheduler(framework, snapshot);
  let now = 0;
  const queue = new SchedulingQueue({ now: () => now, isRelevant: framework.interestedIn });
  const pods = Array.from({ length: podCount }, (_, i) => pod(c, i));

  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (const p of pods) queue.add(p);
  let scheduled = 0;
  let unschedulable = 0;
  for (let entry = queue.pop(); entry !== undefined; entry = queue.pop()) {
    now++;
    const result = scheduler.schedule(entry.pod);
    if (result.outcome === "scheduled") {
      // What the informer delivers once the binding lands: the pod, bound.
      snapshot.setPod({ ...entry.pod, spec: { ...entry.pod.spec, containers: entry.pod.spec?.containers ?? [], nodeName: result.node } });
      queue.done(entry.key);
      scheduled++;
    } else if (result.outcome === "unschedulable") {
      queue.requeueUnschedulable(entry, result.unschedulablePlugins);
      unschedulable++;
    } else {
      throw new Error(`${entry.key}: ${result.outcome}: ${result.message}`);
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  return { seconds: (performance.now() - start) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, scheduled, unschedulable, violations: violations(c, snapshot) };
}

const { values } = parseArgs({
  options: {
    pods: { type: "string", default: "10000" },
    nodes: { type: "string", default: "500,5000" },
    case: { type: "string", default: "basic,spread,anti-affinity" },
  },
});
const podCount = Number(values.pods);
const nodeCounts = values.nodes.split(",").map(Number);
const cases = values.case.split(",") as Case[];

// Warm the JIT up so the first row is not the compiler's.
run("basic", 100, 2000);
run("spread", 100, 2000);
run("anti-affinity", 100, 500);

console.log(`${podCount} pods per run, bun ${Bun.version}`);
console.log("nodes  case            pods/s  pods/cpu-s  seconds  cpu-s  scheduled  unschedulable  violations");
for (const nodeCount of nodeCounts) {
  for (const c of cases) {
    const r = run(c, nodeCount, podCount);
    const rate = Math.round(r.scheduled / r.seconds);
    const cpuRate = Math.round(r.scheduled / r.cpuSeconds);
    console.log(
      [
        String(nodeCount).padStart(5),
        c.padEnd(14),
        String(rate).padStart(6),
        String(cpuRate).padStart(10),
        r.seconds.toFixed(2).padStart(7),
        r.cpuSeconds.toFixed(2).padStart(5),
        String(r.scheduled).padStart(9),
        String(r.unschedulable).padStart(13),
        String(r.violations).padStart(10),
      ].join("  "),
    );
  }
}
console.log(`rss ${Math.round(process.memoryUsage().rss / MiB)} MiB`);
