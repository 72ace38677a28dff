// The agent must run on a machine with no control-plane code: nothing under
// node-agent/src imports control-plane/. Tests reach the API through the
// e2e harness (e2e/harness/in-process-api.ts) instead.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = import.meta.dir;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

test("no file of the agent imports control-plane code", () => {
  const offenders = files(root).filter((file) => /from\s+["'][^"']*control-plane\//.test(readFileSync(file, "utf8")) || /import\(\s*["'][^"']*control-plane\//.test(readFileSync(file, "utf8")));
  expect(offenders.map((f) => relative(root, f))).toEqual([]);
});
