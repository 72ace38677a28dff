// Sets up a pod's volumes under the agent's data dir, turns a container's
// volumeMounts into runtime mounts, keeps ConfigMap/Secret/downward API
// contents current, and removes it all when the pod goes.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, normalize, sep } from "node:path";
import type { Container, Pod, Volume } from "../../../schemas/index.ts";
import type { Mount } from "../runtime/runtime.ts";
import type { ObjectSource } from "../state/object-source.ts";
import { configMap } from "./config-map.ts";
import { downwardApi } from "./downward-api.ts";
import { emptyDir } from "./empty-dir.ts";
import { hostPath } from "./host-path.ts";
import { projected } from "./projected.ts";
import { secret } from "./secret.ts";
import { MountError, type VolumeContext, type VolumePlugin } from "./volume-plugin.ts";

export { MountError } from "./volume-plugin.ts";

const PLUGINS = { emptyDir, hostPath, configMap, secret, downwardAPI: downwardApi, projected } as const;
type PluginName = keyof typeof PLUGINS;

export interface SetUpVolume {
  path: string;
  readOnly: boolean;
}

export interface PodAddresses {
  podIPs: string[];
  hostIP: string;
}

export class VolumeManager {
  constructor(
    private readonly dataDir: string,
    private readonly objects: Pick<ObjectSource, "configMap" | "secret">,
    private readonly nodeAllocatable: { cpu: number; memory: number },
    private readonly memoryRoot = existsSync("/dev/shm") ? "/dev/shm/ledge-agent" : join(dataDir, "memory"),
  ) {}

  podDir(uid: string): string {
    return join(this.dataDir, "pods", uid);
  }

  /** Sets up every volume (idempotent: emptyDirs keep their contents). Throws MountError naming the volume. */
  async setUp(pod: Pod, addresses: PodAddresses, only?: (plugin: VolumePlugin<never>) => boolean): Promise<Map<string, SetUpVolume>> {
    const context = this.context(pod, addresses);
    const volumes = new Map<string, SetUpVolume>();
    for (const volume of pod.spec?.volumes ?? []) {
      const [kind, plugin] = pluginOf(volume);
      if (only && !only(plugin as VolumePlugin<never>)) continue;
      try {
        const path = await (plugin as VolumePlugin<unknown>).setUp(context, volume.name, volume[kind]);
        volumes.set(volume.name, { path, readOnly: plugin.readOnly });
      } catch (error) {
        if (error instanceof MountError) throw error;
        throw new MountError(volume.name, (error as Error).message, { cause: error });
      }
    }
    return volumes;
  }

  /** Rewrites the volumes whose contents follow an object (ConfigMap, Secret, downward API). */
  async refresh(pod: Pod, addresses: PodAddresses): Promise<void> {
    await this.setUp(pod, addresses, (plugin) => plugin.refreshes);
  }

  /** The runtime mounts for a container's volumeMounts. */
  mountsFor(container: Container, volumes: Map<string, SetUpVolume>): Mount[] {
    return (container.volumeMounts ?? []).map((mount) => {
      const volume = volumes.get(mount.name);
      if (!volume) throw new MountError(mount.name, `volume "${mount.name}" is not set up`);
      let hostPath = volume.path;
      if (mount.subPath) {
        const sub = normalize(mount.subPath);
        if (sub.startsWith(`..${sep}`) || sub === ".." || mount.subPath.startsWith("/")) throw new MountError(mount.name, `subPath "${mount.subPath}" must stay inside the volume`);
        hostPath = join(volume.path, sub);
        if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
      }
      return { hostPath, containerPath: mount.mountPath, readOnly: volume.readOnly || (mount.readOnly ?? false) };
    });
  }

  /** Removes everything the pod's volumes made (not hostPaths: those are the node's). */
  async tearDown(uid: string): Promise<void> {
    rmSync(this.podDir(uid), { recursive: true, force: true });
    rmSync(join(this.memoryRoot, uid), { recursive: true, force: true });
  }

  private context(pod: Pod, addresses: PodAddresses): VolumeContext {
    const uid = pod.metadata?.uid ?? "";
    return {
      pod,
      podVolumesDir: join(this.podDir(uid), "volumes"),
      memoryDir: join(this.memoryRoot, uid),
      objects: this.objects,
      podIPs: addresses.podIPs,
      hostIP: addresses.hostIP,
      nodeAllocatable: this.nodeAllocatable,
    };
  }
}

function pluginOf(volume: Volume): [PluginName, VolumePlugin<unknown>] {
  for (const kind of Object.keys(PLUGINS) as PluginName[]) {
    if (volume[kind] !== undefined) return [kind, PLUGINS[kind] as VolumePlugin<unknown>];
  }
  const kind = Object.keys(volume).find((k) => k !== "name") ?? "unknown";
  throw new MountError(volume.name, `volume type ${kind} is not supported by Ledge's agent`);
}
