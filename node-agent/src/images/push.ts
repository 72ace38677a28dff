// Uploads a built image (blobs, then the manifest) or a bare manifest such as an index.
import type { BuiltImage, BuiltManifest } from "./build-image.ts";
import type { Credentials } from "./credentials.ts";
import { ImageError } from "./errors.ts";
import { formatReference, manifestReference, parseReference } from "./reference.ts";
import { RegistryClient } from "./registry-client.ts";

export interface PushOptions {
  credentials?: Credentials;
  plainHttpRegistries?: readonly string[];
}

/** Puts a manifest under the reference's tag (or digest); returns its digest. */
export async function pushManifest(reference: string, manifest: BuiltManifest, options: PushOptions = {}, client?: RegistryClient): Promise<string> {
  const ref = parseReference(reference);
  if (ref.digest && ref.digest !== manifest.digest) {
    throw new ImageError("DigestMismatch", `${reference} names digest ${ref.digest} but the manifest is ${manifest.digest}`);
  }
  const registry = client ?? new RegistryClient(ref.registry, { ...options, push: true });
  await registry.putManifest(ref.repository, ref.tag ?? manifestReference(ref), manifest.bytes, manifest.mediaType);
  return manifest.digest;
}

/** Pushes every blob the registry lacks, then the manifest; returns the pushed reference by digest. */
export async function pushImage(image: BuiltImage, reference: string, options: PushOptions = {}): Promise<{ reference: string; digest: string }> {
  const ref = parseReference(reference);
  const client = new RegistryClient(ref.registry, { ...options, push: true });
  for (const blob of image.blobs) await client.putBlob(ref.repository, blob.digest, Bun.file(blob.path));
  const digest = await pushManifest(reference, image.manifest, options, client);
  return { reference: formatReference({ ...ref, tag: undefined, digest }), digest };
}
