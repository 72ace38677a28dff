// A WASI preview-1 host of our own. Bun's node:wasi keeps its file-system
// bindings module-global and has no read-only preopens; here every path goes
// through resolveBeneath and every write through the mount's read-only flag, and
// stdout/stderr go to the pod's log instead of the runner's own streams.
import {
  closeSync,
  type Dirent,
  fstatSync,
  ftruncateSync,
  futimesSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmdirSync,
  type BigIntStats,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  constants as fsConstants,
  writeSync,
  fsyncSync,
} from "node:fs";
import { join } from "node:path";
import { resolveBeneath, SandboxPathError, segmentsBelow } from "./sandbox-path.ts";

export interface Preopen {
  guestPath: string;
  hostPath: string;
  readOnly: boolean;
}

export interface Preview1Options {
  args: string[];
  env: Record<string, string>;
  preopens: Preopen[];
  stdout(bytes: Uint8Array): void;
  stderr(bytes: Uint8Array): void;
}

/** Thrown through the guest's frames by proc_exit. */
export class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

const E = {
  SUCCESS: 0, ACCES: 2, AGAIN: 6, BADF: 8, EXIST: 20, FBIG: 22, INVAL: 28, IO: 29, ISDIR: 31, LOOP: 32,
  MFILE: 33, NAMETOOLONG: 37, NOENT: 44, NOSPC: 51, NOSYS: 52, NOTDIR: 54, NOTEMPTY: 55, NOTSUP: 58,
  PERM: 63, ROFS: 69, SPIPE: 70, XDEV: 75, NOTCAPABLE: 76,
} as const;

const errnoOf: Record<string, number> = {
  EACCES: E.ACCES, EAGAIN: E.AGAIN, EBADF: E.BADF, EEXIST: E.EXIST, EFBIG: E.FBIG, EINVAL: E.INVAL,
  EIO: E.IO, EISDIR: E.ISDIR, ELOOP: E.LOOP, EMFILE: E.MFILE, ENAMETOOLONG: E.NAMETOOLONG, ENOENT: E.NOENT,
  ENOSPC: E.NOSPC, ENOTDIR: E.NOTDIR, ENOTEMPTY: E.NOTEMPTY, ENOTSUP: E.NOTSUP, EPERM: E.PERM, EROFS: E.ROFS,
  ESPIPE: E.SPIPE, EXDEV: E.XDEV, ENOTCAPABLE: E.NOTCAPABLE,
};

const FILETYPE = { UNKNOWN: 0, BLOCK: 1, CHAR: 2, DIR: 3, FILE: 4, SOCKET_STREAM: 6, SYMLINK: 7 } as const;
const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
const FDFLAGS_APPEND = 1;
const LOOKUP_SYMLINK_FOLLOW = 1;
const RIGHT_FD_WRITE = 1n << 6n;
const ALL_RIGHTS = (1n << 30n) - 1n;
// No seek/tell on stdio: wasi-libc then treats it as a terminal and line-buffers,
// so a guest's lines reach the log as it prints them.
const STDIO_RIGHTS = ALL_RIGHTS & ~((1n << 2n) | (1n << 5n));
const FSTFLAGS = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;

type Stdio = { kind: "stdio"; stream: "stdin" | "stdout" | "stderr" };
type Dir = { kind: "dir"; root: string; segments: string[]; readOnly: boolean; guestPath?: string };
type File = { kind: "file"; fd: number; root: string; readOnly: boolean; append: boolean; position: number };
type Entry = Stdio | Dir | File;

class WasiError extends Error {
  constructor(readonly errno: number) {
    super(`wasi errno ${errno}`);
  }
}

const fail = (errno: number): never => {
  throw new WasiError(errno);
};

function filetypeOf(stats: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): number {
  if (stats.isFile()) return FILETYPE.FILE;
  if (stats.isDirectory()) return FILETYPE.DIR;
  if (stats.isSymbolicLink()) return FILETYPE.SYMLINK;
  if (stats.isCharacterDevice()) return FILETYPE.CHAR;
  if (stats.isBlockDevice()) return FILETYPE.BLOCK;
  if (stats.isSocket()) return FILETYPE.SOCKET_STREAM;
  return FILETYPE.UNKNOWN;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Preview1Host {
  memory: WebAssembly.Memory | undefined;
  readonly #fds = new Map<number, Entry>();
  readonly #options: Preview1Options;
  readonly #args: Uint8Array[];
  readonly #env: Uint8Array[];

  constructor(options: Preview1Options) {
    this.#options = options;
    this.#args = options.args.map((a) => encoder.encode(`${a}\0`));
    this.#env = Object.entries(options.env).map(([k, v]) => encoder.encode(`${k}=${v}\0`));
    this.#fds.set(0, { kind: "stdio", stream: "stdin" });
    this.#fds.set(1, { kind: "stdio", stream: "stdout" });
    this.#fds.set(2, { kind: "stdio", stream: "stderr" });
    let fd = 3;
    for (const preopen of options.preopens) {
      const root = realpathSync(preopen.hostPath);
      this.#fds.set(fd++, { kind: "dir", root, segments: [], readOnly: preopen.readOnly, guestPath: preopen.guestPath });
    }
  }

  /** The import object for a module: what it asks of wasi_snapshot_preview1; ENOSYS for what we lack. */
  imports(module: WebAssembly.Module): Record<string, (...args: never[]) => unknown> {
    const table = this.#functions();
    const out: Record<string, (...args: never[]) => unknown> = {};
    for (const entry of WebAssembly.Module.imports(module)) {
      if (entry.module !== "wasi_snapshot_preview1" || entry.kind !== "function") continue;
      const impl = table[entry.name];
      out[entry.name] = impl ? this.#guard(impl) : () => E.NOSYS;
    }
    return out;
  }

  #guard(impl: (...args: never[]) => number | void): (...args: never[]) => number {
    return (...args) => {
      try {
        return impl(...args) ?? E.SUCCESS;
      } catch (error) {
        if (error instanceof WasiError) return error.errno;
        if (error instanceof SandboxPathError) return errnoOf[error.code] ?? E.NOTCAPABLE;
        const code = (error as NodeJS.ErrnoException).code;
        if (typeof code === "string") return errnoOf[code] ?? E.IO;
        throw error;
      }
    };
  }

  get #view(): DataView {
    if (!this.memory) throw new Error("the module exports no memory");
    return new DataView(this.memory.buffer);
  }

  #bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory!.buffer, ptr, len);
  }

  #string(ptr: number, len: number): string {
    return decoder.decode(this.#bytes(ptr, len));
  }

  #entry(fd: number): Entry {
    return this.#fds.get(fd) ?? fail(E.BADF);
  }

  #dir(fd: number): Dir {
    const entry = this.#entry(fd);
    return entry.kind === "dir" ? entry : fail(E.NOTDIR);
  }

  #file(fd: number): File {
    const entry = this.#entry(fd);
    return entry.kind === "file" ? entry : fail(entry.kind === "dir" ? E.ISDIR : E.BADF);
  }

  #resolve(dir: Dir, ptr: number, len: number, follow: boolean): string {
    return resolveBeneath(dir.root, dir.segments, this.#string(ptr, len), follow);
  }

  #writable(dir: Dir): Dir {
    return dir.readOnly ? fail(E.ROFS) : dir;
  }

  #iovecs(ptr: number, count: number): Uint8Array[] {
    const view = this.#view;
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      out.push(this.#bytes(view.getUint32(ptr + i * 8, true), view.getUint32(ptr + i * 8 + 4, true)));
    }
    return out;
  }

  #writeFilestat(ptr: number, stats: BigIntStats): void {
    const view = this.#view;
    view.setBigUint64(ptr, stats.dev, true);
    view.setBigUint64(ptr + 8, stats.ino, true);
    view.setUint8(ptr + 16, filetypeOf(stats));
    view.setBigUint64(ptr + 24, stats.nlink, true);
    view.setBigUint64(ptr + 32, stats.size, true);
    view.setBigUint64(ptr + 40, stats.atimeNs, true);
    view.setBigUint64(ptr + 48, stats.mtimeNs, true);
    view.setBigUint64(ptr + 56, stats.ctimeNs, true);
  }

  #fill(listPtr: number, bufPtr: number, items: Uint8Array[]): void {
    const view = this.#view;
    let at = bufPtr;
    items.forEach((item, i) => {
      view.setUint32(listPtr + i * 4, at, true);
      this.#bytes(at, item.length).set(item);
      at += item.length;
    });
  }

  #sizes(countPtr: number, sizePtr: number, items: Uint8Array[]): void {
    const view = this.#view;
    view.setUint32(countPtr, items.length, true);
    view.setUint32(sizePtr, items.reduce((n, i) => n + i.length, 0), true);
  }

  #times(atim: bigint, mtim: bigint, flags: number, current: () => BigIntStats): [number, number] {
    const now = Date.now() / 1000;
    const pick = (value: bigint, set: number, setNow: number, old: () => bigint) =>
      flags & setNow ? now : flags & set ? Number(value) / 1e9 : Number(old()) / 1e9;
    return [pick(atim, FSTFLAGS.ATIM, FSTFLAGS.ATIM_NOW, () => current().atimeNs), pick(mtim, FSTFLAGS.MTIM, FSTFLAGS.MTIM_NOW, () => current().mtimeNs)];
  }

  #functions(): Record<string, (...args: never[]) => number | void> {
    const fns = {
      args_get: (argv: number, buf: number) => this.#fill(argv, buf, this.#args),
      args_sizes_get: (count: number, size: number) => this.#sizes(count, size, this.#args),
      environ_get: (environ: number, buf: number) => this.#fill(environ, buf, this.#env),
      environ_sizes_get: (count: number, size: number) => this.#sizes(count, size, this.#env),

      clock_res_get: (_id: number, ptr: number) => this.#view.setBigUint64(ptr, 1000n, true),
      clock_time_get: (id: number, _precision: bigint, ptr: number) => {
        let ns: bigint;
        if (id === 0) ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
        else if (id === 1) ns = process.hrtime.bigint();
        else if (id === 2 || id === 3) {
          const usage = process.cpuUsage();
          ns = BigInt(usage.user + usage.system) * 1000n;
        } else return E.INVAL;
        this.#view.setBigUint64(ptr, ns, true);
      },

      fd_write: (fd: number, iovs: number, count: number, written: number) => {
        const entry = this.#entry(fd);
        let total = 0;
        for (const chunk of this.#iovecs(iovs, count)) {
          if (entry.kind === "stdio") {
            if (entry.stream === "stdin") return E.BADF;
            this.#options[entry.stream](chunk);
            total += chunk.length;
          } else if (entry.kind === "file") {
            const n = writeSync(entry.fd, chunk, 0, chunk.length, entry.append ? null : entry.position);
            total += n;
            entry.position = entry.append ? fstatSync(entry.fd).size : entry.position + n;
            if (n < chunk.length) break;
          } else return E.ISDIR;
        }
        this.#view.setUint32(written, total, true);
      },
      fd_pwrite: (fd: number, iovs: number, count: number, offset: bigint, written: number) => {
        const file = this.#file(fd);
        let total = 0;
        for (const chunk of this.#iovecs(iovs, count)) total += writeSync(file.fd, chunk, 0, chunk.length, Number(offset) + total);
        this.#view.setUint32(written, total, true);
      },
      fd_read: (fd: number, iovs: number, count: number, read: number) => {
        const entry = this.#entry(fd);
        let total = 0;
        if (entry.kind === "file") {
          for (const chunk of this.#iovecs(iovs, count)) {
            const n = readSync(entry.fd, chunk, 0, chunk.length, entry.position);
            entry.position += n;
            total += n;
            if (n < chunk.length) break;
          }
        } else if (entry.kind === "dir") return E.ISDIR;
        else if (entry.stream !== "stdin") return E.BADF;
        // stdin: pods get none, so it reads as end of file.
        this.#view.setUint32(read, total, true);
      },
      fd_pread: (fd: number, iovs: number, count: number, offset: bigint, read: number) => {
        const file = this.#file(fd);
        let total = 0;
        for (const chunk of this.#iovecs(iovs, count)) {
          const n = readSync(file.fd, chunk, 0, chunk.length, Number(offset) + total);
          total += n;
          if (n < chunk.length) break;
        }
        this.#view.setUint32(read, total, true);
      },
      fd_seek: (fd: number, offset: bigint, whence: number, result: number) => {
        const file = this.#file(fd);
        const base = whence === 0 ? 0 : whence === 1 ? file.position : whence === 2 ? fstatSync(file.fd).size : fail(E.INVAL);
        const next = base + Number(offset);
        if (next < 0) return E.INVAL;
        file.position = next;
        this.#view.setBigUint64(result, BigInt(next), true);
      },
      fd_tell: (fd: number, result: number) => this.#view.setBigUint64(result, BigInt(this.#file(fd).position), true),
      fd_close: (fd: number) => {
        const entry = this.#entry(fd);
        if (entry.kind === "file") closeSync(entry.fd);
        this.#fds.delete(fd);
      },
      fd_renumber: (from: number, to: number) => {
        const entry = this.#entry(from);
        const old = this.#fds.get(to);
        if (old?.kind === "file") closeSync(old.fd);
        this.#fds.set(to, entry);
        this.#fds.delete(from);
      },
      fd_sync: (fd: number) => fsyncSync(this.#file(fd).fd),
      fd_datasync: (fd: number) => fsyncSync(this.#file(fd).fd),
      fd_advise: (fd: number) => void this.#entry(fd),
      fd_allocate: () => E.NOTSUP,
      fd_fdstat_get: (fd: number, ptr: number) => {
        const entry = this.#entry(fd);
        const view = this.#view;
        const type = entry.kind === "stdio" ? FILETYPE.CHAR : entry.kind === "dir" ? FILETYPE.DIR : filetypeOf(fstatSync(entry.fd));
        view.setUint8(ptr, type);
        view.setUint16(ptr + 2, entry.kind === "file" && entry.append ? FDFLAGS_APPEND : 0, true);
        const rights = entry.kind === "stdio" ? STDIO_RIGHTS : entry.readOnly ? ALL_RIGHTS & ~RIGHT_FD_WRITE : ALL_RIGHTS;
        view.setBigUint64(ptr + 8, rights, true);
        view.setBigUint64(ptr + 16, rights, true);
      },
      fd_fdstat_set_flags: (fd: number, flags: number) => {
        const file = this.#file(fd);
        if (flags & ~FDFLAGS_APPEND) return E.NOTSUP;
        if (flags & FDFLAGS_APPEND && file.readOnly) return E.ROFS;
        file.append = (flags & FDFLAGS_APPEND) !== 0;
      },
      fd_fdstat_set_rights: () => E.SUCCESS,
      fd_filestat_get: (fd: number, ptr: number) => {
        const entry = this.#entry(fd);
        if (entry.kind === "stdio") {
          this.#bytes(ptr, 64).fill(0);
          this.#view.setUint8(ptr + 16, FILETYPE.CHAR);
          return;
        }
        const stats = entry.kind === "file" ? fstatSync(entry.fd, { bigint: true }) : statSync(join(entry.root, ...entry.segments), { bigint: true });
        this.#writeFilestat(ptr, stats);
      },
      fd_filestat_set_size: (fd: number, size: bigint) => {
        const file = this.#file(fd);
        if (file.readOnly) return E.ROFS;
        ftruncateSync(file.fd, Number(size));
      },
      fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, flags: number) => {
        const file = this.#file(fd);
        if (file.readOnly) return E.ROFS;
        futimesSync(file.fd, ...this.#times(atim, mtim, flags, () => fstatSync(file.fd, { bigint: true })));
      },
      fd_prestat_get: (fd: number, ptr: number) => {
        const entry = this.#entry(fd);
        if (entry.kind !== "dir" || entry.guestPath === undefined) return E.BADF;
        this.#view.setUint8(ptr, 0);
        this.#view.setUint32(ptr + 4, encoder.encode(entry.guestPath).length, true);
      },
      fd_prestat_dir_name: (fd: number, ptr: number, len: number) => {
        const entry = this.#entry(fd);
        if (entry.kind !== "dir" || entry.guestPath === undefined) return E.BADF;
        const name = encoder.encode(entry.guestPath);
        if (len < name.length) return E.NAMETOOLONG;
        this.#bytes(ptr, name.length).set(name);
      },
      fd_readdir: (fd: number, buf: number, len: number, cookie: bigint, used: number) => {
        const dir = this.#dir(fd);
        const host = join(dir.root, ...dir.segments);
        const names: [string, number][] = [
          [".", FILETYPE.DIR],
          ["..", FILETYPE.DIR],
          ...readdirSync(host, { withFileTypes: true }).map((d: Dirent) => [d.name, filetypeOf(d)] as [string, number]),
        ];
        const records: number[] = [];
        for (let i = Number(cookie); i < names.length; i++) {
          const [name, type] = names[i]!;
          const bytes = encoder.encode(name);
          const header = new DataView(new ArrayBuffer(24));
          header.setBigUint64(0, BigInt(i + 1), true);
          header.setBigUint64(8, name === "." || name === ".." ? 0n : lstatSync(join(host, name), { bigint: true }).ino, true);
          header.setUint32(16, bytes.length, true);
          header.setUint8(20, type);
          records.push(...new Uint8Array(header.buffer), ...bytes);
          if (records.length >= len) break;
        }
        const n = Math.min(records.length, len);
        this.#bytes(buf, n).set(records.slice(0, n));
        this.#view.setUint32(used, n, true);
      },

      path_open: (dirfd: number, dirflags: number, path: number, pathLen: number, oflags: number, rightsBase: bigint, _inheriting: bigint, fdflags: number, result: number) => {
        const dir = this.#dir(dirfd);
        const host = this.#resolve(dir, path, pathLen, (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0);
        let existing: ReturnType<typeof statSync> | undefined;
        try {
          existing = statSync(host);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        }
        if (existing?.isDirectory()) {
          if (oflags & (OFLAGS.CREAT | OFLAGS.TRUNC) && oflags & OFLAGS.EXCL) return E.EXIST;
          if ((rightsBase & RIGHT_FD_WRITE) !== 0n && !(oflags & OFLAGS.DIRECTORY)) return E.ISDIR;
          const fd = this.#nextFd();
          this.#fds.set(fd, { kind: "dir", root: dir.root, segments: segmentsBelow(dir.root, host), readOnly: dir.readOnly });
          this.#view.setUint32(result, fd, true);
          return;
        }
        if (oflags & OFLAGS.DIRECTORY) return existing ? E.NOTDIR : E.NOENT;
        const write = (rightsBase & RIGHT_FD_WRITE) !== 0n;
        const append = (fdflags & FDFLAGS_APPEND) !== 0;
        if (dir.readOnly && (write || append || oflags & (OFLAGS.CREAT | OFLAGS.TRUNC))) return E.ROFS;
        let flags = write ? fsConstants.O_RDWR : fsConstants.O_RDONLY;
        if (oflags & OFLAGS.CREAT) flags |= fsConstants.O_CREAT;
        if (oflags & OFLAGS.EXCL) flags |= fsConstants.O_EXCL;
        if (oflags & OFLAGS.TRUNC) flags |= fsConstants.O_TRUNC;
        if (append) flags |= fsConstants.O_APPEND;
        if (!(dirflags & LOOKUP_SYMLINK_FOLLOW)) flags |= fsConstants.O_NOFOLLOW;
        let osFd: number;
        try {
          osFd = openSync(host, flags, 0o644);
        } catch (error) {
          // Write-only files (no read permission) still open for writing.
          if (!write || (error as NodeJS.ErrnoException).code !== "EACCES") throw error;
          osFd = openSync(host, (flags & ~fsConstants.O_RDWR) | fsConstants.O_WRONLY, 0o644);
        }
        const fd = this.#nextFd();
        this.#fds.set(fd, { kind: "file", fd: osFd, root: dir.root, readOnly: dir.readOnly || !write, append, position: 0 });
        this.#view.setUint32(result, fd, true);
      },
      path_filestat_get: (dirfd: number, flags: number, path: number, len: number, ptr: number) => {
        const host = this.#resolve(this.#dir(dirfd), path, len, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0);
        this.#writeFilestat(ptr, flags & LOOKUP_SYMLINK_FOLLOW ? statSync(host, { bigint: true }) : lstatSync(host, { bigint: true }));
      },
      path_filestat_set_times: (dirfd: number, flags: number, path: number, len: number, atim: bigint, mtim: bigint, fst: number) => {
        const host = this.#resolve(this.#writable(this.#dir(dirfd)), path, len, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0);
        utimesSync(host, ...this.#times(atim, mtim, fst, () => statSync(host, { bigint: true })));
      },
      path_create_directory: (dirfd: number, path: number, len: number) => {
        mkdirSync(this.#resolve(this.#writable(this.#dir(dirfd)), path, len, false));
      },
      path_remove_directory: (dirfd: number, path: number, len: number) => {
        rmdirSync(this.#resolve(this.#writable(this.#dir(dirfd)), path, len, false));
      },
      path_unlink_file: (dirfd: number, path: number, len: number) => {
        const host = this.#resolve(this.#writable(this.#dir(dirfd)), path, len, false);
        if (lstatSync(host).isDirectory()) return E.ISDIR;
        unlinkSync(host);
      },
      path_rename: (fromFd: number, from: number, fromLen: number, toFd: number, to: number, toLen: number) => {
        const source = this.#resolve(this.#writable(this.#dir(fromFd)), from, fromLen, false);
        const target = this.#resolve(this.#writable(this.#dir(toFd)), to, toLen, false);
        renameSync(source, target);
      },
      path_symlink: (target: number, targetLen: number, dirfd: number, path: number, len: number) => {
        const text = this.#string(target, targetLen);
        if (text.startsWith("/")) return E.NOTCAPABLE;
        symlinkSync(text, this.#resolve(this.#writable(this.#dir(dirfd)), path, len, false));
      },
      path_link: (fromFd: number, flags: number, from: number, fromLen: number, toFd: number, to: number, toLen: number) => {
        const source = this.#resolve(this.#writable(this.#dir(fromFd)), from, fromLen, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0);
        linkSync(source, this.#resolve(this.#writable(this.#dir(toFd)), to, toLen, false));
      },
      path_readlink: (dirfd: number, path: number, len: number, buf: number, bufLen: number, used: number) => {
        const bytes = encoder.encode(readlinkSync(this.#resolve(this.#dir(dirfd), path, len, false)));
        const n = Math.min(bytes.length, bufLen);
        this.#bytes(buf, n).set(bytes.subarray(0, n));
        this.#view.setUint32(used, n, true);
      },

      poll_oneoff: (input: number, output: number, count: number, eventsPtr: number) => {
        const view = this.#view;
        let sleepNs = Number.POSITIVE_INFINITY;
        const ready: [userdata: bigint, type: number][] = [];
        for (let i = 0; i < count; i++) {
          const at = input + i * 48;
          const type = view.getUint8(at + 8);
          if (type === 0) {
            const timeout = view.getBigUint64(at + 24, true);
            const absolute = (view.getUint16(at + 40, true) & 1) !== 0;
            const clock = view.getUint32(at + 16, true);
            const now = clock === 0 ? BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)) : process.hrtime.bigint();
            sleepNs = Math.min(sleepNs, Math.max(0, Number(absolute ? timeout - now : timeout)));
          } else {
            // Descriptors here never block: files are always ready, stdin is at its end.
            ready.push([view.getBigUint64(at, true), type]);
          }
        }
        if (ready.length === 0 && Number.isFinite(sleepNs)) {
          // A guest sleep blocks the runner's only thread, as it would in native code.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sleepNs / 1e6);
          for (let i = 0; i < count; i++) {
            const at = input + i * 48;
            if (view.getUint8(at + 8) === 0) ready.push([view.getBigUint64(at, true), 0]);
          }
        }
        const out = this.#view;
        ready.forEach(([userdata, type], i) => {
          const at = output + i * 32;
          this.#bytes(at, 32).fill(0);
          out.setBigUint64(at, userdata, true);
          out.setUint8(at + 10, type);
        });
        out.setUint32(eventsPtr, ready.length, true);
      },
      proc_exit: (code: number) => {
        throw new ProcExit(code);
      },
      proc_raise: () => E.NOSYS,
      sched_yield: () => E.SUCCESS,
      random_get: (ptr: number, len: number) => {
        for (let at = 0; at < len; at += 65536) crypto.getRandomValues(this.#bytes(ptr + at, Math.min(65536, len - at)));
      },
      // No network for pods: sockets are refused.
      sock_accept: () => E.NOTSUP,
      sock_recv: () => E.NOTSUP,
      sock_send: () => E.NOTSUP,
      sock_shutdown: () => E.NOTSUP,
    };
    return fns as unknown as Record<string, (...args: never[]) => number | void>;
  }

  #nextFd(): number {
    let fd = 3;
    while (this.#fds.has(fd)) fd++;
    return fd;
  }
}
