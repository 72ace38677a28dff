// Resolves a guest path inside one preopened directory, the way a capability
// system must: no absolute paths, no ".." above the preopen, and symlinks
// followed by hand so that neither a relative nor an absolute link can lead out.
// (A concurrent writer swapping a component for a symlink between this check and
// the open is not covered: Node has no openat/O_BENEATH. Volumes shared between
// pods should be mounted read-only where that matters.)
import { lstatSync, readlinkSync } from "node:fs";
import { join } from "node:path";

const MAX_SYMLINKS = 40;

export class SandboxPathError extends Error {
  constructor(readonly code: "ENOTCAPABLE" | "ELOOP" | "ENOENT") {
    super(code);
  }
}

/**
 * @param root the preopen's host directory, already a real path
 * @param from the directory the path is relative to, as segments below root
 * @param follow whether a symlink in the final segment is followed
 * @returns the host path, and its segments below root when it exists
 */
export function resolveBeneath(root: string, from: readonly string[], path: string, follow: boolean): string {
  if (path.startsWith("/")) throw new SandboxPathError("ENOTCAPABLE");
  const stack = [...from];
  let pending = path.split("/");
  let links = 0;
  while (pending.length > 0) {
    const segment = pending.shift()!;
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (stack.pop() === undefined) throw new SandboxPathError("ENOTCAPABLE");
      continue;
    }
    const candidate = join(root, ...stack, segment);
    let isLink: boolean;
    try {
      isLink = lstatSync(candidate).isSymbolicLink();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      // The rest does not exist yet (a file about to be created); a later ".."
      // could still climb, so refuse rather than reason about it.
      if (pending.includes("..")) throw new SandboxPathError("ENOENT");
      return join(candidate, ...pending);
    }
    const isFinal = pending.every((s) => s === "" || s === ".");
    if (isLink && (!isFinal || follow)) {
      if (++links > MAX_SYMLINKS) throw new SandboxPathError("ELOOP");
      const target = readlinkSync(candidate);
      if (target.startsWith("/")) throw new SandboxPathError("ENOTCAPABLE");
      pending = [...target.split("/"), ...pending];
      continue;
    }
    stack.push(segment);
  }
  return join(root, ...stack);
}

/** The segments of `path` below `root` (both real paths; path inside root). */
export function segmentsBelow(root: string, path: string): string[] {
  if (path === root) return [];
  return path.slice(root.length + (root.endsWith("/") ? 0 : 1)).split("/");
}
