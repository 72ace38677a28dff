// Writes a set of files into a volume directory (ConfigMap, Secret, downward
// API and projected volumes), changing only what differs: each file is
// written beside its final name and renamed over it, so a reader sees the old
// content or the new, never half of either. Files no longer in the set go.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, sep } from "node:path";

export interface ProjectedFile {
  /** Relative to the volume's root; no "..". */
  path: string;
  data: Uint8Array;
  /** Permission bits (0644 unless the volume says). */
  mode: number;
}

export const DEFAULT_FILE_MODE = 0o644;

/** Returns whether anything changed. */
export function writeProjection(root: string, files: readonly ProjectedFile[]): boolean {
  mkdirSync(root, { recursive: true });
  let changed = false;
  const wanted = new Set<string>();
  for (const file of files) {
    const relative = safeRelative(file.path);
    wanted.add(relative);
    const target = join(root, relative);
    if (existsSync(target)) {
      const stat = statSync(target);
      if (stat.isFile() && (stat.mode & 0o777) === file.mode && Buffer.from(readFileSync(target)).equals(Buffer.from(file.data))) continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    const temporary = join(dirname(target), `.${relative.split(sep).pop()}.ledge-tmp`);
    writeFileSync(temporary, file.data);
    chmodSync(temporary, file.mode);
    renameSync(temporary, target);
    changed = true;
  }
  return removeUnwanted(root, "", wanted) || changed;
}

function removeUnwanted(root: string, relative: string, wanted: Set<string>): boolean {
  let changed = false;
  for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
    const path = relative ? join(relative, entry.name) : entry.name;
    if (entry.isDirectory()) {
      changed = removeUnwanted(root, path, wanted) || changed;
      if (readdirSync(join(root, path)).length === 0) rmdirSync(join(root, path));
    } else if (!wanted.has(path)) {
      rmSync(join(root, path), { force: true });
      changed = true;
    }
  }
  return changed;
}

/** A volume item path made safe to join under the volume root. */
export function safeRelative(path: string): string {
  const normalized = normalize(path);
  if (path.startsWith("/") || normalized === ".." || normalized.startsWith(`..${sep}`) || normalized === "." || normalized === "") {
    throw new Error(`invalid path "${path}" in volume: must be relative and stay inside the volume`);
  }
  return normalized;
}
