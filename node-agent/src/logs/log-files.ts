// Where container logs live and how they are kept in bounds. The kubelet's
// layout: one directory per pod, one per container, one file per container
// instance ("<n>.log", n the restart count), and rotated pieces of the
// running instance's file beside it ("<n>.log.<time>").
//
// Runtimes hold their log file open (CriLogWriter appends), and the Runtime
// interface has no way to ask one to reopen it, so rotation copies the file
// and truncates it in place (logrotate's copytruncate): a write landing
// between the copy and the truncation is lost, which is the price.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";

export interface LogRotation {
  /** Rotate the running instance's file past this size (10 MiB, the kubelet's containerLogMaxSize). */
  maxBytes: number;
  /** Files kept per instance, the live one included (5, containerLogMaxFiles). */
  maxFiles: number;
}

export const DEFAULT_LOG_ROTATION: LogRotation = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };

export interface PodLogRef {
  namespace: string;
  name: string;
  uid: string;
}

export class LogFiles {
  constructor(
    readonly root: string,
    readonly rotation: LogRotation = DEFAULT_LOG_ROTATION,
  ) {}

  podDir(pod: PodLogRef): string {
    return join(this.root, `${pod.namespace}_${pod.name}_${pod.uid}`);
  }

  containerDir(pod: PodLogRef, container: string): string {
    return join(this.podDir(pod), container);
  }

  /** The file of instance `attempt` (0 for the first), its directory made. */
  path(pod: PodLogRef, container: string, attempt: number): string {
    const dir = this.containerDir(pod, container);
    mkdirSync(dir, { recursive: true });
    return join(dir, `${attempt}.log`);
  }

  /** An instance's rotated pieces then its live file, oldest first: what reading it whole means. */
  pieces(pod: PodLogRef, container: string, attempt: number): string[] {
    const dir = this.containerDir(pod, container);
    if (!existsSync(dir)) return [];
    const base = `${attempt}.log`;
    const rotated = readdirSync(dir)
      .filter((f) => f.startsWith(`${base}.`))
      .sort();
    const live = join(dir, base);
    return [...rotated.map((f) => join(dir, f)), ...(existsSync(live) ? [live] : [])];
  }

  /** Copies the live file aside and empties it when it has grown past the limit; drops the oldest pieces. */
  rotate(pod: PodLogRef, container: string, attempt: number, now = Date.now()): boolean {
    const live = join(this.containerDir(pod, container), `${attempt}.log`);
    if (!existsSync(live) || statSync(live).size < this.rotation.maxBytes) return false;
    copyFileSync(live, `${live}.${stamp(now)}`);
    truncateSync(live, 0);
    const rotated = this.pieces(pod, container, attempt).slice(0, -1);
    for (const old of rotated.slice(0, Math.max(0, rotated.length - (this.rotation.maxFiles - 1)))) rmSync(old, { force: true });
    return true;
  }

  /** Removes the files of instances before `keepFrom` (the kubelet keeps the current and the previous one). */
  prune(pod: PodLogRef, container: string, keepFrom: number): void {
    const dir = this.containerDir(pod, container);
    if (!existsSync(dir)) return;
    for (const file of readdirSync(dir)) {
      const attempt = Number(file.split(".")[0]);
      if (Number.isInteger(attempt) && attempt < keepFrom) rmSync(join(dir, file), { force: true });
    }
  }

  removePod(pod: PodLogRef): void {
    rmSync(this.podDir(pod), { recursive: true, force: true });
  }
}

/** A sortable time for rotated file names: 20250102-030405.678. */
const stamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, "").replace("T", "-").replace("Z", "");
