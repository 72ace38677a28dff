// The OCI runtime config (config.json) runc runs a container from, generated from
// the ContainerConfig the pod state machine hands over. Pure: everything it
// needs from the host (user database, cgroup support) comes in as arguments,
// so the table tests beside it need neither root nor runc.
import type { ContainerConfig } from "../runtime.ts";
import { RuntimeError } from "../runtime.ts";
import { containerCapabilities } from "./capabilities.ts";
import type { CgroupSupport } from "./cgroups.ts";
import type { ProcessUser } from "./user.ts";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** The CFS period kubelet uses; the quota is the limit's share of it. */
export const CPU_PERIOD_US = 100_000;
/** The kernel's smallest quota. */
const MIN_CPU_QUOTA_US = 1_000;

/** Docker's defaults: kernel interfaces a container has no business reading or writing. */
const MASKED_PATHS = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"];
const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface SpecInputs {
  config: ContainerConfig;
  user: ProcessUser;
  cgroups: CgroupSupport;
  cgroupsPath: string;
  /** Host files the pod sees as /etc/hosts, /etc/hostname and /etc/resolv.conf. */
  etcFiles: { hosts: string; hostname: string; resolvConf?: string };
}

/**
 * Kubernetes' rule: command replaces the image's entrypoint (and drops its cmd);
 * args replace cmd; neither: entrypoint ++ cmd.
 */
export function containerArgv(config: ContainerConfig): string[] {
  const image = config.image.config ?? {};
  const argv = config.command?.length
    ? [...config.command, ...(config.args ?? [])]
    : [...(image.entrypoint ?? []), ...(config.args?.length ? config.args : (image.cmd ?? []))];
  if (argv.length === 0) throw new RuntimeError("InvalidImage", `no command: the image of ${config.containerName} has no entrypoint or cmd and the container names none`);
  return argv;
}

/** Image env, then the container's (which wins), then PATH, HOSTNAME and HOME when still unset. */
export function containerEnv(config: ContainerConfig, user: ProcessUser): string[] {
  const env = new Map<string, string>();
  for (const entry of config.image.config?.env ?? []) {
    const eq = entry.indexOf("=");
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const [name, value] of Object.entries(config.env)) env.set(name, value);
  if (!env.has("PATH")) env.set("PATH", DEFAULT_PATH);
  if (!env.has("HOSTNAME")) env.set("HOSTNAME", hostnameOf(config));
  if (!env.has("HOME")) env.set("HOME", user.home);
  return [...env].map(([name, value]) => `${name}=${value}`);
}

export const hostnameOf = (config: ContainerConfig): string => config.podName.slice(0, 63).replace(/[.-]+$/, "");

function defaultMounts(privileged: boolean): OciMount[] {
  const sysOptions = privileged ? ["nosuid", "noexec", "nodev", "rw"] : ["nosuid", "noexec", "nodev", "ro"];
  return [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    privileged
      ? { destination: "/dev", type: "bind", source: "/dev", options: ["rbind", "rprivate", "rw"] }
      : { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: sysOptions },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", privileged ? "rw" : "ro"] },
  ];
}

function resources(config: ContainerConfig, cgroups: CgroupSupport, privileged: boolean) {
  const limits: Record<string, unknown> = {
    devices: [{ allow: privileged, access: "rwm" }],
  };
  const { memoryLimitBytes, cpuLimitMillis } = config.resources;
  if (memoryLimitBytes !== undefined && cgroups.memory) limits.memory = { limit: memoryLimitBytes };
  if (cpuLimitMillis !== undefined && cgroups.cpu) {
    limits.cpu = { quota: Math.max(MIN_CPU_QUOTA_US, Math.round((cpuLimitMillis * CPU_PERIOD_US) / 1000)), period: CPU_PERIOD_US };
  }
  return limits;
}

export function buildSpec(inputs: SpecInputs) {
  const { config, user, cgroups } = inputs;
  const security = config.securityContext ?? {};
  const privileged = security.privileged === true;
  const capabilities = containerCapabilities(security);
  const namespaces: { type: string; path?: string }[] = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }];
  // Bridge mode hands a network namespace; loopback mode has none, so the pod shares
  // the host's and listens on its 127.x address there, where the proxy reaches it.
  if (config.netnsPath) namespaces.push({ type: "network", path: config.netnsPath });
  if (cgroups.version === 2) namespaces.push({ type: "cgroup" });
  const etc: OciMount[] = [
    { destination: "/etc/hosts", type: "bind", source: inputs.etcFiles.hosts, options: ["rbind", "rprivate", "ro"] },
    { destination: "/etc/hostname", type: "bind", source: inputs.etcFiles.hostname, options: ["rbind", "rprivate", "ro"] },
    ...(inputs.etcFiles.resolvConf ? [{ destination: "/etc/resolv.conf", type: "bind", source: inputs.etcFiles.resolvConf, options: ["rbind", "rprivate", "ro"] }] : []),
  ];
  const volumes: OciMount[] = config.mounts.map((m) => ({
    destination: m.containerPath,
    type: "bind",
    source: m.hostPath,
    options: ["rbind", "rprivate", m.readOnly ? "ro" : "rw"],
  }));
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args: containerArgv(config),
      env: containerEnv(config, user),
      cwd: config.workingDir || config.image.config?.workingDir || "/",
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      noNewPrivileges: !(privileged || security.allowPrivilegeEscalation === true),
    },
    root: { path: "rootfs", readonly: security.readOnlyRootFilesystem === true },
    hostname: hostnameOf(config),
    mounts: [...defaultMounts(privileged), ...etc, ...volumes],
    linux: {
      namespaces,
      resources: resources(config, cgroups, privileged),
      cgroupsPath: inputs.cgroupsPath,
      ...(privileged ? {} : { maskedPaths: MASKED_PATHS, readonlyPaths: READONLY_PATHS }),
    },
  };
}
