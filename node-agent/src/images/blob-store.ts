// A content-addressed store of blobs (manifests, configs, layers, Wasm modules)
// shared by every pod: blobs/<algorithm>/<hex>, written under a temporary name and
// renamed into place only after the bytes hashed to their digest.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { digestOf, digestVerifier } from "./digest.ts";
import { ImageError } from "./errors.ts";
import { isDigest } from "./reference.ts";

let temporaryCounter = 0;

export class BlobStore {
  readonly #blobs: string;
  readonly #ingest: string;

  constructor(root: string) {
    this.#blobs = join(root, "blobs");
    this.#ingest = join(root, "ingest");
    mkdirSync(this.#ingest, { recursive: true });
  }

  path(digest: string): string {
    if (!isDigest(digest)) throw new ImageError("Unsupported", `malformed digest "${digest}"`);
    const [algorithm, hex] = digest.split(":") as [string, string];
    return join(this.#blobs, algorithm, hex);
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: string): number {
    return statSync(this.path(digest)).size;
  }

  /** Streams bytes in, verifying them against the digest (and size) on the way. */
  async write(digest: string, body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, what: string, expectedSize?: number): Promise<string> {
    const target = this.path(digest);
    if (existsSync(target)) return target;
    const verifier = digestVerifier(digest, what);
    const temporary = this.#temporary();
    const file = await open(temporary, "w");
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        verifier.update(chunk);
        if (expectedSize !== undefined && verifier.size > expectedSize) {
          throw new ImageError("DigestMismatch", `${what}: more than the ${expectedSize} bytes its descriptor declares`);
        }
        await file.write(chunk);
      }
      await file.close();
      verifier.check(expectedSize);
      this.#publish(temporary, target);
      return target;
    } catch (error) {
      await file.close().catch(() => undefined); // already closed when the digest was wrong
      rmSync(temporary, { force: true });
      throw error;
    }
  }

  /** Stores bytes already in memory; returns their sha256 digest. */
  async writeBytes(bytes: Uint8Array): Promise<string> {
    const digest = digestOf(bytes);
    if (!this.has(digest)) {
      const temporary = this.#temporary();
      await Bun.write(temporary, bytes);
      this.#publish(temporary, this.path(digest));
    }
    return digest;
  }

  remove(digest: string): void {
    rmSync(this.path(digest), { force: true });
  }

  list(): string[] {
    if (!existsSync(this.#blobs)) return [];
    return readdirSync(this.#blobs).flatMap((algorithm) => readdirSync(join(this.#blobs, algorithm)).map((hex) => `${algorithm}:${hex}`));
  }

  #temporary(): string {
    temporaryCounter += 1;
    return join(this.#ingest, `${process.pid}-${temporaryCounter}-${Math.random().toString(36).slice(2, 8)}`);
  }

  #publish(temporary: string, target: string): void {
    mkdirSync(join(target, ".."), { recursive: true });
    renameSync(temporary, target);
  }
}
