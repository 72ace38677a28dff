// Content digests ("sha256:<hex>"), computed as bytes go by.
import { ImageError } from "./errors.ts";
import { isDigest } from "./reference.ts";

export type DigestAlgorithm = "sha256" | "sha512";

export function algorithmOf(digest: string): DigestAlgorithm {
  if (!isDigest(digest)) throw new ImageError("Unsupported", `unsupported or malformed digest "${digest}"`);
  return digest.slice(0, digest.indexOf(":")) as DigestAlgorithm;
}

export function digestOf(bytes: Uint8Array | string, algorithm: DigestAlgorithm = "sha256"): string {
  return `${algorithm}:${new Bun.CryptoHasher(algorithm).update(bytes).digest("hex")}`;
}

/** Throws DigestMismatch unless the bytes hash to the digest. */
export function verifyBytes(bytes: Uint8Array, digest: string, what: string): void {
  const actual = digestOf(bytes, algorithmOf(digest));
  if (actual !== digest) throw new ImageError("DigestMismatch", `${what}: expected ${digest}, got ${actual}`);
}

/** A hasher for the digest's algorithm; `check()` throws DigestMismatch when the bytes seen differ. */
export function digestVerifier(digest: string, what: string) {
  const algorithm = algorithmOf(digest);
  const hasher = new Bun.CryptoHasher(algorithm);
  let size = 0;
  return {
    update(chunk: Uint8Array) {
      hasher.update(chunk);
      size += chunk.length;
    },
    get size() {
      return size;
    },
    check(expectedSize?: number) {
      const actual = `${algorithm}:${hasher.digest("hex")}`;
      if (actual !== digest) throw new ImageError("DigestMismatch", `${what}: expected ${digest}, got ${actual} (${size} bytes)`);
      if (expectedSize !== undefined && size !== expectedSize) {
        throw new ImageError("DigestMismatch", `${what}: expected ${expectedSize} bytes, got ${size}`);
      }
    },
  };
}
