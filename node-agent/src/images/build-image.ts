// Images made on this machine, for `ledge image push` and `ledge image import`:
//   a .wasm file  → a Wasm OCI artifact (CNCF TAG-Runtime: config
//                   application/vnd.wasm.config.v0+json, one application/wasm layer)
//   a directory   → a Linux image with that directory as its one rootfs layer
//   a tar (.gz)   → a Linux image with that tar as its one layer
import { createReadStream, createWriteStream, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { create as createTar } from "tar";
import type { ArtifactKind, ResolvedImage } from "../runtime/runtime.ts";
import { digestOf } from "./digest.ts";
import { ImageError } from "./errors.ts";
import { MediaType, type Descriptor, type ImageConfig, type ImageManifest } from "./media-types.ts";
import { nodePlatform, type Platform } from "./platform.ts";
import { wasmKindOf } from "./wasm.ts";

export interface BuiltBlob extends Descriptor {
  /** Where the bytes are (the user's own file for a .wasm). */
  path: string;
}

export interface BuiltManifest {
  bytes: Uint8Array;
  digest: string;
  mediaType: string;
}

export interface BuiltImage {
  manifest: BuiltManifest;
  /** Config and layers, the config first. */
  blobs: BuiltBlob[];
  kind: ArtifactKind;
  /** Removes the scratch files made for it. */
  dispose(): void;
}

export interface BuildOptions {
  /** The platform a Linux image claims (default: this node's). */
  platform?: Platform;
  /** Defaults written into a Linux image's config. */
  config?: ResolvedImage["config"];
  /** Scratch space for layers (default: a new temp dir). */
  workDir?: string;
}

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

async function fileDigest(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return `sha256:${hasher.digest("hex")}`;
}

async function gunzipDigest(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  await pipeline(createReadStream(path), createGunzip(), async (source: AsyncIterable<Uint8Array>) => {
    for await (const chunk of source) hasher.update(chunk);
  });
  return `sha256:${hasher.digest("hex")}`;
}

function readHead(path: string, length: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buffer = new Uint8Array(length);
    const n = readSync(fd, buffer, 0, length, 0);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const encodeJson = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

export function manifestOf(manifest: ImageManifest): BuiltManifest {
  const bytes = encodeJson(manifest);
  return { bytes, digest: digestOf(bytes), mediaType: manifest.mediaType ?? MediaType.ociManifest };
}

/** An OCI image index over manifests already pushed (multi-platform images). */
export function indexOf(manifests: Descriptor[]): BuiltManifest {
  const bytes = encodeJson({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests });
  return { bytes, digest: digestOf(bytes), mediaType: MediaType.ociIndex };
}

async function configBlob(dir: string, config: object, mediaType: string): Promise<BuiltBlob> {
  const bytes = encodeJson(config);
  const path = join(dir, "config.json");
  await Bun.write(path, bytes);
  return { mediaType, digest: digestOf(bytes), size: bytes.length, path };
}

function finish(config: BuiltBlob, layer: BuiltBlob, kind: ArtifactKind, dispose: () => void): BuiltImage {
  const strip = ({ path: _path, ...descriptor }: BuiltBlob): Descriptor => descriptor;
  const manifest = manifestOf({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: strip(config),
    layers: [strip(layer)],
    annotations: { "org.opencontainers.image.created": new Date().toISOString() },
  });
  return { manifest, blobs: [config, layer], kind, dispose };
}

async function buildWasm(path: string, kind: "wasm-module" | "wasm-component", dir: string, dispose: () => void): Promise<BuiltImage> {
  const layer: BuiltBlob = { mediaType: MediaType.wasmLayer, digest: await fileDigest(path), size: statSync(path).size, path };
  const config = await configBlob(
    dir,
    {
      created: new Date().toISOString(),
      architecture: "wasm",
      os: kind === "wasm-component" ? "wasip2" : "wasip1",
      layerDigests: [layer.digest],
    },
    MediaType.wasmConfig,
  );
  return finish(config, layer, kind, dispose);
}

async function buildLinux(layer: BuiltBlob, diffId: string, options: BuildOptions, dir: string, dispose: () => void): Promise<BuiltImage> {
  const platform = options.platform ?? nodePlatform();
  const defaults = options.config ?? {};
  const imageConfig: ImageConfig & { created: string; history: object[] } = {
    created: new Date().toISOString(),
    os: platform.os,
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      Env: defaults.env ?? [DEFAULT_PATH],
      ...(defaults.entrypoint ? { Entrypoint: defaults.entrypoint } : {}),
      ...(defaults.cmd ? { Cmd: defaults.cmd } : {}),
      ...(defaults.workingDir ? { WorkingDir: defaults.workingDir } : {}),
      ...(defaults.user ? { User: defaults.user } : {}),
    },
    rootfs: { type: "layers", diff_ids: [diffId] },
    history: [{ created: new Date().toISOString(), created_by: "ledge image" }],
  };
  const config = await configBlob(dir, imageConfig, MediaType.ociConfig);
  return finish(config, layer, "oci-rootfs", dispose);
}

/** Builds an image from a .wasm file, a root file system directory or a layer tar. */
export async function buildImage(source: string, options: BuildOptions = {}): Promise<BuiltImage> {
  let stat;
  try {
    stat = statSync(source);
  } catch (error) {
    throw new ImageError("Unsupported", `cannot read ${source}: ${(error as Error).message}`, { cause: error });
  }
  const dir = mkdtempSync(join(options.workDir ?? tmpdir(), "ledge-image-"));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    if (stat.isDirectory()) {
      const tarPath = join(dir, "layer.tar");
      const gzPath = join(dir, "layer.tar.gz");
      await createTar({ file: tarPath, cwd: source, portable: false }, ["."]);
      await pipeline(createReadStream(tarPath), createGzip(), createWriteStream(gzPath));
      const diffId = await fileDigest(tarPath);
      rmSync(tarPath);
      const layer: BuiltBlob = { mediaType: MediaType.ociLayerGzip, digest: await fileDigest(gzPath), size: statSync(gzPath).size, path: gzPath };
      return await buildLinux(layer, diffId, options, dir, dispose);
    }
    const head = readHead(source, 512);
    const kind = wasmKindOf(head);
    if (kind) return await buildWasm(source, kind, dir, dispose);
    const digest = await fileDigest(source);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      const layer: BuiltBlob = { mediaType: MediaType.ociLayerGzip, digest, size: stat.size, path: source };
      return await buildLinux(layer, await gunzipDigest(source), options, dir, dispose);
    }
    if (new TextDecoder().decode(head.subarray(257, 262)) === "ustar") {
      const layer: BuiltBlob = { mediaType: MediaType.ociLayerTar, digest, size: stat.size, path: source };
      return await buildLinux(layer, digest, options, dir, dispose);
    }
    throw new ImageError("Unsupported", `${source} is not a .wasm module or component, a directory, or a tar (.tar, .tar.gz)`);
  } catch (error) {
    dispose();
    throw error;
  }
}
