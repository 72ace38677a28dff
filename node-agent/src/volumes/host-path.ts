// hostPath: a path of the node itself, checked (or created) as its type says.
import { closeSync, existsSync, mkdirSync, openSync, type Stats, statSync } from "node:fs";
import { dirname } from "node:path";
import type { Volume } from "../../../schemas/index.ts";
import { MountError, type VolumePlugin } from "./volume-plugin.ts";

type Source = NonNullable<Volume["hostPath"]>;

const CHECKS: Record<string, [test: (s: Stats) => boolean, what: string]> = {
  Directory: [(s) => s.isDirectory(), "directory"],
  File: [(s) => s.isFile(), "file"],
  Socket: [(s) => s.isSocket(), "socket"],
  CharDevice: [(s) => s.isCharacterDevice(), "character device"],
  BlockDevice: [(s) => s.isBlockDevice(), "block device"],
};

export const hostPath: VolumePlugin<Source> = {
  readOnly: false,
  refreshes: false,
  async setUp(_context, name, source) {
    const path = source.path;
    const type = source.type ?? "";
    if (type === "DirectoryOrCreate" && !existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o755 });
    if (type === "FileOrCreate" && !existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
      closeSync(openSync(path, "a", 0o644));
    }
    const check = CHECKS[type === "DirectoryOrCreate" ? "Directory" : type === "FileOrCreate" ? "File" : type];
    if (check) {
      const stat = existsSync(path) ? statSync(path) : undefined;
      if (!stat) throw new MountError(name, `hostPath type check failed: ${path} does not exist`);
      if (!check[0](stat)) throw new MountError(name, `hostPath type check failed: ${path} is not a ${check[1]}`);
    }
    return path;
  },
};
