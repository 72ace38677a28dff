// What the kernel offers for resource limits, and reading a container's usage
// from its cgroup files. cgroup v2 (unified) and v1 (legacy or hybrid) are both
// in the field on edge devices; runc drives either, we only read.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface CgroupSupport {
  /** 2: unified hierarchy; 1: legacy/hybrid; 0: none mounted (runc cannot run). */
  version: 0 | 1 | 2;
  memory: boolean;
  cpu: boolean;
}

const ROOT = "/sys/fs/cgroup";

export function detectCgroups(root = ROOT): CgroupSupport {
  const controllersFile = join(root, "cgroup.controllers");
  if (existsSync(controllersFile)) {
    const controllers = readFileSync(controllersFile, "utf8").trim().split(/\s+/);
    return { version: 2, memory: controllers.includes("memory"), cpu: controllers.includes("cpu") };
  }
  const memory = existsSync(join(root, "memory", "memory.limit_in_bytes"));
  const cpu = existsSync(join(root, "cpu", "cpu.cfs_quota_us")) || existsSync(join(root, "cpu,cpuacct", "cpu.cfs_quota_us"));
  if (!memory && !cpu && !existsSync(join(root, "devices"))) return { version: 0, memory: false, cpu: false };
  return { version: 1, memory, cpu };
}

/** A process's cgroup directories: v2 → { unified }, v1 → one per controller. */
export type CgroupDirs = Record<string, string>;

export function cgroupDirsOf(pid: number, version: 1 | 2, root = ROOT): CgroupDirs {
  const dirs: CgroupDirs = {};
  for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n")) {
    const [, controllers, path] = line.split(":", 3) as [string, string, string];
    if (version === 2 && controllers === "") dirs.unified = join(root, path);
    if (version === 1 && controllers !== "") {
      for (const controller of controllers.split(",")) dirs[controller] = join(root, controllers, path);
    }
  }
  return dirs;
}

const readText = (path: string | undefined): string | undefined => {
  if (!path) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the cgroup is gone (container exited) or the file is not offered
  }
};
const field = (text: string | undefined, name: string): number | undefined => {
  const match = text && new RegExp(`^${name} (\\d+)$`, "m").exec(text);
  return match ? Number(match[1]) : undefined;
};

/** Working set (usage less inactive file cache, as kubelet reports) and CPU time. */
export function readUsage(dirs: CgroupDirs): { memoryBytes: number; cpuMillis: number } | undefined {
  if (dirs.unified) {
    const current = readText(join(dirs.unified, "memory.current"));
    const cpu = field(readText(join(dirs.unified, "cpu.stat")), "usage_usec");
    if (current === undefined && cpu === undefined) return undefined;
    const inactive = field(readText(join(dirs.unified, "memory.stat")), "inactive_file") ?? 0;
    return { memoryBytes: Math.max(0, Number(current ?? 0) - inactive), cpuMillis: Math.round((cpu ?? 0) / 1000) };
  }
  const usage = readText(dirs.memory && join(dirs.memory, "memory.usage_in_bytes"));
  const cpu = readText(dirs.cpuacct && join(dirs.cpuacct, "cpuacct.usage"));
  if (usage === undefined && cpu === undefined) return undefined;
  const inactive = field(readText(dirs.memory && join(dirs.memory, "memory.stat")), "total_inactive_file") ?? 0;
  return { memoryBytes: Math.max(0, Number(usage ?? 0) - inactive), cpuMillis: Math.round(Number(cpu ?? 0) / 1e6) };
}

/** How many times the kernel's OOM killer struck in the cgroup. */
export function oomKills(dirs: CgroupDirs): number {
  if (dirs.unified) return field(readText(join(dirs.unified, "memory.events")), "oom_kill") ?? 0;
  return field(readText(dirs.memory && join(dirs.memory, "memory.oom_control")), "oom_kill") ?? 0;
}
