// Container logs in the CRI format kubelet reads ("<RFC3339Nano> <stream> <F|P> <text>"),
// so `kubectl logs` can be served from any runtime's files the same way.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export type LogStream = "stdout" | "stderr";

/** Longer lines are split into partial ("P") records, as containerd does at 16 KiB. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

const origin = performance.timeOrigin;

/** Nanosecond-width RFC 3339 time; sub-millisecond digits come from the monotonic clock. */
export function rfc3339Nano(epochMs = origin + performance.now()): string {
  const wholeMs = Math.floor(epochMs);
  const iso = new Date(wholeMs).toISOString(); // …T12:34:56.789Z
  const subMsNanos = Math.floor((epochMs - wholeMs) * 1e6);
  return `${iso.slice(0, 23)}${String(subMsNanos).padStart(6, "0")}Z`;
}

const NEWLINE = 0x0a;
const encoder = new TextEncoder();

/**
 * Appends records to one log file. Writes are synchronous so a guest that prints
 * and then spins or crashes still leaves its lines behind.
 */
export class CriLogWriter {
  readonly #fd: number;
  readonly #pending: Record<LogStream, Uint8Array[]> = { stdout: [], stderr: [] };
  readonly #pendingBytes: Record<LogStream, number> = { stdout: 0, stderr: 0 };

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.#fd = openSync(path, "a");
  }

  write(stream: LogStream, chunk: Uint8Array): void {
    let start = 0;
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, start)) {
      this.#take(stream, chunk.subarray(start, i));
      this.#emit(stream, "F");
      start = i + 1;
    }
    if (start < chunk.length) this.#take(stream, chunk.subarray(start));
  }

  /** Ends any unterminated line; call before the stream ends. */
  flush(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.#pendingBytes[stream] > 0) this.#emit(stream, "F");
    }
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }

  #take(stream: LogStream, bytes: Uint8Array): void {
    let rest = bytes;
    while (this.#pendingBytes[stream] + rest.length > MAX_LOG_LINE_BYTES) {
      const room = MAX_LOG_LINE_BYTES - this.#pendingBytes[stream];
      this.#pending[stream].push(rest.slice(0, room));
      this.#pendingBytes[stream] += room;
      this.#emit(stream, "P");
      rest = rest.subarray(room);
    }
    if (rest.length > 0) {
      // Copied: the caller's buffer may be guest memory that changes after this call.
      this.#pending[stream].push(rest.slice());
      this.#pendingBytes[stream] += rest.length;
    }
  }

  #emit(stream: LogStream, tag: "F" | "P"): void {
    const prefix = encoder.encode(`${rfc3339Nano()} ${stream} ${tag} `);
    const parts = this.#pending[stream];
    const record = new Uint8Array(prefix.length + this.#pendingBytes[stream] + 1);
    record.set(prefix, 0);
    let offset = prefix.length;
    for (const part of parts) {
      record.set(part, offset);
      offset += part.length;
    }
    record[offset] = NEWLINE;
    writeSync(this.#fd, record);
    this.#pending[stream] = [];
    this.#pendingBytes[stream] = 0;
  }
}

export interface LogRecord {
  time: string;
  stream: LogStream;
  partial: boolean;
  text: string;
}

/** Parses a CRI log file's text; lines that are not records are skipped. */
export function parseCriLog(text: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const line of text.split("\n")) {
    const match = /^(\S+) (stdout|stderr) ([FP]) (.*)$/.exec(line);
    if (match) records.push({ time: match[1]!, stream: match[2] as LogStream, partial: match[3] === "P", text: match[4]! });
  }
  return records;
}
