// Log files on disk: one per container instance, rotated by size, the oldest
// pieces and instances dropped.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { LogFiles } from "./log-files.ts";

let root: string;
const pod = { namespace: "shop", name: "web", uid: "u1" };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ledge-logs-"));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

test("the kubelet's layout: <namespace>_<name>_<uid>/<container>/<restart>.log", () => {
  const files = new LogFiles(root);
  expect(files.path(pod, "app", 0)).toBe(join(root, "shop_web_u1", "app", "0.log"));
  expect(existsSync(join(root, "shop_web_u1", "app"))).toBe(true);
});

test("a file past the size limit is copied aside and emptied; the oldest pieces beyond maxFiles go", () => {
  const files = new LogFiles(root, { maxBytes: 10, maxFiles: 3 });
  const live = files.path(pod, "app", 0);
  for (let i = 0; i < 5; i++) {
    appendFileSync(live, `piece ${i} is long enough\n`);
    expect(files.rotate(pod, "app", 0, Date.UTC(2030, 0, 1, 0, 0, i))).toBe(true);
  }
  expect(files.rotate(pod, "app", 0)).toBe(false);
  const pieces = files.pieces(pod, "app", 0);
  expect(pieces.map((p) => basename(p))).toEqual(["0.log.20300101-000003.000", "0.log.20300101-000004.000", "0.log"]);
  expect(readFileSync(pieces[0]!, "utf8")).toBe("piece 3 is long enough\n");
  expect(readFileSync(live, "utf8")).toBe("");
});

test("only the current and the previous instance's files are kept", () => {
  const files = new LogFiles(root);
  for (let attempt = 0; attempt < 4; attempt++) appendFileSync(files.path(pod, "app", attempt), "x\n");
  files.prune(pod, "app", 2);
  expect(readdirSync(files.containerDir(pod, "app")).sort()).toEqual(["2.log", "3.log"]);
  files.removePod(pod);
  expect(existsSync(files.podDir(pod))).toBe(false);
});
