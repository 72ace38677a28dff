// The node's platform as OCI names it, and picking a manifest out of an image index.
import type { Descriptor } from "./media-types.ts";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const GOARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", loong64: "loong64" };

/** linux/<GOARCH>[/variant] of the machine this runs on. */
export function nodePlatform(): Platform {
  const architecture = GOARCH[process.arch] ?? process.arch;
  if (architecture === "arm") {
    const armVersion = (process.config.variables as Record<string, unknown>).arm_version;
    return { os: "linux", architecture, variant: armVersion ? `v${armVersion}` : "v7" };
  }
  return { os: "linux", architecture };
}

export const formatPlatform = (p: Platform): string => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;

/** Platforms a Wasm artifact inside an index is published under (runwasi, Docker+Wasm, CNCF). */
const WASM_OSES = new Set(["wasi", "wasip1", "wasip2"]);
export const isWasmPlatform = (p: { os: string; architecture: string }): boolean => p.architecture === "wasm" || WASM_OSES.has(p.os);

/**
 * The manifest for this node: its own os/architecture first (an exact variant
 * before none; arm64 treats a missing variant as v8), then a Wasm platform,
 * which runs anywhere. Attestations (unknown/unknown) never match.
 */
export function selectManifest(manifests: readonly Descriptor[], platform: Platform): Descriptor | undefined {
  const native = manifests.filter((m) => m.platform?.os === platform.os && m.platform.architecture === platform.architecture);
  const variantOf = (m: Descriptor) => m.platform?.variant ?? (platform.architecture === "arm64" ? "v8" : undefined);
  const wanted = platform.variant ?? (platform.architecture === "arm64" ? "v8" : undefined);
  const exact = native.find((m) => variantOf(m) === wanted);
  if (exact) return exact;
  const unversioned = native.find((m) => m.platform?.variant === undefined);
  if (unversioned) return unversioned;
  return manifests.find((m) => m.platform !== undefined && isWasmPlatform(m.platform));
}
