// wasi:filesystem for components: the preview2 shim's descriptors (which already
// keep paths beneath their preopen), wrapped so that a read-only mount refuses
// every operation that would change it. The shim has no notion of read-only
// preopens, and it cannot be subclassed usefully (its constructors are private),
// so the guest gets these wrappers and the shim's objects stay inside.
import { _createPreopenDescriptor, types as shimTypes } from "@bytecodealliance/preview2-shim/filesystem";
import type { Preopen } from "./preview1.ts";

type Method = (...args: unknown[]) => unknown;
type Inner = Record<
  | "readViaStream" | "writeViaStream" | "appendViaStream" | "advise" | "syncData" | "getFlags" | "getType"
  | "setSize" | "setTimes" | "read" | "write" | "readDirectory" | "sync" | "createDirectoryAt" | "stat" | "statAt"
  | "setTimesAt" | "linkAt" | "openAt" | "readlinkAt" | "removeDirectoryAt" | "renameAt" | "symlinkAt"
  | "unlinkFileAt" | "isSameObject" | "metadataHash" | "metadataHashAt",
  Method
>;
type Flags = { read?: boolean; write?: boolean; mutateDirectory?: boolean };
type OpenFlags = { create?: boolean; directory?: boolean; exclusive?: boolean; truncate?: boolean };

const READ_ONLY = "read-only";

export class GuardedDescriptor {
  readonly #inner: Inner;
  readonly #readOnly: boolean;

  constructor(inner: Inner, readOnly: boolean) {
    this.#inner = inner;
    this.#readOnly = readOnly;
  }

  static #unwrap(other: GuardedDescriptor): Inner {
    return other.#inner;
  }

  #mutable(): Inner {
    if (this.#readOnly) throw READ_ONLY;
    return this.#inner;
  }

  readViaStream(offset: bigint) {
    return this.#inner.readViaStream(offset);
  }
  writeViaStream(offset: bigint) {
    return this.#mutable().writeViaStream(offset);
  }
  appendViaStream() {
    return this.#mutable().appendViaStream();
  }
  advise(offset: bigint, length: bigint, advice: never) {
    return this.#inner.advise(offset, length, advice);
  }
  syncData() {
    return this.#inner.syncData();
  }
  getFlags() {
    const flags = this.#inner.getFlags() as Flags | undefined;
    return this.#readOnly ? { ...flags, write: false, mutateDirectory: false } : flags;
  }
  getType() {
    return this.#inner.getType();
  }
  setSize(size: bigint) {
    return this.#mutable().setSize(size);
  }
  setTimes(atime: never, mtime: never) {
    return this.#mutable().setTimes(atime, mtime);
  }
  read(length: bigint, offset: bigint) {
    return this.#inner.read(length, offset);
  }
  write(buffer: Uint8Array, offset: bigint) {
    return this.#mutable().write(buffer, offset);
  }
  readDirectory() {
    return this.#inner.readDirectory();
  }
  sync() {
    return this.#inner.sync();
  }
  createDirectoryAt(path: string) {
    return this.#mutable().createDirectoryAt(path);
  }
  stat() {
    return this.#inner.stat();
  }
  statAt(pathFlags: never, path: string) {
    return this.#inner.statAt(pathFlags, path);
  }
  setTimesAt(pathFlags: never, path: string, atime: never, mtime: never) {
    return this.#mutable().setTimesAt(pathFlags, path, atime, mtime);
  }
  linkAt(oldPathFlags: never, oldPath: string, newDescriptor: GuardedDescriptor, newPath: string) {
    newDescriptor.#mutable();
    return this.#mutable().linkAt(oldPathFlags, oldPath, GuardedDescriptor.#unwrap(newDescriptor), newPath);
  }
  openAt(pathFlags: never, path: string, openFlags: OpenFlags, flags: Flags) {
    if (this.#readOnly && (openFlags.create || openFlags.truncate || flags.write || flags.mutateDirectory)) throw READ_ONLY;
    return new GuardedDescriptor(this.#inner.openAt(pathFlags, path, openFlags, flags) as Inner, this.#readOnly);
  }
  readlinkAt(path: string) {
    return this.#inner.readlinkAt(path);
  }
  removeDirectoryAt(path: string) {
    return this.#mutable().removeDirectoryAt(path);
  }
  renameAt(oldPath: string, newDescriptor: GuardedDescriptor, newPath: string) {
    newDescriptor.#mutable();
    return this.#mutable().renameAt(oldPath, GuardedDescriptor.#unwrap(newDescriptor), newPath);
  }
  symlinkAt(oldPath: string, newPath: string) {
    return this.#mutable().symlinkAt(oldPath, newPath);
  }
  unlinkFileAt(path: string) {
    return this.#mutable().unlinkFileAt(path);
  }
  isSameObject(other: GuardedDescriptor) {
    return this.#inner.isSameObject(GuardedDescriptor.#unwrap(other));
  }
  metadataHash() {
    return this.#inner.metadataHash();
  }
  metadataHashAt(pathFlags: never, path: string) {
    return this.#inner.metadataHashAt(pathFlags, path);
  }
  [Symbol.dispose]() {
    (this.#inner as unknown as Disposable)[Symbol.dispose]?.();
  }
}

/** The two wasi:filesystem interfaces a component imports, for these mounts only. */
export function guardedFilesystem(preopens: Preopen[]) {
  const directories = preopens.map(
    (p) => [new GuardedDescriptor(_createPreopenDescriptor(p.hostPath) as unknown as Inner, p.readOnly), p.guestPath] as const,
  );
  return {
    types: { ...shimTypes, Descriptor: GuardedDescriptor },
    preopens: { getDirectories: () => [...directories] },
  };
}
