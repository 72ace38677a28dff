// What the node is and how it is doing, read from the machine itself: CPUs,
// memory, the data dir's disk, process ids, addresses, OS facts. Behind an
// interface so node conditions can be tested with made-up readings.
import { existsSync, readdirSync, readFileSync, statfsSync } from "node:fs";
import os from "node:os";

export interface DiskReading {
  totalBytes: number;
  availableBytes: number;
  totalInodes: number;
  freeInodes: number;
}

export interface MachineReadings {
  cpus(): number;
  memoryTotalBytes(): number;
  /** What can be allocated without swapping (MemAvailable), as the kubelet's memory.available. */
  memoryAvailableBytes(): number;
  disk(path: string): DiskReading;
  pids(): { inUse: number; max: number };
  /** Cumulative CPU time of the whole machine, busy and total, in milliseconds. */
  cpuTime(): { busyMs: number; totalMs: number };
}

/** A /proc, /sys or /etc file's text; undefined where the machine has no such file, or keeps it from us (product_uuid is root's). */
function read(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EACCES") return undefined;
    throw error;
  }
}

export const hostReadings: MachineReadings = {
  cpus: () => os.availableParallelism?.() ?? os.cpus().length,
  memoryTotalBytes: () => os.totalmem(),
  memoryAvailableBytes() {
    const available = /^MemAvailable:\s+(\d+) kB/m.exec(read("/proc/meminfo") ?? "");
    return available ? Number(available[1]) * 1024 : os.freemem();
  },
  disk(path) {
    const stat = statfsSync(existsSync(path) ? path : "/");
    return { totalBytes: stat.blocks * stat.bsize, availableBytes: stat.bavail * stat.bsize, totalInodes: stat.files, freeInodes: stat.ffree };
  },
  pids() {
    const max = Number(read("/proc/sys/kernel/pid_max") ?? 32768);
    const inUse = existsSync("/proc") ? readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).length : 0;
    return { inUse, max };
  },
  cpuTime() {
    const line = (read("/proc/stat") ?? "").split("\n").find((l) => l.startsWith("cpu "));
    if (line) {
      // user nice system idle iowait irq softirq steal, in USER_HZ (100 per second on Linux).
      const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
      const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
      const total = ticks.reduce((a, b) => a + b, 0);
      return { busyMs: (total - idle) * 10, totalMs: total * 10 };
    }
    const cpus = os.cpus();
    const sum = (pick: (t: os.CpuInfo["times"]) => number) => cpus.reduce((acc, cpu) => acc + pick(cpu.times), 0);
    const total = sum((t) => t.user + t.nice + t.sys + t.idle + t.irq);
    return { busyMs: total - sum((t) => t.idle), totalMs: total };
  },
};

/** Kubernetes' (Go's) names for architectures. */
export function goArch(arch = os.arch()): string {
  return ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" } as Record<string, string>)[arch] ?? arch;
}

export interface SystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  operatingSystem: string;
  architecture: string;
}

export function systemInfo(): SystemInfo {
  const osRelease = read("/etc/os-release") ?? "";
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1];
  const machineID = (read("/etc/machine-id") ?? "").trim();
  return {
    machineID,
    systemUUID: (read("/sys/class/dmi/id/product_uuid") ?? machineID).trim(),
    bootID: (read("/proc/sys/kernel/random/boot_id") ?? "").trim(),
    kernelVersion: os.release(),
    osImage: pretty ?? `${os.type()} ${os.release()}`,
    operatingSystem: os.platform(),
    architecture: goArch(),
  };
}

/** The first non-loopback IPv4 address, else 127.0.0.1: the node's InternalIP when none is given. */
export function defaultNodeIP(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === "IPv4" && !address.internal) return address.address;
  }
  return "127.0.0.1";
}

/** A node name from the host name, as the kubelet derives one: lower case, a DNS subdomain. */
export function defaultNodeName(hostname = os.hostname()): string {
  const name = hostname
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  return name || "ledge-node";
}
