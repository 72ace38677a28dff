// Linux capabilities a container gets: Docker's (and containerd's) default set,
// adjusted by securityContext.capabilities the Kubernetes way (names without
// CAP_, "ALL" allowed in both lists, drop applied before add), or every
// capability for a privileged container.

/** Docker's default set (moby/oci/caps/defaults.go), what containerd's CRI gives pods too. */
export const DEFAULT_CAPABILITIES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
] as const;

/** Every capability up to Linux 5.9 (runc 1.1 knows these). */
export const ALL_CAPABILITIES = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
  "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
  "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
  "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
] as const;

const canonical = (name: string) => {
  const upper = name.toUpperCase();
  return upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
};

export function containerCapabilities(securityContext?: {
  privileged?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}): string[] {
  if (securityContext?.privileged) return [...ALL_CAPABILITIES];
  const drop = (securityContext?.capabilities?.drop ?? []).map(canonical);
  const add = (securityContext?.capabilities?.add ?? []).map(canonical);
  let caps: string[] = drop.includes("CAP_ALL") ? [] : DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c));
  if (add.includes("CAP_ALL")) caps = [...ALL_CAPABILITIES];
  for (const cap of add) if (cap !== "CAP_ALL" && !caps.includes(cap)) caps.push(cap);
  return caps;
}
