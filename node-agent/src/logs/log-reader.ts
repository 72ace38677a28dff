// Reads container logs the way `kubectl logs` asks for them: CRI records
// (partial ones joined), optionally with their timestamps, since a time, the
// last N lines, at most N bytes, and, with follow, new lines as the container
// writes them until it exits or the reader goes away.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, watch } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type LogRecord, parseCriLog } from "../runtime/cri-log.ts";

export interface LogQuery {
  follow: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Only records at or after this time (ms since the epoch). */
  sinceMs?: number;
  limitBytes?: number;
}

/** Joins partial ("P") records onto the full record that ends them. */
export class LineJoiner {
  #partial: LogRecord | undefined;

  push(record: LogRecord): LogRecord | undefined {
    if (record.partial) {
      this.#partial = this.#partial ? { ...this.#partial, text: this.#partial.text + record.text } : record;
      return undefined;
    }
    if (!this.#partial) return record;
    const whole = { ...record, time: this.#partial.time, text: this.#partial.text + record.text };
    this.#partial = undefined;
    return whole;
  }
}

const format = (record: LogRecord, query: LogQuery): string => (query.timestamps ? `${record.time} ${record.text}\n` : `${record.text}\n`);

const keep = (record: LogRecord, query: LogQuery): boolean => query.sinceMs === undefined || Date.parse(record.time) >= query.sinceMs;

/** What the files hold now, as the query asks. */
export function readLogs(pieces: readonly string[], query: LogQuery): string {
  const joiner = new LineJoiner();
  const lines: string[] = [];
  for (const piece of pieces) {
    if (!existsSync(piece)) continue;
    for (const record of parseCriLog(readFileSync(piece, "utf8"))) {
      const whole = joiner.push(record);
      if (whole && keep(whole, query)) lines.push(format(whole, query));
    }
  }
  const tail = query.tailLines !== undefined && query.tailLines >= 0 ? lines.slice(Math.max(0, lines.length - query.tailLines)) : lines;
  return tail.join("");
}

/**
 * A stream of the logs: what is there now, then (with follow) what the live
 * file gains, until `done` settles (the instance exited) or the reader cancels.
 */
export function logStream(pieces: readonly string[], query: LogQuery, done: Promise<unknown> | undefined): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let budget = query.limitBytes ?? Number.POSITIVE_INFINITY;
  const live = pieces[pieces.length - 1];
  let stopFollowing: (() => void) | undefined;
  let closed = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string): boolean => {
        if (closed) return false;
        if (text.length === 0) return budget > 0;
        let bytes = encoder.encode(text);
        if (bytes.length > budget) bytes = bytes.subarray(0, budget);
        budget -= bytes.length;
        controller.enqueue(bytes);
        return budget > 0;
      };
      const finish = () => {
        if (closed) return;
        closed = true;
        controller.close();
      };
      const offset = live && existsSync(live) ? statSync(live).size : 0;
      if (!send(readLogs(pieces, query)) || !query.follow || !live || !done) return finish();
      stopFollowing = follow(live, offset, query, send, finish);
      const stop = () => stopFollowing?.();
      done.then(stop, stop);
    },
    cancel() {
      closed = true;
      stopFollowing?.();
    },
  });
}

const FORCE_CHECK_MS = 250;

/** The bytes of `path` from `start` to `end` (its size by default). */
function readFrom(path: string, start: number, end = statSync(path).size): Buffer {
  if (end <= start) return Buffer.alloc(0);
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(end - start);
    const read = readSync(fd, buffer, 0, buffer.length, start);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** The piece rotation copied `path` to last ("<path>.<time>", names that sort by time). */
function newestRotated(path: string): string | undefined {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  const newest = readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .sort()
    .pop();
  return newest ? join(dir, newest) : undefined;
}

/** Tails `path` from `offset`; returns a function that reads what is left, then stops. */
function follow(path: string, offset: number, query: LogQuery, send: (text: string) => boolean, finish: () => void): () => void {
  const joiner = new LineJoiner();
  const decoder = new TextDecoder();
  let position = offset;
  let pending = "";
  let stopped = false;
  const drain = (): boolean => {
    if (!existsSync(path)) return true;
    const size = statSync(path).size;
    if (size < position) {
      // Smaller than what was read: rotation copied the file aside and emptied it.
      // The copy's tail, past what was read, comes first.
      const rotated = newestRotated(path);
      if (rotated) pending += decoder.decode(readFrom(rotated, position), { stream: true });
      position = 0;
    }
    if (size === position && !pending.includes("\n")) return true;
    const read = readFrom(path, position, size);
    position += read.length;
    pending += decoder.decode(read, { stream: true });
    const end = pending.lastIndexOf("\n");
    if (end === -1) return true;
    const complete = pending.slice(0, end + 1);
    pending = pending.slice(end + 1);
    let out = "";
    for (const record of parseCriLog(complete)) {
      const whole = joiner.push(record);
      if (whole && keep(whole, query)) out += format(whole, query);
    }
    return send(out);
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    watcher.close();
    clearInterval(recheck);
    drain();
    finish();
  };
  const onChange = () => {
    if (!stopped && !drain()) stop();
  };
  const watcher = watch(path, onChange);
  // File events can be missed (Bun drops some that arrive while it delivers
  // one); a periodic look catches up, as the kubelet's logForceCheckPeriod does.
  const recheck = setInterval(onChange, FORCE_CHECK_MS);
  // Lines written between the first read and the watch starting.
  if (!drain()) stop();
  return stop;
}
