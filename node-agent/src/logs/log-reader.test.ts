// Reading CRI log files as `kubectl logs` asks: partial lines joined, since,
// tail, timestamps, byte limits, following a growing (and rotating) file.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { appendFileSync, copyFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LogQuery, logStream, readLogs } from "./log-reader.ts";

let dir: string;
let live: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ledge-log-reader-"));
  live = join(dir, "0.log");
  writeFileSync(
    live,
    [
      "2030-01-01T00:00:01.000000001Z stdout F first",
      "2030-01-01T00:00:02.000000002Z stderr F second",
      "2030-01-01T00:00:03.000000003Z stdout P thi",
      "2030-01-01T00:00:03.500000000Z stdout F rd",
      "not a record",
      "2030-01-01T00:00:04.000000004Z stdout F fourth",
      "",
    ].join("\n"),
  );
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const query = (q: Partial<LogQuery> = {}): LogQuery => ({ follow: false, timestamps: false, ...q });

describe("readLogs", () => {
  test.each([
    [{}, "first\nsecond\nthird\nfourth\n"],
    [{ tailLines: 2 }, "third\nfourth\n"],
    [{ tailLines: 0 }, ""],
    [{ sinceMs: Date.parse("2030-01-01T00:00:02.5Z") }, "third\nfourth\n"],
    [{ timestamps: true, tailLines: 1 }, "2030-01-01T00:00:04.000000004Z fourth\n"],
    [{ timestamps: true, sinceMs: Date.parse("2030-01-01T00:00:03Z"), tailLines: 1 }, "2030-01-01T00:00:04.000000004Z fourth\n"],
  ] as [Partial<LogQuery>, string][])("%p", (q, expected) => {
    expect(readLogs([live], query(q))).toBe(expected);
  });

  test("a partial line keeps the time of its first piece", () => {
    expect(readLogs([live], query({ timestamps: true })).split("\n")[2]).toBe("2030-01-01T00:00:03.000000003Z third");
  });

  test("rotated pieces come first", () => {
    const older = join(dir, "0.log.20291231-000000.000");
    writeFileSync(older, "2029-12-31T00:00:00.000000000Z stdout F zeroth\n");
    expect(readLogs([older, live], query({ tailLines: 5 }))).toBe("zeroth\nfirst\nsecond\nthird\nfourth\n");
  });
});

async function collect(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("logStream", () => {
  test("limitBytes cuts the output", async () => {
    expect(await collect(logStream([live], query({ limitBytes: 8 }), undefined))).toBe("first\nse");
  });

  test("follow: what is there, then each new line, until the instance is done", async () => {
    let done!: () => void;
    const exited = new Promise<void>((resolve) => (done = resolve));
    const reader = logStream([live], query({ follow: true, tailLines: 1 }), exited).getReader();
    const decoder = new TextDecoder();
    const next = async () => decoder.decode((await reader.read()).value);
    expect(await next()).toBe("fourth\n");
    appendFileSync(live, "2030-01-01T00:00:05.000000000Z stdout F fifth\n");
    expect(await next()).toBe("fifth\n");
    // A line in two writes arrives once it is whole.
    appendFileSync(live, "2030-01-01T00:00:06.000000000Z stdout F six");
    appendFileSync(live, "th\n");
    expect(await next()).toBe("sixth\n");
    // Rotation copies the file aside and empties it: what the copy got last comes first, then the new file from the top.
    appendFileSync(live, "2030-01-01T00:00:06.500000000Z stdout F six and a half\n");
    copyFileSync(live, `${live}.20300101-000006.600`);
    truncateSync(live, 0);
    appendFileSync(live, "2030-01-01T00:00:07.000000000Z stdout F seventh\n");
    let rotated = "";
    while (!rotated.includes("seventh\n")) rotated += await next();
    expect(rotated).toBe("six and a half\nseventh\n");
    appendFileSync(live, "2030-01-01T00:00:08.000000000Z stdout F eighth\n");
    done();
    let rest = "";
    for (;;) {
      const { value, done: finished } = await reader.read();
      if (finished) break;
      rest += decoder.decode(value);
    }
    expect(rest).toBe("eighth\n");
  });

  test("the reader going away stops the following", async () => {
    const stream = logStream([live], query({ follow: true }), new Promise(() => {}));
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    appendFileSync(live, "2030-01-01T00:00:05.000000000Z stdout F unseen\n");
  });
});
