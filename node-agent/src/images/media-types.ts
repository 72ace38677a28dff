// Media types of the OCI image and distribution specs, Docker's schema 2, and the
// Wasm artifact conventions found in the wild.

export const MediaType = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayerTar: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  /** CNCF TAG-Runtime Wasm OCI artifact (and runwasi): config and layer. */
  wasmConfig: "application/vnd.wasm.config.v0+json",
  wasmLayer: "application/wasm",
} as const;

export const INDEX_MEDIA_TYPES: readonly string[] = [MediaType.ociIndex, MediaType.dockerManifestList];
export const MANIFEST_MEDIA_TYPES: readonly string[] = [MediaType.ociManifest, MediaType.dockerManifest];

/** The Accept header for manifests: every kind we can read. */
export const MANIFEST_ACCEPT = [...INDEX_MEDIA_TYPES, ...MANIFEST_MEDIA_TYPES].join(", ");

/** Config media types that mark a Wasm artifact (CNCF v0, wasm-to-oci v1). */
export const WASM_CONFIG_MEDIA_TYPES: readonly string[] = [MediaType.wasmConfig, "application/vnd.wasm.config.v1+json"];

/**
 * Layer media types that carry a raw .wasm: the CNCF / runwasi `application/wasm`,
 * wasm-to-oci's, the Bytecode Alliance component layer, and solo.io's module layer.
 */
export const WASM_LAYER_MEDIA_TYPES: readonly string[] = [
  MediaType.wasmLayer,
  "application/vnd.wasm.content.layer.v1+wasm",
  "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm",
  "application/vnd.module.wasm.content.layer.v1+wasm",
];

export type LayerCompression = "none" | "gzip" | "zstd";

/** How a tar layer is compressed, or undefined when the media type is not a tar layer. */
export function layerCompression(mediaType: string): LayerCompression | undefined {
  switch (mediaType) {
    case MediaType.ociLayerTar:
    case "application/vnd.oci.image.layer.nondistributable.v1.tar":
      return "none";
    case MediaType.ociLayerGzip:
    case MediaType.dockerLayerGzip:
    case "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip":
    case "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
      return "gzip";
    case MediaType.ociLayerZstd:
      return "zstd";
    default:
      return undefined;
  }
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The parts of an OCI / Docker image config the agent uses. */
export interface ImageConfig {
  os?: string;
  architecture?: string;
  variant?: string;
  config?: { User?: string; Env?: string[] | null; Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string };
  rootfs?: { type: string; diff_ids: string[] };
}
