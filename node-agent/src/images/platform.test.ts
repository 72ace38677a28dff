import { expect, test } from "bun:test";
import type { Descriptor } from "./media-types.ts";
import { selectManifest, type Platform } from "./platform.ts";

const entry = (digest: string, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest,
  size: 1,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
});

const index = [
  entry("amd64", "linux", "amd64"),
  entry("armv6", "linux", "arm", "v6"),
  entry("armv7", "linux", "arm", "v7"),
  entry("arm64", "linux", "arm64", "v8"),
  entry("attestation", "unknown", "unknown"),
];

test.each<[Platform, Descriptor[], string | undefined]>([
  [{ os: "linux", architecture: "amd64" }, index, "amd64"],
  [{ os: "linux", architecture: "arm", variant: "v7" }, index, "armv7"],
  [{ os: "linux", architecture: "arm64" }, index, "arm64"],
  [{ os: "linux", architecture: "riscv64" }, index, undefined],
  [{ os: "linux", architecture: "riscv64" }, [...index, entry("wasm", "wasip1", "wasm")], "wasm"],
  [{ os: "linux", architecture: "amd64" }, [entry("wasm", "wasi", "wasm"), entry("amd64", "linux", "amd64")], "amd64"],
])("%p picks %#", (platform, manifests, digest) => {
  expect(selectManifest(manifests, platform)?.digest).toBe(digest as string);
});
