// Hollow nodes: many fake agents in one process that register Nodes, renew
// their Leases and report bound pods Running and Ready, so the control plane
// can be measured at scale on one machine (kubemark's idea).
import { isConflict, isNotFound } from "../../client/errors.ts";
import { Informer } from "../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../client/kube-client.ts";

const nodes = resourceOf("v1", "nodes");
const leases = resourceOf("coordination.k8s.io/v1", "leases");
const pods = resourceOf("v1", "pods");

export interface HollowNodeOptions {
  client: KubeClient;
  count: number;
  prefix?: string;
  /** Per node. */
  capacity?: { cpu: string; memory: string; pods: string };
  labels?: (index: number) => Record<string, string>;
  leaseRenewMs?: number;
  /** Parallel API writes for registering and reporting. */
  concurrency?: number;
  /** Called once per pod, when it is first seen bound to one of these nodes (benchmarks time binds by it). */
  onBound?: (pod: KubeObject) => void;
  log?: (message: string) => void;
}

export interface HollowNodes {
  names: string[];
  /** Pods reported Running so far. */
  readonly running: number;
  /** Pods bound to these nodes now (deleted ones no longer count). */
  readonly pods: number;
  /**
   * Stops reporting pods Running and confirming deletions until
   * resumeReports(); what comes meanwhile waits. A benchmark measures the
   * scheduler alone this way, as kube's scheduler_perf does (it has no kubelets).
   */
  pauseReports(): void;
  resumeReports(): void;
  stop(): Promise<void>;
}

const LEASE_TICK_MS = 200;

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
const microNow = () => new Date().toISOString().replace("Z", "000Z");

/** Runs `task` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

export async function startHollowNodes(options: HollowNodeOptions): Promise<HollowNodes> {
  const { client } = options;
  const prefix = options.prefix ?? "hollow";
  const capacity = options.capacity ?? { cpu: "4", memory: "16Gi", pods: "110" };
  const concurrency = options.concurrency ?? 32;
  const log = options.log ?? (() => {});
  const names = Array.from({ length: options.count }, (_, i) => `${prefix}-${i}`);
  const mine = new Set(names);

  await inParallel(names.map((name, i) => ({ name, i })), concurrency, async ({ name, i }) => {
    const node: KubeObject = {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", ...options.labels?.(i) },
      },
      spec: {},
      status: {
        capacity,
        allocatable: capacity,
        conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "hollow node is ready", lastHeartbeatTime: now(), lastTransitionTime: now() }],
        addresses: [{ type: "InternalIP", address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }, { type: "Hostname", address: name }],
        nodeInfo: { kubeletVersion: "v1.32.0-ledge-hollow", containerRuntimeVersion: "hollow://1", osImage: "hollow", kernelVersion: "0", operatingSystem: "linux", architecture: "amd64" },
      },
    };
    try {
      await client.create(nodes, node);
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  });

  let stopped = false;
  const renew = async (name: string) => {
    const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microNow() };
    try {
      await client.patch(leases, "kube-node-lease", name, "merge", { spec });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await client.create(leases, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace: "kube-node-lease" }, spec });
    }
  };
  await inParallel(names, concurrency, renew);
  // Each real kubelet renews on its own clock, so a fleet's renewals are a
  // steady stream, not a burst of thousands every period: a slice per tick.
  // A tick that finds the previous slice still going skips, so an overloaded
  // server stretches the period instead of collecting a backlog.
  const perTick = Math.max(1, Math.ceil((names.length * LEASE_TICK_MS) / (options.leaseRenewMs ?? 10_000)));
  let cursor = 0;
  let renewing = false;
  const leaseTimer = setInterval(() => {
    if (stopped || renewing) return;
    const slice = Array.from({ length: Math.min(perTick, names.length) }, (_, k) => names[(cursor + k) % names.length]!);
    cursor = (cursor + slice.length) % names.length;
    renewing = true;
    inParallel(slice, concurrency, renew)
      .catch((e: unknown) => log(`hollow: lease renewal failed: ${(e as Error).message}`))
      .finally(() => (renewing = false));
  }, LEASE_TICK_MS);

  // One watch for the pods of every hollow node; work goes through a bounded queue.
  let running = 0;
  let podCounter = 0;
  const reported = new Set<string>();
  const queue: KubeObject[] = [];
  let wakeWorkers: (() => void)[] = [];
  const enqueue = (pod: KubeObject) => {
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!nodeName || !mine.has(nodeName)) return;
    queue.push(pod);
    wakeWorkers.shift()?.();
  };
  const report = async (pod: KubeObject) => {
    const { namespace = "", name = "", uid = "" } = pod.metadata;
    if (pod.metadata.deletionTimestamp) {
      // A kubelet confirms deletion once its containers are gone; hollow ones have none.
      await client.delete(pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } }).catch((e: unknown) => {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      });
      return;
    }
    if (reported.has(uid) || (pod.status as { phase?: string } | undefined)?.phase === "Running") return;
    reported.add(uid);
    const containers = ((pod.spec as { containers?: { name: string; image: string }[] }).containers ?? []).map((c) => ({
      name: c.name,
      image: c.image,
      imageID: `hollow://${c.image}`,
      containerID: `hollow://${uid}/${c.name}`,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now() } },
    }));
    const time = now();
    const n = ++podCounter;
    // Distinct made-up addresses, so Endpoints list every replica.
    const podIP = `10.${244 + ((n >> 16) & 7)}.${(n >> 8) & 255}.${n & 255}`;
    const status = {
      phase: "Running",
      startTime: time,
      podIP,
      podIPs: [{ ip: podIP }],
      hostIP: "10.0.0.1",
      containerStatuses: containers,
      conditions: ["PodScheduled", "Initialized", "ContainersReady", "Ready"].map((type) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: time })),
    };
    await client.patch(pods, namespace, name, "merge", { status }, { subresource: "status" }).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
    running++;
  };
  let reporting = true;
  const workers = Array.from({ length: concurrency }, async () => {
    while (!stopped) {
      const pod = reporting ? queue.shift() : undefined;
      if (!pod) {
        await new Promise<void>((resolve) => wakeWorkers.push(resolve));
        continue;
      }
      await report(pod).catch((e: unknown) => log(`hollow: reporting ${pod.metadata.name} failed: ${(e as Error).message}`));
    }
  });
  let live = 0;
  const seen = new Set<string>();
  const added = (pod: KubeObject) => {
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!nodeName || !mine.has(nodeName)) return;
    live++;
    const uid = pod.metadata.uid ?? "";
    if (!seen.has(uid)) {
      seen.add(uid);
      options.onBound?.(pod);
    }
    enqueue(pod);
  };
  const informer = new Informer(client, pods, { fieldSelector: "spec.nodeName!=", onError: (e) => log(`hollow: ${(e as Error).message}`) });
  informer.on({
    add: added,
    update: (_, pod) => enqueue(pod),
    delete: (pod) => {
      const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      if (nodeName && mine.has(nodeName)) live--;
    },
  });
  await informer.start();

  return {
    names,
    get running() {
      return running;
    },
    get pods() {
      return live;
    },
    pauseReports() {
      reporting = false;
    },
    resumeReports() {
      reporting = true;
      for (const wake of wakeWorkers.splice(0)) wake();
    },
    async stop() {
      stopped = true;
      clearInterval(leaseTimer);
      informer.stop();
      for (const wake of wakeWorkers) wake();
      wakeWorkers = [];
      await Promise.all(workers);
    },
  };
}
