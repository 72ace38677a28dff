// The pod-template-hash: an FNV-32a hash of the pod template (and the
// collision count), encoded with Kubernetes' SafeEncodeString alphabet, so
// it names the ReplicaSet and labels its pods. It hashes a canonical JSON
// form rather than Go's struct dump, so its values differ from Kubernetes'
// but are just as stable: equal templates always get equal hashes.
import type { PodTemplateSpec } from "../replicaset/types.ts";

export const POD_TEMPLATE_HASH = "pod-template-hash";

/** rand.SafeEncodeString's alphabet: no vowels (no words) and no look-alike characters. */
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

export function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash >>> 0;
}

export const safeEncodeString = (s: string): string => Array.from(s, (c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join("");

/**
 * The JSON value with what Kubernetes' semantic equality cannot tell apart
 * from absence removed: nulls, empty objects and empty lists (Go decodes all
 * of them to zero values, and kubectl sends them back when it restores a
 * template), keys sorted.
 */
export function normalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalize).map((v) => (v === undefined ? null : v));
    return items.length ? items : undefined;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = normalize((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value ?? undefined;
}

/** controller.ComputeHash. */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let hash = fnv32a(new TextEncoder().encode(JSON.stringify(normalize(template) ?? {})));
  if (collisionCount !== undefined) {
    // Go writes the count as a little-endian uint32 into an 8-byte buffer.
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv32a(bytes, hash);
  }
  return safeEncodeString(String(hash));
}

function withoutHash(template: PodTemplateSpec | undefined): unknown {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH];
  return normalize(copy);
}

/** EqualIgnoreHash: the templates are the same apart from the pod-template-hash label. */
export const equalIgnoreHash = (a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean =>
  Bun.deepEquals(withoutHash(a), withoutHash(b), true);
