// Each kind of volume, set up under a throwaway data dir from made-up
// ConfigMaps and Secrets: contents, modes, items, optional sources, type
// checks, refreshes, and the mounts a container gets.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigMap, Container, Pod, Secret, Volume } from "../../../schemas/index.ts";
import { MountError, VolumeManager } from "./volume-manager.ts";

let root: string;
let configMaps: Map<string, ConfigMap>;
let secrets: Map<string, Secret>;
let manager: VolumeManager;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ledge-volumes-"));
  configMaps = new Map();
  secrets = new Map();
  const objects = {
    configMap: async (_ns: string, name: string) => configMaps.get(name),
    secret: async (_ns: string, name: string) => secrets.get(name),
  };
  manager = new VolumeManager(join(root, "agent"), objects, { cpu: 4, memory: 8 * 1024 ** 3 }, join(root, "shm"));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const addresses = { podIPs: ["127.1.0.7"], hostIP: "127.0.0.1" };
const b64 = (text: string) => Buffer.from(text).toString("base64");

function pod(volumes: Volume[], containers: Container[] = [{ name: "app", image: "x" }]): Pod {
  return {
    metadata: { name: "web", namespace: "shop", uid: "uid-1", labels: { app: "web", tier: "front" }, annotations: { note: "hi" } },
    spec: { containers, volumes },
  } as Pod;
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe("emptyDir", () => {
  test("a directory that keeps its contents while the pod lives", async () => {
    const p = pod([{ name: "scratch", emptyDir: {} }]);
    const dir = (await manager.setUp(p, addresses)).get("scratch")!.path;
    writeFileSync(join(dir, "kept"), "yes");
    await manager.setUp(p, addresses);
    expect(readFileSync(join(dir, "kept"), "utf8")).toBe("yes");
    await manager.tearDown("uid-1");
    expect(existsSync(dir)).toBe(false);
  });

  test("medium Memory lives on tmpfs, and goes with the pod", async () => {
    const dir = (await manager.setUp(pod([{ name: "fast", emptyDir: { medium: "Memory" } }]), addresses)).get("fast")!.path;
    expect(dir.startsWith(join(root, "shm"))).toBe(true);
    await manager.tearDown("uid-1");
    expect(existsSync(dir)).toBe(false);
  });
});

describe("configMap", () => {
  test("every key a file (binaryData too), 0644 by default", async () => {
    configMaps.set("settings", { data: { "app.conf": "port=80" }, binaryData: { "logo.bin": b64("\u0001\u0002") } } as ConfigMap);
    const { path, readOnly } = (await manager.setUp(pod([{ name: "config", configMap: { name: "settings" } }]), addresses)).get("config")!;
    expect(readOnly).toBe(true);
    expect(readFileSync(join(path, "app.conf"), "utf8")).toBe("port=80");
    expect(readFileSync(join(path, "logo.bin"))).toEqual(Buffer.from([1, 2]));
    expect(mode(join(path, "app.conf"))).toBe(0o644);
  });

  test("items choose keys, paths and modes; defaultMode for the rest", async () => {
    configMaps.set("settings", { data: { a: "1", b: "2", c: "3" } } as ConfigMap);
    const volume: Volume = { name: "config", configMap: { name: "settings", defaultMode: 0o600, items: [{ key: "a", path: "dir/first" }, { key: "b", path: "second", mode: 0o400 }] } };
    const { path } = (await manager.setUp(pod([volume]), addresses)).get("config")!;
    expect(readFileSync(join(path, "dir/first"), "utf8")).toBe("1");
    expect(mode(join(path, "dir/first"))).toBe(0o600);
    expect(mode(join(path, "second"))).toBe(0o400);
    expect(existsSync(join(path, "c"))).toBe(false);
  });

  test.each([
    [{ name: "absent" }, 'configmap "absent" not found'],
    [{ name: "settings", items: [{ key: "nope", path: "x" }] }, "configmap references non-existent config key: nope"],
  ])("%p cannot be mounted: %s", async (source, message) => {
    configMaps.set("settings", { data: { a: "1" } } as ConfigMap);
    const error = await manager.setUp(pod([{ name: "config", configMap: source }]), addresses).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MountError);
    expect(error).toMatchObject({ volume: "config", message });
  });

  test("an optional ConfigMap that does not exist is an empty directory", async () => {
    const { path } = (await manager.setUp(pod([{ name: "config", configMap: { name: "absent", optional: true } }]), addresses)).get("config")!;
    expect(existsSync(path)).toBe(true);
  });

  test("a refresh follows the ConfigMap: changed keys rewritten, removed ones gone, unchanged ones untouched", async () => {
    configMaps.set("settings", { data: { a: "1", b: "2", c: "3" } } as ConfigMap);
    const p = pod([{ name: "config", configMap: { name: "settings" } }]);
    const { path } = (await manager.setUp(p, addresses)).get("config")!;
    const untouched = statSync(join(path, "a")).ino;
    configMaps.set("settings", { data: { a: "1", b: "two" } } as ConfigMap);
    await manager.refresh(p, addresses);
    expect(readFileSync(join(path, "b"), "utf8")).toBe("two");
    expect(existsSync(join(path, "c"))).toBe(false);
    expect(statSync(join(path, "a")).ino).toBe(untouched);
  });

  test("item paths cannot leave the volume", async () => {
    configMaps.set("settings", { data: { a: "1" } } as ConfigMap);
    const error = await manager.setUp(pod([{ name: "config", configMap: { name: "settings", items: [{ key: "a", path: "../escape" }] } }]), addresses).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MountError);
    expect(existsSync(join(root, "agent", "pods", "uid-1", "volumes", "configmap", "escape"))).toBe(false);
  });
});

describe("secret", () => {
  test("decoded keys as files; items and defaultMode as for ConfigMaps", async () => {
    secrets.set("creds", { data: { password: b64("hunter2"), user: b64("admin") } } as Secret);
    const { path, readOnly } = (await manager.setUp(pod([{ name: "creds", secret: { secretName: "creds", defaultMode: 0o400, items: [{ key: "password", path: "pw" }] } }]), addresses)).get("creds")!;
    expect(readOnly).toBe(true);
    expect(readFileSync(join(path, "pw"), "utf8")).toBe("hunter2");
    expect(mode(join(path, "pw"))).toBe(0o400);
    expect(existsSync(join(path, "user"))).toBe(false);
  });

  test("a missing Secret is a MountError naming it", async () => {
    await expect(manager.setUp(pod([{ name: "creds", secret: { secretName: "gone" } }]), addresses)).rejects.toThrow('secret "gone" not found');
  });
});

describe("hostPath", () => {
  test.each([
    ["DirectoryOrCreate", true],
    ["FileOrCreate", true],
    ["Directory", false],
    ["File", false],
  ] as const)("type %s on a missing path: set up %p", async (type, works) => {
    const path = join(root, "host", type);
    const result = await manager.setUp(pod([{ name: "host", hostPath: { path, type } }]), addresses).catch((e: unknown) => e);
    if (works) {
      expect((result as Map<string, { path: string }>).get("host")!.path).toBe(path);
      expect(existsSync(path)).toBe(true);
    } else {
      expect(result).toBeInstanceOf(MountError);
    }
  });

  test("a file where a directory is wanted is refused; hostPaths outlive the pod", async () => {
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    await expect(manager.setUp(pod([{ name: "host", hostPath: { path: file, type: "Directory" } }]), addresses)).rejects.toThrow(`${file} is not a directory`);
    const dir = join(root, "data");
    mkdirSync(dir);
    await manager.setUp(pod([{ name: "host", hostPath: { path: dir } }]), addresses);
    await manager.tearDown("uid-1");
    expect(existsSync(dir)).toBe(true);
  });
});

describe("downwardAPI and projected", () => {
  test("the pod's metadata and a container's limits as files", async () => {
    const containers: Container[] = [{ name: "app", image: "x", resources: { limits: { memory: "128Mi" } } }];
    const volume: Volume = {
      name: "info",
      downwardAPI: {
        items: [
          { path: "name", fieldRef: { fieldPath: "metadata.name" } },
          { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
          { path: "tier", fieldRef: { fieldPath: "metadata.labels['tier']" } },
          { path: "memory", resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1Mi" } },
        ],
      },
    };
    const { path } = (await manager.setUp(pod([volume], containers), addresses)).get("info")!;
    expect(readFileSync(join(path, "name"), "utf8")).toBe("web");
    expect(readFileSync(join(path, "labels"), "utf8")).toBe('app="web"\ntier="front"');
    expect(readFileSync(join(path, "tier"), "utf8")).toBe("front");
    expect(readFileSync(join(path, "memory"), "utf8")).toBe("128");
  });

  test("status fields are not for volumes", async () => {
    const volume: Volume = { name: "info", downwardAPI: { items: [{ path: "ip", fieldRef: { fieldPath: "status.podIP" } }] } };
    await expect(manager.setUp(pod([volume]), addresses)).rejects.toThrow("unsupported fieldPath in a downwardAPI volume: status.podIP");
  });

  test("projected puts ConfigMap, Secret and downward API items side by side", async () => {
    configMaps.set("settings", { data: { mode: "fast" } } as ConfigMap);
    secrets.set("creds", { data: { token: b64("t0k3n") } } as Secret);
    const volume: Volume = {
      name: "all",
      projected: {
        sources: [
          { configMap: { name: "settings" } },
          { secret: { name: "creds" } },
          { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
          { serviceAccountToken: { path: "token-sa" } },
        ],
      },
    };
    const { path } = (await manager.setUp(pod([volume]), addresses)).get("all")!;
    expect(readFileSync(join(path, "mode"), "utf8")).toBe("fast");
    expect(readFileSync(join(path, "token"), "utf8")).toBe("t0k3n");
    expect(readFileSync(join(path, "namespace"), "utf8")).toBe("shop");
  });
});

describe("mounts", () => {
  test("volumeMounts become runtime mounts: read-only where the volume kind says, subPaths inside the volume", async () => {
    configMaps.set("settings", { data: { a: "1" } } as ConfigMap);
    const container: Container = {
      name: "app",
      image: "x",
      volumeMounts: [
        { name: "config", mountPath: "/etc/app" },
        { name: "scratch", mountPath: "/tmp/work", subPath: "work" },
        { name: "scratch", mountPath: "/cache", readOnly: true },
      ],
    };
    const p = pod([{ name: "config", configMap: { name: "settings" } }, { name: "scratch", emptyDir: {} }], [container]);
    const volumes = await manager.setUp(p, addresses);
    const mounts = manager.mountsFor(container, volumes);
    expect(mounts).toEqual([
      { hostPath: volumes.get("config")!.path, containerPath: "/etc/app", readOnly: true },
      { hostPath: join(volumes.get("scratch")!.path, "work"), containerPath: "/tmp/work", readOnly: false },
      { hostPath: volumes.get("scratch")!.path, containerPath: "/cache", readOnly: true },
    ]);
    expect(existsSync(join(volumes.get("scratch")!.path, "work"))).toBe(true);
    expect(() => manager.mountsFor({ ...container, volumeMounts: [{ name: "scratch", mountPath: "/x", subPath: "../.." }] }, volumes)).toThrow(MountError);
  });

  test("a volume kind the agent does not know is a MountError", async () => {
    await expect(manager.setUp(pod([{ name: "claim", persistentVolumeClaim: { claimName: "data" } }]), addresses)).rejects.toThrow(
      "volume type persistentVolumeClaim is not supported by Ledge's agent",
    );
  });
});
