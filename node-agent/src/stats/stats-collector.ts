// Resource usage of the node and of each container, sampled periodically and
// kept (the latest sample) in the shape of the kubelet's Summary API
// (/stats/summary), which is what metrics-server scrapes for `kubectl top`.
// Containers report through their runtime's stats() when it has one; the
// node's figures come from /proc.
import { type Clock, rfc3339 } from "../clock.ts";
import type { MachineReadings } from "../node/machine.ts";
import { every } from "../periodic.ts";
import type { PodWorker } from "../pods/pod-worker.ts";

interface CpuStats {
  time: string;
  usageNanoCores: number;
  usageCoreNanoSeconds: number;
}

interface MemoryStats {
  time: string;
  usageBytes: number;
  workingSetBytes: number;
  availableBytes?: number;
}

export interface ContainerStats {
  name: string;
  startTime?: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStats[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface Summary {
  node: {
    nodeName: string;
    startTime: string;
    cpu: CpuStats;
    memory: MemoryStats;
    fs: { time: string; availableBytes: number; capacityBytes: number; usedBytes: number; inodesFree: number; inodes: number };
  };
  pods: PodStats[];
}

export interface StatsOptions {
  nodeName: string;
  dataDir: string;
  clock: Clock;
  readings: MachineReadings;
  workers(): PodWorker[];
  log(message: string): void;
  /** Sampling period (10 s). */
  everyMs?: number;
}

export class StatsCollector {
  #summary: Summary | undefined;
  #previousNode: { busyMs: number; at: number } | undefined;
  readonly #previousContainers = new Map<string, { cpuMillis: number; at: number }>();
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  readonly #started: string;

  constructor(private readonly options: StatsOptions) {
    this.#started = rfc3339(options.clock.now());
  }

  start(): void {
    this.#loop ??= every(this.options.clock, this.options.everyMs ?? 10_000, this.#stop.signal, () => this.sample(), (error) =>
      this.options.log(`agent: sampling resource usage failed: ${(error as Error).message}`),
    );
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  /** The latest sample, if one was taken. */
  summary(): Summary | undefined {
    return this.#summary;
  }

  async sample(): Promise<Summary> {
    const { clock, readings, dataDir } = this.options;
    const now = clock.now();
    const time = rfc3339(now);
    const cpuTime = readings.cpuTime();
    const previous = this.#previousNode;
    const nodeNanoCores = previous && cpuTime.busyMs >= previous.busyMs && now > previous.at ? ((cpuTime.busyMs - previous.busyMs) / (now - previous.at)) * 1e9 : 0;
    this.#previousNode = { busyMs: cpuTime.busyMs, at: now };
    const total = readings.memoryTotalBytes();
    const available = readings.memoryAvailableBytes();
    const disk = readings.disk(dataDir);
    const pods: PodStats[] = [];
    const seen = new Set<string>();
    for (const worker of this.options.workers()) {
      const containers: ContainerStats[] = [];
      for (const record of worker.record.containers) {
        const handle = worker.container(record.name)?.handle;
        if (!handle?.stats || record.state.name !== "running") continue;
        const usage = await handle.stats().catch(() => undefined);
        if (!usage) continue;
        const key = handle.id;
        seen.add(key);
        const before = this.#previousContainers.get(key);
        const nanoCores = before && usage.cpuMillis >= before.cpuMillis && now > before.at ? ((usage.cpuMillis - before.cpuMillis) / (now - before.at)) * 1e9 : 0;
        this.#previousContainers.set(key, { cpuMillis: usage.cpuMillis, at: now });
        containers.push({
          name: record.name,
          startTime: handle.startedAt,
          cpu: { time, usageNanoCores: Math.round(nanoCores), usageCoreNanoSeconds: Math.round(usage.cpuMillis * 1e6) },
          memory: { time, usageBytes: usage.memoryBytes, workingSetBytes: usage.memoryBytes },
        });
      }
      const sum = (pick: (c: ContainerStats) => number | undefined) => containers.reduce((acc, c) => acc + (pick(c) ?? 0), 0);
      pods.push({
        podRef: { name: worker.record.name, namespace: worker.record.namespace, uid: worker.uid },
        startTime: worker.record.startTime,
        containers,
        ...(containers.length > 0
          ? {
              cpu: { time, usageNanoCores: sum((c) => c.cpu?.usageNanoCores), usageCoreNanoSeconds: sum((c) => c.cpu?.usageCoreNanoSeconds) },
              memory: { time, usageBytes: sum((c) => c.memory?.usageBytes), workingSetBytes: sum((c) => c.memory?.workingSetBytes) },
            }
          : {}),
      });
    }
    for (const key of this.#previousContainers.keys()) if (!seen.has(key)) this.#previousContainers.delete(key);
    this.#summary = {
      node: {
        nodeName: this.options.nodeName,
        startTime: this.#started,
        cpu: { time, usageNanoCores: Math.round(nodeNanoCores), usageCoreNanoSeconds: Math.round(cpuTime.busyMs * 1e6) },
        memory: { time, availableBytes: available, usageBytes: total - available, workingSetBytes: total - available },
        fs: {
          time,
          availableBytes: disk.availableBytes,
          capacityBytes: disk.totalBytes,
          usedBytes: disk.totalBytes - disk.availableBytes,
          inodesFree: disk.freeInodes,
          inodes: disk.totalInodes,
        },
      },
      pods,
    };
    return this.#summary;
  }
}
