import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CriLogWriter, MAX_LOG_LINE_BYTES, parseCriLog, rfc3339Nano } from "./cri-log.ts";

const dir = mkdtempSync(join(tmpdir(), "ledge-cri-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const enc = (s: string) => new TextEncoder().encode(s);

function written(write: (w: CriLogWriter) => void) {
  const path = join(dir, `nested/${++n}.log`);
  const writer = new CriLogWriter(path);
  write(writer);
  writer.close();
  return readFileSync(path, "utf8");
}

describe("CriLogWriter", () => {
  test("timestamps have nine fractional digits and parse as dates", () => {
    const time = rfc3339Nano(Date.UTC(2026, 0, 1) + 0.5);
    expect(time).toBe("2026-01-01T00:00:00.000500000Z");
    expect(Number.isNaN(Date.parse(rfc3339Nano()))).toBe(false);
  });

  test.each([
    ["one line", [["stdout", "hello\n"]], [["stdout", false, "hello"]]],
    ["line split across writes", [["stdout", "hel"], ["stdout", "lo\nnext\n"]], [["stdout", false, "hello"], ["stdout", false, "next"]]],
    ["streams kept apart", [["stdout", "a"], ["stderr", "b\n"], ["stdout", "c\n"]], [["stderr", false, "b"], ["stdout", false, "ac"]]],
    ["unterminated line flushed at close", [["stderr", "bye"]], [["stderr", false, "bye"]]],
    ["empty line kept", [["stdout", "\n"]], [["stdout", false, ""]]],
  ] as const)("%s", (_name, writes, expected) => {
    const text = written((w) => {
      for (const [stream, chunk] of writes) w.write(stream, enc(chunk));
    });
    expect(text.endsWith("\n")).toBe(true);
    expect(parseCriLog(text).map((r) => [r.stream, r.partial, r.text])).toEqual(expected.map((e) => [...e]));
  });

  test("over-long lines become partial records that join back", () => {
    const long = "x".repeat(MAX_LOG_LINE_BYTES * 2 + 10);
    const records = parseCriLog(written((w) => w.write("stdout", enc(`${long}\n`))));
    expect(records.map((r) => r.partial)).toEqual([true, true, false]);
    expect(records.map((r) => r.text).join("")).toBe(long);
  });
});
