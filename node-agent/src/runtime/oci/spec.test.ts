import { expect, test } from "bun:test";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerConfig } from "../runtime.ts";
import { ALL_CAPABILITIES, containerCapabilities, DEFAULT_CAPABILITIES } from "./capabilities.ts";
import { buildSpec, containerArgv, containerEnv } from "./spec.ts";
import { resolveUser } from "./user.ts";

const config = (overrides: Partial<ContainerConfig> = {}): ContainerConfig => ({
  id: "uid_app_0",
  podUid: "uid",
  podName: "web-1",
  namespace: "default",
  containerName: "app",
  image: { reference: "r", digest: "sha256:0", kind: "oci-rootfs", path: "/images/r", config: { entrypoint: ["/entry"], cmd: ["serve"], env: ["PATH=/bin", "MODE=image"], workingDir: "/srv" } },
  env: {},
  mounts: [],
  ports: [],
  podIP: "127.0.0.9",
  resources: {},
  logPath: "/logs/app.log",
  ...overrides,
});
const root = { uid: 0, gid: 0, additionalGids: [], home: "/root" };
const spec = (c: ContainerConfig, cgroups = { version: 2 as const, memory: true, cpu: true }) =>
  buildSpec({ config: c, user: root, cgroups, cgroupsPath: "/ledge/x", etcFiles: { hosts: "/b/hosts", hostname: "/b/hostname" } });

test.each<[string, Partial<ContainerConfig>, string[]]>([
  ["image entrypoint ++ cmd", {}, ["/entry", "serve"]],
  ["args replace cmd", { args: ["a", "b"] }, ["/entry", "a", "b"]],
  ["command replaces entrypoint and cmd", { command: ["/bin/sh", "-c"] }, ["/bin/sh", "-c"]],
  ["command ++ args", { command: ["echo"], args: ["x"] }, ["echo", "x"]],
])("argv: %s", (_name, overrides, argv) => {
  expect(containerArgv(config(overrides))).toEqual(argv);
});

test("an image with nothing to run and no command is InvalidImage", () => {
  const c = config({ image: { reference: "r", digest: "d", kind: "oci-rootfs", path: "/x" } });
  expect(() => containerArgv(c)).toThrow(expect.objectContaining({ code: "InvalidImage" }));
});

test("env: image first, the container's wins, then HOSTNAME and HOME", () => {
  expect(containerEnv(config({ env: { MODE: "pod", EXTRA: "1" } }), root)).toEqual(["PATH=/bin", "MODE=pod", "EXTRA=1", "HOSTNAME=web-1", "HOME=/root"]);
  expect(containerEnv(config({ image: { reference: "r", digest: "d", kind: "oci-rootfs", path: "/x" } }), root)[0]).toStartWith("PATH=/usr/local/sbin");
});

test.each<[string, Parameters<typeof containerCapabilities>[0], string[]]>([
  ["Docker's defaults", undefined, [...DEFAULT_CAPABILITIES]],
  ["drop one, add one", { capabilities: { drop: ["NET_RAW"], add: ["NET_ADMIN"] } }, [...DEFAULT_CAPABILITIES.filter((c) => c !== "CAP_NET_RAW"), "CAP_NET_ADMIN"]],
  ["drop ALL, add back one", { capabilities: { drop: ["ALL"], add: ["CAP_NET_BIND_SERVICE"] } }, ["CAP_NET_BIND_SERVICE"]],
  ["privileged gets all", { privileged: true, capabilities: { drop: ["ALL"] } }, [...ALL_CAPABILITIES]],
])("capabilities: %s", (_name, securityContext, caps) => {
  expect(containerCapabilities(securityContext)).toEqual(caps);
});

test.each<[string, ContainerConfig["securityContext"], boolean]>([
  ["by default", undefined, true],
  ["unless allowPrivilegeEscalation", { allowPrivilegeEscalation: true }, false],
  ["or privileged", { privileged: true }, false],
])("no-new-privileges %s: %p", (_name, securityContext, nnp) => {
  expect(spec(config({ securityContext })).process.noNewPrivileges).toBe(nnp);
});

test("namespaces: own pid/ipc/uts/mount; the given netns or the host's network", () => {
  const types = (c: ContainerConfig) => spec(c).linux.namespaces;
  expect(types(config())).toEqual([{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "cgroup" }]);
  expect(types(config({ netnsPath: "/run/netns/p" }))).toContainEqual({ type: "network", path: "/run/netns/p" });
});

test("limits: memory bytes, CPU quota per 100 ms period from millicores, only where the kernel offers them", () => {
  const c = config({ resources: { memoryLimitBytes: 64 << 20, cpuLimitMillis: 250 } });
  expect(spec(c).linux.resources).toMatchObject({ memory: { limit: 64 << 20 }, cpu: { quota: 25_000, period: 100_000 } });
  const none = spec(c, { version: 1 as never, memory: false, cpu: false }).linux.resources;
  expect(none.memory).toBeUndefined();
  expect(none.cpu).toBeUndefined();
});

test("read-only root, volumes as binds, masked paths unless privileged", () => {
  const c = config({
    securityContext: { readOnlyRootFilesystem: true },
    mounts: [
      { hostPath: "/v/data", containerPath: "/data", readOnly: true },
      { hostPath: "/v/out", containerPath: "/out", readOnly: false },
    ],
  });
  const s = spec(c);
  expect(s.root).toEqual({ path: "rootfs", readonly: true });
  expect(s.mounts.slice(-2)).toEqual([
    { destination: "/data", type: "bind", source: "/v/data", options: ["rbind", "rprivate", "ro"] },
    { destination: "/out", type: "bind", source: "/v/out", options: ["rbind", "rprivate", "rw"] },
  ]);
  expect(s.linux.maskedPaths).toContain("/proc/kcore");
  expect(spec(config({ securityContext: { privileged: true } })).linux.maskedPaths).toBeUndefined();
});

test.each<[string, string | undefined, number | undefined, number | undefined, { uid: number; gid: number; additionalGids: number[]; home: string }]>([
  ["root by default", undefined, undefined, undefined, { uid: 0, gid: 0, additionalGids: [0], home: "/root" }],
  ["an image user by name, with its groups", "app", undefined, undefined, { uid: 1000, gid: 1000, additionalGids: [1000, 2000], home: "/home/app" }],
  ["name:group", "app:extra", undefined, undefined, { uid: 1000, gid: 2000, additionalGids: [2000], home: "/home/app" }],
  ["a numeric user not in passwd", "4242", undefined, undefined, { uid: 4242, gid: 0, additionalGids: [0], home: "/" }],
  ["runAsUser over the image", "app", 65534, undefined, { uid: 65534, gid: 65534, additionalGids: [65534], home: "/nonexistent" }],
  ["runAsGroup too", undefined, 1000, 3000, { uid: 1000, gid: 3000, additionalGids: [3000, 2000], home: "/home/app" }],
])("user: %s", (_name, imageUser, runAsUser, runAsGroup, expected) => {
  const rootfs = mkdtempSync(join(tmpdir(), "ledge-user-"));
  mkdirSync(join(rootfs, "etc"));
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n");
  writeFileSync(join(rootfs, "etc/group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n");
  expect(resolveUser(rootfs, imageUser, runAsUser, runAsGroup)).toEqual(expected);
});

test("an image user missing from /etc/passwd is InvalidImage", () => {
  expect(() => resolveUser("/nonexistent-rootfs", "ghost")).toThrow(expect.objectContaining({ code: "InvalidImage" }));
});
