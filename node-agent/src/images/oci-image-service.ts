// The agent's images: pulled from OCI registries (or imported), kept in a
// content-addressed blob store shared by every pod, Linux images unpacked once
// per manifest digest into a rootfs that containers overlay, Wasm artifacts
// linked out as .wasm files.
//
// On disk, under `root` (imageStoreRoot(agent data dir)):
//   blobs/sha256/<hex>        manifests, configs, layers (verified)
//   ingest/                   downloads in progress
//   images/<alg>-<hex>.json   one record per manifest: kind, path, config, blobs
//   refs/<sha256(ref)>.json   one record per reference: what it resolved to
//   unpacked/<alg>-<hex>[.wasm]
// One small file per record, each written by rename, so `ledge image import`
// can add to the store while the agent runs.
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statfsSync, copyFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { defaultPullPolicy } from "../../../schemas/defaults.ts";
import type { ResolvedImage } from "../runtime/runtime.ts";
import { BlobStore } from "./blob-store.ts";
import type { BuiltImage } from "./build-image.ts";
import { credentialsFromPullSecrets } from "./credentials.ts";
import { digestOf } from "./digest.ts";
import { ImageError } from "./errors.ts";
import type { GcOptions, GcResult, ImageRecord, ImageService, PullOptions } from "./image-service.ts";
import {
  INDEX_MEDIA_TYPES,
  layerCompression,
  MANIFEST_MEDIA_TYPES,
  WASM_CONFIG_MEDIA_TYPES,
  WASM_LAYER_MEDIA_TYPES,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
} from "./media-types.ts";
import { formatPlatform, isWasmPlatform, nodePlatform, selectManifest, type Platform } from "./platform.ts";
import { formatReference, isDigest, manifestReference, parseReference, type ImageReference } from "./reference.ts";
import { RegistryClient } from "./registry-client.ts";
import { wasmKindOfFile } from "./wasm.ts";

/** Unpacking loads tar (about 1.5 MB of an idle agent's resident memory): only once a Linux image is unpacked, never on a Wasm-only node. */
async function applyLayer(...args: Parameters<typeof import("./unpack.ts").applyLayer>): ReturnType<typeof import("./unpack.ts").applyLayer> {
  const { applyLayer } = await import("./unpack.ts");
  return applyLayer(...args);
}

/** Where an agent with data dir DIR keeps its images (the CLI's `image import --data-dir` uses it too). */
export const imageStoreRoot = (agentDataDir: string): string => join(agentDataDir, "images");

export interface DiskUsage {
  usedBytes: number;
  availableBytes: number;
}

export interface OciImageServiceOptions {
  root: string;
  /** The node's platform (default: linux/<this machine's architecture>). */
  platform?: Platform;
  /** Registries besides loopback ones reached over plain HTTP (host or host:port). */
  plainHttpRegistries?: readonly string[];
  /** Disk-pressure thresholds in percent of the store's file system, as kubelet's image GC (85 / 80). */
  gcHighThresholdPercent?: number;
  gcLowThresholdPercent?: number;
  /** The store's file system usage; default statfs, like `df`. */
  diskUsage?: () => DiskUsage;
  /** Layers downloaded at once per image. */
  parallelDownloads?: number;
  /** When images were last used (tests order them with a fake clock). */
  now?: () => Date;
}

interface StoredImage {
  digest: string;
  kind: ResolvedImage["kind"];
  /** Relative to the store root, so the store can move. */
  path: string;
  config?: ResolvedImage["config"];
  /** The manifest, config and layers this image needs. */
  blobs: string[];
  sizeBytes: number;
  lastUsed: string;
}

interface StoredRef {
  reference: string;
  /** What the reference resolved to at the registry (an index's digest for multi-platform images). */
  digest: string;
  /** The platform manifest, the StoredImage key. */
  manifestDigest: string;
}

const fileName = (digest: string) => digest.replace(":", "-");

function statfsUsage(path: string): DiskUsage {
  const stats = statfsSync(path);
  // As df computes Use%: blocks reserved for root count as neither used nor available.
  return { usedBytes: (stats.blocks - stats.bfree) * stats.bsize, availableBytes: stats.bavail * stats.bsize };
}

const usedPercent = (usage: DiskUsage) => (100 * usage.usedBytes) / Math.max(1, usage.usedBytes + usage.availableBytes);

function parseJson<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (error) {
    throw new ImageError("Registry", `${what} is not valid JSON`, { cause: error });
  }
}

/** Runs one job per key at a time; callers with the same key share its result. */
class Singleflight<T> {
  readonly #running = new Map<string, Promise<T>>();
  run(key: string, job: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key);
    if (running) return running;
    const promise = job().finally(() => this.#running.delete(key));
    this.#running.set(key, promise);
    return promise;
  }
}

/** Makes sure a blob is in the store; returns its path. */
type BlobSource = (descriptor: Descriptor, what: string) => Promise<string>;

export class OciImageService implements ImageService {
  readonly #root: string;
  readonly #blobs: BlobStore;
  readonly #options: OciImageServiceOptions;
  readonly #platform: Platform;
  readonly #pulls = new Singleflight<ResolvedImage>();
  readonly #unpacks = new Singleflight<StoredImage>();
  readonly #downloads = new Singleflight<string>();
  /** Pulls and imports under way: their blobs are in the store before any record names them. */
  #busy = 0;

  constructor(options: OciImageServiceOptions) {
    this.#options = options;
    this.#root = options.root;
    this.#platform = options.platform ?? nodePlatform();
    this.#blobs = new BlobStore(this.#root);
    for (const dir of ["images", "refs", "unpacked"]) mkdirSync(join(this.#root, dir), { recursive: true });
  }

  async pull(reference: string, options: PullOptions = {}): Promise<ResolvedImage> {
    const ref = parseReference(reference);
    const key = formatReference(ref);
    const policy = options.pullPolicy ?? defaultPullPolicy(reference);
    const local = this.#localImage(key);
    if (policy === "Never") {
      if (!local) throw new ImageError("NeverPull", `image ${reference} is not present on this node and its imagePullPolicy is Never`);
      return this.#resolved(reference, local.ref, local.image);
    }
    if (policy === "IfNotPresent" && local) return this.#resolved(reference, local.ref, local.image);
    return this.#pulls.run(`${key} ${policy}`, () => this.#whileBusy(() => this.#pullFromRegistry(reference, ref, key, options)));
  }

  /** Adds an image built on this machine under a reference, as if pulled (air-gapped nodes). */
  async import(image: BuiltImage, reference: string): Promise<ResolvedImage> {
    const ref = parseReference(reference);
    if (ref.digest && ref.digest !== image.manifest.digest) {
      throw new ImageError("DigestMismatch", `${reference} names ${ref.digest} but the image is ${image.manifest.digest}`);
    }
    const byDigest = new Map(image.blobs.map((blob) => [blob.digest, blob]));
    const source: BlobSource = async (descriptor, what) => {
      const blob = byDigest.get(descriptor.digest);
      if (!blob) throw new ImageError("Unsupported", `${what} ${descriptor.digest} is not part of the image`);
      return this.#blobs.write(descriptor.digest, Bun.file(blob.path).stream(), what, descriptor.size);
    };
    return this.#whileBusy(async () => {
      await this.#blobs.writeBytes(image.manifest.bytes);
      const stored = await this.#materialize(image.manifest.digest, image.manifest.bytes, source, reference);
      const storedRef: StoredRef = { reference: formatReference(ref), digest: image.manifest.digest, manifestDigest: stored.digest };
      this.#writeRef(storedRef);
      return this.#resolved(reference, storedRef, stored);
    });
  }

  async list(): Promise<ImageRecord[]> {
    const refs = this.#refs();
    return this.#images().map((image) => ({
      digest: image.digest,
      references: refs.filter((r) => r.manifestDigest === image.digest).map((r) => r.reference),
      kind: image.kind,
      path: join(this.#root, image.path),
      ...(image.config ? { config: image.config } : {}),
      sizeBytes: image.sizeBytes,
      lastUsed: image.lastUsed,
    }));
  }

  async remove(referenceOrDigest: string): Promise<boolean> {
    const refs = this.#refs();
    let doomed: StoredRef[];
    if (isDigest(referenceOrDigest)) {
      doomed = refs.filter((r) => r.digest === referenceOrDigest || r.manifestDigest === referenceOrDigest);
    } else {
      const key = formatReference(parseReference(referenceOrDigest));
      doomed = refs.filter((r) => r.reference === key);
    }
    for (const ref of doomed) rmSync(this.#refPath(ref.reference), { force: true });
    const affected = new Set(doomed.map((r) => r.manifestDigest));
    if (isDigest(referenceOrDigest)) affected.add(referenceOrDigest);
    const remaining = new Set(this.#refs().map((r) => r.manifestDigest));
    let removedImage = false;
    for (const digest of affected) {
      if (remaining.has(digest)) continue;
      removedImage = this.#deleteImage(digest) || removedImage;
    }
    this.#pruneBlobs();
    return doomed.length > 0 || removedImage;
  }

  async gc(options: GcOptions): Promise<GcResult> {
    const high = this.#options.gcHighThresholdPercent ?? 85;
    const low = this.#options.gcLowThresholdPercent ?? 80;
    const usage = () => usedPercent((this.#options.diskUsage ?? (() => statfsUsage(this.#root)))());
    const before = usage();
    const removed: string[] = [];
    if (!options.force && before < high) return { removed, usedPercentBefore: before, usedPercentAfter: before };
    const refs = this.#refs();
    const inUse = new Set<string>();
    for (const item of options.inUse) {
      if (isDigest(item)) {
        inUse.add(item);
        for (const r of refs) if (r.digest === item) inUse.add(r.manifestDigest);
        continue;
      }
      const key = formatReference(parseReference(item));
      for (const r of refs) if (r.reference === key) inUse.add(r.manifestDigest);
    }
    const candidates = this.#images()
      .filter((image) => !inUse.has(image.digest))
      .sort((a, b) => a.lastUsed.localeCompare(b.lastUsed));
    for (const image of candidates) {
      if (!options.force && usage() <= low) break;
      for (const r of refs) if (r.manifestDigest === image.digest) rmSync(this.#refPath(r.reference), { force: true });
      this.#deleteImage(image.digest);
      this.#pruneBlobs();
      removed.push(image.digest);
    }
    return { removed, usedPercentBefore: before, usedPercentAfter: usage() };
  }

  // --- pulling -------------------------------------------------------------

  async #pullFromRegistry(reference: string, ref: ImageReference, key: string, options: PullOptions): Promise<ResolvedImage> {
    const client = new RegistryClient(ref.registry, {
      credentials: credentialsFromPullSecrets(options.pullSecrets ?? [], ref),
      plainHttpRegistries: this.#options.plainHttpRegistries,
      signal: options.signal,
    });
    const local = this.#localImage(key);
    if (local) {
      // Always: ask the registry what the tag names now, and keep what we have when it is the same.
      const current = ref.digest ?? (await client.resolveDigest(ref.repository, manifestReference(ref)));
      if (current === local.ref.digest) return this.#resolved(reference, local.ref, local.image);
    }
    const top = await client.getManifest(ref.repository, manifestReference(ref));
    await this.#blobs.writeBytes(top.bytes);
    let manifest = top;
    if (INDEX_MEDIA_TYPES.includes(top.mediaType)) {
      const index = parseJson<ImageIndex>(top.bytes, `image index ${reference}`);
      const chosen = selectManifest(index.manifests ?? [], this.#platform);
      if (!chosen) {
        const offered = (index.manifests ?? []).flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : []));
        throw new ImageError("NoMatchingPlatform", `image ${reference} has no manifest for ${formatPlatform(this.#platform)} (it has ${offered.join(", ") || "none"})`);
      }
      manifest = await client.getManifest(ref.repository, chosen.digest);
      await this.#blobs.writeBytes(manifest.bytes);
    }
    if (!MANIFEST_MEDIA_TYPES.includes(manifest.mediaType)) {
      throw new ImageError("Unsupported", `image ${reference}: unsupported manifest media type "${manifest.mediaType}"`);
    }
    const source: BlobSource = (descriptor, what) =>
      this.#downloads.run(descriptor.digest, async () => {
        if (this.#blobs.has(descriptor.digest)) return this.#blobs.path(descriptor.digest);
        const response = await client.getBlob(ref.repository, descriptor.digest);
        if (!response.body) throw new ImageError("Registry", `${what} ${descriptor.digest}: empty response`);
        return this.#blobs.write(descriptor.digest, response.body, `${what} ${descriptor.digest} of ${reference}`, descriptor.size);
      });
    const stored = await this.#materialize(manifest.digest, manifest.bytes, source, reference);
    const storedRef: StoredRef = { reference: key, digest: top.digest, manifestDigest: stored.digest };
    this.#writeRef(storedRef);
    return this.#resolved(reference, storedRef, stored);
  }

  /** The image record for a manifest, fetching and unpacking its content when not yet done. */
  #materialize(digest: string, bytes: Uint8Array, source: BlobSource, reference: string): Promise<StoredImage> {
    return this.#unpacks.run(digest, async () => {
      const existing = this.#readImage(digest);
      if (existing && existsSync(join(this.#root, existing.path))) return existing;
      const manifest = parseJson<ImageManifest>(bytes, `manifest of ${reference}`);
      if (manifest.schemaVersion !== 2 || !manifest.config?.digest || !Array.isArray(manifest.layers)) {
        throw new ImageError("Unsupported", `image ${reference}: not a schema 2 image manifest`);
      }
      const configPath = await source(manifest.config, "config");
      const wasmLayers = manifest.layers.filter((layer) => WASM_LAYER_MEDIA_TYPES.includes(layer.mediaType));
      const blobs = [digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
      const sizeBytes = bytes.length + manifest.config.size + manifest.layers.reduce((sum, l) => sum + (l.size ?? 0), 0);
      const base = { digest, blobs, sizeBytes, lastUsed: this.#now() };
      let image: StoredImage;
      if (WASM_CONFIG_MEDIA_TYPES.includes(manifest.config.mediaType) || wasmLayers.length > 0) {
        image = { ...base, ...(await this.#materializeWasm(digest, wasmLayers, source, reference)) };
      } else {
        const config = parseJson<ImageConfig>(new Uint8Array(await Bun.file(configPath).arrayBuffer()), `config of ${reference}`);
        image = { ...base, ...(await this.#materializeRootfs(digest, manifest, config, source, reference)) };
      }
      this.#writeJson(join(this.#root, "images", `${fileName(digest)}.json`), image);
      return image;
    });
  }

  async #materializeWasm(digest: string, layers: Descriptor[], source: BlobSource, reference: string): Promise<Pick<StoredImage, "kind" | "path">> {
    if (layers.length !== 1) throw new ImageError("Unsupported", `Wasm artifact ${reference} has ${layers.length} Wasm layers; one is expected`);
    const blobPath = await source(layers[0]!, "Wasm layer");
    const kind = await wasmKindOfFile(blobPath);
    if (!kind) throw new ImageError("Unsupported", `the Wasm layer of ${reference} is not a Wasm module or component`);
    const path = join("unpacked", `${fileName(digest)}.wasm`);
    const target = join(this.#root, path);
    const temporary = `${target}.${process.pid}.tmp`;
    rmSync(temporary, { force: true });
    // A hard link costs nothing and keeps the blob's bytes immutable under a .wasm name.
    try {
      linkSync(blobPath, temporary);
    } catch {
      copyFileSync(blobPath, temporary); // another file system, or links not allowed: a copy does
    }
    renameSync(temporary, target);
    return { kind, path };
  }

  async #materializeRootfs(digest: string, manifest: ImageManifest, config: ImageConfig, source: BlobSource, reference: string) {
    const wasi = config.os !== undefined && isWasmPlatform({ os: config.os, architecture: config.architecture ?? "" });
    if (!wasi && config.os !== undefined && config.os !== this.#platform.os) {
      throw new ImageError("Unsupported", `image ${reference} is for ${config.os}, not ${this.#platform.os}`);
    }
    const compressions = manifest.layers.map((layer) => {
      const compression = layerCompression(layer.mediaType);
      if (!compression) throw new ImageError("Unsupported", `image ${reference}: unsupported layer media type "${layer.mediaType}"`);
      return compression;
    });
    const paths = await this.#downloadAll(manifest.layers, source);
    const diffIds = config.rootfs?.diff_ids ?? [];
    const rootfsPath = join("unpacked", fileName(digest));
    const scratch = join(this.#root, "unpacked", `.${fileName(digest)}.${process.pid}.tmp`);
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { mode: 0o755 });
    try {
      for (const [i, layer] of manifest.layers.entries()) {
        await applyLayer(scratch, {
          path: paths[i]!,
          compression: compressions[i]!,
          digest: layer.digest,
          ...(diffIds.length === manifest.layers.length ? { diffId: diffIds[i] } : {}),
        });
      }
      const target = join(this.#root, rootfsPath);
      rmSync(target, { recursive: true, force: true });
      renameSync(scratch, target);
    } catch (error) {
      rmSync(scratch, { recursive: true, force: true });
      throw error;
    }
    const defaults = config.config ?? {};
    const imageConfig: NonNullable<ResolvedImage["config"]> = {
      ...(defaults.Entrypoint ? { entrypoint: defaults.Entrypoint } : {}),
      ...(defaults.Cmd ? { cmd: defaults.Cmd } : {}),
      ...(defaults.Env ? { env: defaults.Env } : {}),
      ...(defaults.WorkingDir ? { workingDir: defaults.WorkingDir } : {}),
      ...(defaults.User ? { user: defaults.User } : {}),
    };
    if (!wasi) return { kind: "oci-rootfs" as const, path: rootfsPath, config: imageConfig };
    // A Wasm app shipped as a container image (platform wasi/wasm): its entrypoint is the .wasm.
    const entry = (defaults.Entrypoint ?? defaults.Cmd ?? [])[0];
    const rootfs = join(this.#root, rootfsPath);
    const resolved = entry ? realpathSync(join(rootfs, entry)) : undefined;
    if (!resolved || relative(rootfs, resolved).startsWith("..")) {
      throw new ImageError("Unsupported", `Wasm image ${reference} names no .wasm entrypoint inside its rootfs`);
    }
    const kind = await wasmKindOfFile(resolved);
    if (!kind) throw new ImageError("Unsupported", `the entrypoint ${entry} of ${reference} is not Wasm`);
    return { kind, path: relative(this.#root, resolved), config: imageConfig };
  }

  async #downloadAll(layers: Descriptor[], source: BlobSource): Promise<string[]> {
    const paths: string[] = new Array(layers.length);
    let next = 0;
    const worker = async () => {
      while (next < layers.length) {
        const i = next++;
        paths[i] = await source(layers[i]!, "layer");
      }
    };
    await Promise.all(Array.from({ length: Math.min(layers.length, this.#options.parallelDownloads ?? 3) }, worker));
    return paths;
  }

  // --- records -------------------------------------------------------------

  #resolved(reference: string, ref: StoredRef, image: StoredImage): ResolvedImage {
    this.#writeJson(join(this.#root, "images", `${fileName(image.digest)}.json`), { ...image, lastUsed: this.#now() });
    return {
      reference,
      digest: ref.digest,
      kind: image.kind,
      path: join(this.#root, image.path),
      ...(image.config ? { config: image.config } : {}),
    };
  }

  #localImage(key: string): { ref: StoredRef; image: StoredImage } | undefined {
    const ref = this.#readJson<StoredRef>(this.#refPath(key));
    const image = ref && this.#readImage(ref.manifestDigest);
    if (!ref || !image || !existsSync(join(this.#root, image.path))) return undefined;
    return { ref, image };
  }

  #readImage(digest: string): StoredImage | undefined {
    return this.#readJson<StoredImage>(join(this.#root, "images", `${fileName(digest)}.json`));
  }

  #images(): StoredImage[] {
    return readdirSync(join(this.#root, "images"))
      .filter((name) => name.endsWith(".json"))
      .flatMap((name) => this.#readJson<StoredImage>(join(this.#root, "images", name)) ?? []);
  }

  #refs(): StoredRef[] {
    return readdirSync(join(this.#root, "refs"))
      .filter((name) => name.endsWith(".json"))
      .flatMap((name) => this.#readJson<StoredRef>(join(this.#root, "refs", name)) ?? []);
  }

  #refPath(key: string): string {
    return join(this.#root, "refs", `${digestOf(key).slice("sha256:".length, "sha256:".length + 32)}.json`);
  }

  #writeRef(ref: StoredRef): void {
    this.#writeJson(this.#refPath(ref.reference), ref);
  }

  #deleteImage(digest: string): boolean {
    const image = this.#readImage(digest);
    if (!image) return false;
    rmSync(join(this.#root, "images", `${fileName(digest)}.json`), { force: true });
    rmSync(join(this.#root, "unpacked", fileName(digest)), { recursive: true, force: true });
    rmSync(join(this.#root, "unpacked", `${fileName(digest)}.wasm`), { force: true });
    return true;
  }

  #now(): string {
    return (this.#options.now?.() ?? new Date()).toISOString();
  }

  async #whileBusy<T>(job: () => Promise<T>): Promise<T> {
    this.#busy += 1;
    try {
      return await job();
    } finally {
      this.#busy -= 1;
    }
  }

  /** Deletes blobs that no image and no reference needs any more (later, while a pull is under way). */
  #pruneBlobs(): void {
    if (this.#busy > 0) return;
    const needed = new Set<string>();
    for (const image of this.#images()) for (const blob of image.blobs) needed.add(blob);
    for (const ref of this.#refs()) needed.add(ref.digest);
    for (const blob of this.#blobs.list()) if (!needed.has(blob)) this.#blobs.remove(blob);
  }

  #readJson<T>(path: string): T | undefined {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new ImageError("Store", `cannot read ${path}`, { cause: error });
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new ImageError("Store", `${path} is corrupt`, { cause: error });
    }
  }

  #writeJson(path: string, value: unknown): void {
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(value));
    renameSync(temporary, path);
  }
}
