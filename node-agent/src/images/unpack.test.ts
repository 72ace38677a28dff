// Layers as overlayfs stacks them: whiteouts, opaque directories, a file replacing
// a directory, and whiteouts that try to reach outside the root.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEntryPath, applyLayer } from "./unpack.ts";

const work = mkdtempSync(join(tmpdir(), "ledge-unpack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function files(root: string, entries: Record<string, string | { symlink: string } | null>): void {
  for (const [path, content] of Object.entries(entries)) {
    const full = join(root, path);
    if (content === null) {
      mkdirSync(full, { recursive: true });
      continue;
    }
    mkdirSync(join(full, ".."), { recursive: true });
    if (typeof content === "string") writeFileSync(full, content);
    else symlinkSync(content.symlink, full);
  }
}

let layers = 0;
/** A layer tar made by GNU tar from the given tree; `only` limits it to those entries. */
async function layer(entries: Record<string, string | { symlink: string } | null>, only?: string[]): Promise<string> {
  layers += 1;
  const dir = join(work, `layer${layers}`);
  mkdirSync(dir);
  files(dir, entries);
  const tarPath = join(work, `layer${layers}.tar`);
  const args = only ? ["--no-recursion", ...only] : ["."];
  const child = Bun.spawn(["tar", "-cf", tarPath, "-C", dir, ...args], { stderr: "pipe" });
  if ((await child.exited) !== 0) throw new Error(await new Response(child.stderr).text());
  return tarPath;
}

const apply = (root: string, path: string) => applyLayer(root, { path, compression: "none", digest: path });

test("whiteouts delete lower files, opaque dirs hide lower content, files replace dirs", async () => {
  const root = join(work, "rootfs1");
  mkdirSync(root);
  await apply(root, await layer({ "a/keep": "k", "a/gone": "g", "b/x": "x", "b/sub/y": "y", "c/z": "z", d: "d" }));
  await apply(root, await layer({ "a/.wh.gone": "", "b/.wh..wh..opq": "", "b/new": "n", c: "now a file" }));
  expect(readFileSync(join(root, "a/keep"), "utf8")).toBe("k");
  expect(existsSync(join(root, "a/gone"))).toBe(false);
  expect(existsSync(join(root, "a/.wh.gone"))).toBe(false);
  expect(existsSync(join(root, "b/x"))).toBe(false);
  expect(existsSync(join(root, "b/sub"))).toBe(false);
  expect(readFileSync(join(root, "b/new"), "utf8")).toBe("n");
  expect(existsSync(join(root, "b/.wh..wh..opq"))).toBe(false);
  expect(readFileSync(join(root, "c"), "utf8")).toBe("now a file");
  expect(readFileSync(join(root, "d"), "utf8")).toBe("d");
});

test("a whiteout never removes what its own layer adds", async () => {
  const root = join(work, "rootfs2");
  mkdirSync(root);
  await apply(root, await layer({ "e/old": "o" }));
  // Same layer: new content in e, and e marked opaque (tar order puts e/new first here).
  await apply(root, await layer({ "e/new": "n", "e/.wh..wh..opq": "" }, ["e", "e/new", "e/.wh..wh..opq"]));
  expect(readFileSync(join(root, "e/new"), "utf8")).toBe("n");
  expect(existsSync(join(root, "e/old"))).toBe(false);
});

test("a whiteout below a symlink does not follow it out of the root", async () => {
  const outside = join(work, "outside");
  files(outside, { victim: "still here" });
  const root = join(work, "rootfs3");
  mkdirSync(root);
  await apply(root, await layer({ l: { symlink: outside } }));
  await apply(root, await layer({ "l/.wh.victim": "" }, ["l/.wh.victim"]));
  expect(readFileSync(join(outside, "victim"), "utf8")).toBe("still here");
  expect(lstatSync(join(root, "l")).isSymbolicLink()).toBe(true);
});

test("a wrong diff_id fails the layer before anything is deleted", async () => {
  const root = join(work, "rootfs4");
  mkdirSync(root);
  await apply(root, await layer({ f: "1" }));
  const path = await layer({ ".wh.f": "" });
  const wrong = `sha256:${"0".repeat(64)}`;
  expect(applyLayer(root, { path, compression: "none", digest: "x", diffId: wrong })).rejects.toMatchObject({ code: "DigestMismatch" });
  expect(readFileSync(join(root, "f"), "utf8")).toBe("1");
});

test.each([
  ["./a/b/", "a/b"],
  ["/etc/passwd", "etc/passwd"],
  ["a//b/./c", "a/b/c"],
  ["../../etc", "etc"],
  ["a/../../b", "b"],
])("entry path %p is %p", (raw, clean) => {
  expect(cleanEntryPath(raw)).toBe(clean);
});

test("modes come out exactly as the layer has them (sticky, setuid, group-writable)", async () => {
  const root = join(work, "rootfs5");
  mkdirSync(root);
  const dir = join(work, "modes");
  files(dir, { tmp: null, "bin/suid": "x", "shared/rw": "y" });
  chmodSync(join(dir, "tmp"), 0o1777);
  chmodSync(join(dir, "bin/suid"), 0o4755);
  chmodSync(join(dir, "shared/rw"), 0o664);
  const tarPath = join(work, "modes.tar");
  expect(await Bun.spawn(["tar", "-cf", tarPath, "-C", dir, "."]).exited).toBe(0);
  await apply(root, tarPath);
  expect(statSync(join(root, "tmp")).mode & 0o7777).toBe(0o1777);
  expect(statSync(join(root, "bin/suid")).mode & 0o7777).toBe(0o4755);
  expect(statSync(join(root, "shared/rw")).mode & 0o7777).toBe(0o664);
});
