import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveBeneath, SandboxPathError } from "./sandbox-path.ts";

const base = realpathSync(mkdtempSync(join(tmpdir(), "ledge-sandbox-path-")));
const root = join(base, "root");
mkdirSync(join(root, "dir/sub"), { recursive: true });
writeFileSync(join(root, "dir/file.txt"), "x");
writeFileSync(join(base, "outside.txt"), "secret");
symlinkSync("file.txt", join(root, "dir/link"));
symlinkSync("..", join(root, "dir/sub/up"));
symlinkSync("../../outside.txt", join(root, "dir/escape"));
symlinkSync("/etc/passwd", join(root, "dir/absolute"));
symlinkSync("loop", join(root, "loop"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("resolveBeneath", () => {
  test.each([
    ["a plain path", [], "dir/file.txt", true, "dir/file.txt"],
    ["dots and double slashes", [], "./dir//./file.txt", true, "dir/file.txt"],
    ["'..' that stays inside", ["dir", "sub"], "../file.txt", true, "dir/file.txt"],
    ["a symlink inside, followed", [], "dir/link", true, "dir/file.txt"],
    ["a final symlink not followed", [], "dir/link", false, "dir/link"],
    ["a symlink in the middle", [], "dir/sub/up/file.txt", false, "dir/file.txt"],
    ["a path that does not exist yet", [], "dir/new/deeper.txt", true, "dir/new/deeper.txt"],
  ] as const)("resolves %s", (_name, from, path, follow, expected) => {
    expect(resolveBeneath(root, [...from], path, follow)).toBe(join(root, expected));
  });

  test.each([
    ["an absolute path", [], "/etc/passwd", true, "ENOTCAPABLE"],
    ["'..' above the root", [], "../outside.txt", true, "ENOTCAPABLE"],
    ["'..' above the root from below", ["dir"], "../../outside.txt", true, "ENOTCAPABLE"],
    ["a relative symlink that leaves", [], "dir/escape", true, "ENOTCAPABLE"],
    ["an absolute symlink", [], "dir/absolute", true, "ENOTCAPABLE"],
    ["a symlink loop", [], "loop", true, "ELOOP"],
    ["'..' after a missing component", [], "missing/../../outside.txt", true, "ENOENT"],
  ] as const)("refuses %s", (_name, from, path, follow, code) => {
    expect(() => resolveBeneath(root, [...from], path, follow)).toThrow(new SandboxPathError(code));
  });
});
