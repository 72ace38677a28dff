// Applies image layers to a root file system directory, as overlayfs would stack
// them: OCI whiteouts (.wh.NAME deletes NAME from lower layers, .wh..wh..opq
// empties a directory of lower-layer content) and a file replacing a directory.
//
// Two passes over each layer: the first reads the tar (hashing it against the
// config's diff_id) and collects what to delete; deletions are then applied while
// nothing of the layer is on disk yet, so a whiteout can never remove a sibling
// from its own layer; the second pass extracts with node-tar, which refuses
// absolute paths, "..", and writing through symlinks.
import { chmodSync, createReadStream, lstatSync, readdirSync, rmSync } from "node:fs";
import { once } from "node:events";
import { posix, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream";
import { createGunzip, createZstdDecompress } from "node:zlib";
import { Parser, Unpack } from "tar";
import { digestVerifier } from "./digest.ts";
import { ImageError } from "./errors.ts";
import type { LayerCompression } from "./media-types.ts";

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE = ".wh..wh..opq";

export interface Layer {
  path: string;
  compression: LayerCompression;
  /** The config's rootfs.diff_ids entry: the digest of the uncompressed tar. */
  diffId?: string;
  /** For messages. */
  digest: string;
}

/** "./a//b/" → "a/b"; ".." is clamped at the root ("../../etc" → "etc"), as node-tar does when extracting. */
export function cleanEntryPath(raw: string): string {
  return posix.normalize(`/${raw}`).slice(1).replace(/\/+$/, "");
}

function decompressed(path: string, compression: LayerCompression): Readable {
  const raw = createReadStream(path);
  // pipeline() destroys every stage on error, so a read error surfaces in whoever iterates the end.
  const rethrowAtEnd = () => undefined;
  if (compression === "gzip") return pipeline(raw, createGunzip(), rethrowAtEnd);
  if (compression === "zstd") return pipeline(raw, createZstdDecompress(), rethrowAtEnd);
  return raw;
}

async function feed(source: Readable, sink: { write(chunk: Uint8Array): boolean; end(): unknown } & NodeJS.EventEmitter, onChunk?: (chunk: Uint8Array) => void) {
  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    onChunk?.(chunk);
    if (!sink.write(chunk)) await once(sink, "drain");
  }
  sink.end();
}

interface LayerScan {
  /** Paths (relative to the root) that whiteouts delete. */
  whiteouts: string[];
  /** Directories whose lower-layer content is hidden. */
  opaque: string[];
  /** Entries that are not directories: a directory below them must go first. */
  nonDirectories: string[];
  /** Permission bits (with setuid, setgid, sticky) of files and directories, set again after extraction. */
  modes: Map<string, number>;
}

async function scan(layer: Layer): Promise<LayerScan> {
  const result: LayerScan = { whiteouts: [], opaque: [], nonDirectories: [], modes: new Map() };
  const verifier = layer.diffId ? digestVerifier(layer.diffId, `layer ${layer.digest} (uncompressed)`) : undefined;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry) => {
      const path = cleanEntryPath(entry.path);
      entry.resume();
      if (path === "") return;
      const base = posix.basename(path);
      const dir = posix.dirname(path) === "." ? "" : posix.dirname(path);
      if (base === OPAQUE) result.opaque.push(dir);
      else if (base.startsWith(WHITEOUT_PREFIX)) result.whiteouts.push(posix.join(dir, base.slice(WHITEOUT_PREFIX.length)));
      else {
        if (entry.type !== "Directory") result.nonDirectories.push(path);
        if ((entry.type === "Directory" || entry.type === "File" || entry.type === "OldFile") && typeof entry.mode === "number") {
          result.modes.set(path, entry.mode & 0o7777);
        }
      }
    },
  });
  const finished = new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
  });
  try {
    await feed(decompressed(layer.path, layer.compression), parser, verifier && ((chunk) => verifier.update(chunk)));
    await finished;
  } catch (error) {
    if (error instanceof ImageError) throw error;
    throw new ImageError("Unsupported", `layer ${layer.digest} is not a readable tar: ${(error as Error).message}`, { cause: error });
  }
  verifier?.check();
  return result;
}

/**
 * The absolute path of `relative` under root when every directory on the way is a
 * real directory (no symlink to follow out of the root); undefined otherwise or
 * when nothing is there.
 */
function existingInside(root: string, relative: string): string | undefined {
  const parts = relative.split("/").filter(Boolean);
  let current = root;
  for (const [i, part] of parts.entries()) {
    current = join(current, part);
    let stat;
    try {
      stat = lstatSync(current);
    } catch {
      return undefined; // nothing there: nothing to delete
    }
    if (i < parts.length - 1 && !stat.isDirectory()) return undefined;
  }
  return current;
}

function applyDeletions(root: string, scan: LayerScan): void {
  for (const dir of scan.opaque) {
    const target = dir === "" ? root : existingInside(root, dir);
    if (!target || !lstatSync(target).isDirectory()) continue;
    for (const child of readdirSync(target)) rmSync(join(target, child), { recursive: true, force: true });
  }
  for (const path of scan.whiteouts) {
    const target = existingInside(root, path);
    if (target) rmSync(target, { recursive: true, force: true });
  }
  for (const path of scan.nonDirectories) {
    const target = existingInside(root, path);
    if (target && lstatSync(target).isDirectory()) rmSync(target, { recursive: true, force: true });
  }
}

/** Warnings that only say an entry was skipped on purpose (device nodes, FIFOs: runc makes /dev). */
const HARMLESS_WARNINGS = new Set(["TAR_ENTRY_UNSUPPORTED", "TAR_ENTRY_INFO"]);

async function extract(root: string, layer: Layer): Promise<void> {
  const problems: string[] = [];
  const unpack = new Unpack({
    cwd: root,
    strict: false,
    // Owners as the image says when we are root; modes are fixed afterwards (restoreModes).
    preserveOwner: process.getuid?.() === 0,
    filter: (path) => !posix.basename(path.replace(/\/+$/, "")).startsWith(WHITEOUT_PREFIX),
    onwarn: (code, message) => {
      if (!HARMLESS_WARNINGS.has(code)) problems.push(`${code}: ${message}`);
    },
  });
  const finished = new Promise<void>((resolve, reject) => {
    unpack.on("close", resolve);
    unpack.on("error", reject);
  });
  await feed(decompressed(layer.path, layer.compression), unpack);
  await finished;
  if (problems.length > 0) {
    throw new ImageError("Unsupported", `layer ${layer.digest} could not be unpacked: ${problems.slice(0, 5).join("; ")}`);
  }
}

/**
 * node-tar creates files through the process umask and chowns after writing,
 * which clears setuid and setgid bits; the image's exact modes (/tmp's 1777,
 * a setuid binary's 4755) are set last, on what is still there and no symlink.
 */
function restoreModes(root: string, modes: Map<string, number>): void {
  for (const [path, mode] of modes) {
    const target = existingInside(root, path);
    if (!target) continue;
    const stat = lstatSync(target);
    if (!stat.isSymbolicLink() && (stat.mode & 0o7777) !== mode) chmodSync(target, mode);
  }
}

/** Applies one layer on top of what `root` already holds. */
export async function applyLayer(root: string, layer: Layer): Promise<void> {
  const found = await scan(layer);
  applyDeletions(root, found);
  await extract(root, layer);
  restoreModes(root, found.modes);
}
