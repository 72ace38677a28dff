// What the agent core asks of the image layer. One implementation today
// (OciImageService: registries + a local content-addressed store).
import type { ArtifactKind, ResolvedImage } from "../runtime/runtime.ts";
import type { PullSecret } from "./credentials.ts";

export type PullPolicy = "Always" | "IfNotPresent" | "Never";

export interface PullOptions {
  /** As the container spec says; absent: Kubernetes' default for the reference (Always for :latest or no tag). */
  pullPolicy?: PullPolicy;
  /** The pod's imagePullSecrets, resolved to Secrets, in the pod's order. */
  pullSecrets?: readonly PullSecret[];
  signal?: AbortSignal;
}

export interface ImageRecord {
  /** The platform manifest's digest: what the unpacked content is keyed by. */
  digest: string;
  /** Fully qualified references that resolve to it ("docker.io/library/busybox:latest"). */
  references: string[];
  kind: ArtifactKind;
  path: string;
  config?: ResolvedImage["config"];
  /** Bytes of its blobs in the store (compressed), as Kubernetes reports image sizes. */
  sizeBytes: number;
  lastUsed: string;
}

export interface GcOptions {
  /** References or digests of images that running or wanted containers use: never removed. */
  inUse: Iterable<string>;
  /** Remove every unused image, whatever the disk usage. */
  force?: boolean;
}

export interface GcResult {
  /** Digests of the images removed. */
  removed: string[];
  usedPercentBefore: number;
  usedPercentAfter: number;
}

export interface ImageService {
  /** Resolves a reference to a runnable image, pulling per the policy; throws ImageError. */
  pull(reference: string, options?: PullOptions): Promise<ResolvedImage>;
  list(): Promise<ImageRecord[]>;
  /** Forgets a reference (or every reference to a digest); content no reference needs is deleted. */
  remove(referenceOrDigest: string): Promise<boolean>;
  /** Under disk pressure (usage above the high threshold), removes least recently used unused images until usage is below the low one. */
  gc(options: GcOptions): Promise<GcResult>;
}
