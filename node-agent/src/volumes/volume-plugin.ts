// What each kind of volume does: make its directory (or find it, for
// hostPath) and fill it. One file per kind, as the kubelet's volume plugins.
import type { Pod } from "../../../schemas/index.ts";
import type { ObjectSource } from "../state/object-source.ts";

export interface VolumeContext {
  pod: Pod;
  /** This pod's volumes live under here, one directory per kind. */
  podVolumesDir: string;
  /** Memory-backed emptyDirs live under here (tmpfs). */
  memoryDir: string;
  objects: Pick<ObjectSource, "configMap" | "secret">;
  podIPs: string[];
  hostIP: string;
  nodeAllocatable: { cpu: number; memory: number };
}

export interface VolumePlugin<Source> {
  /** Mounted read-only whatever the volumeMount says (ConfigMap, Secret, downward API). */
  readonly readOnly: boolean;
  /** Contents follow their source while the pod runs (re-run by the periodic refresh). */
  readonly refreshes: boolean;
  /** Makes the volume ready; returns its directory (or file) on the host. Throws MountError. */
  setUp(context: VolumeContext, name: string, source: Source): Promise<string>;
}

/** The volume cannot be set up (yet): FailedMount, retried. */
export class MountError extends Error {
  override readonly name = "MountError";
  constructor(
    readonly volume: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
