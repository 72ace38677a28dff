// Image references as Docker and Kubernetes spell them: [registry/]repository[:tag][@digest],
// with Docker Hub's defaults (docker.io, library/, latest).
import { ImageError } from "./errors.ts";

export const DOCKER_HUB = "docker.io";

export interface ImageReference {
  /** Host[:port] as written, "docker.io" when none was. */
  registry: string;
  /** "library/busybox", "team/app". */
  repository: string;
  /** Absent when the reference has only a digest. */
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::\d{1,5})?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export const isDigest = (value: string): boolean => DIGEST.test(value);

export function parseReference(text: string): ImageReference {
  const invalid = (why: string) => new ImageError("InvalidReference", `invalid image reference "${text}": ${why}`);
  if (text.length === 0 || text.length > 4096 || /\s/.test(text)) throw invalid("empty, too long or contains spaces");
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid("the digest must be sha256:<64 hex> or sha512:<128 hex>");
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(`bad tag "${tag}"`);
  }
  const parts = rest.split("/");
  let registry = DOCKER_HUB;
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("["))) {
    registry = first;
    parts.shift();
    if (!HOST.test(registry)) throw invalid(`bad registry host "${registry}"`);
  }
  if (parts.length === 0 || !parts.every((part) => COMPONENT.test(part))) {
    throw invalid("repository names are lowercase letters, digits and separators (. _ __ -) between slashes");
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift("library");
  if (registry === "index.docker.io") registry = DOCKER_HUB;
  const repository = parts.join("/");
  if (repository.length > 255) throw invalid("the repository name is longer than 255 characters");
  if (!tag && !digest) tag = "latest";
  return { registry, repository, tag, digest };
}

/** The fully qualified spelling, the key under which the store remembers a reference. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** What the registry API is asked for: the digest when there is one (a tag beside it is informational). */
export const manifestReference = (ref: ImageReference): string => ref.digest ?? ref.tag ?? "latest";

/** Where Docker Hub's API really lives. */
export const registryApiHost = (registry: string): string => (registry === DOCKER_HUB ? "registry-1.docker.io" : registry);

/**
 * Registries reached over plain HTTP, as Docker allows: loopback hosts always,
 * others only when named (an explicit "insecure registry").
 */
export function usesPlainHttp(registry: string, plainHttpRegistries: readonly string[] = []): boolean {
  const host = registry.replace(/:\d+$/, "");
  if (host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host)) return true;
  return plainHttpRegistries.includes(registry) || plainHttpRegistries.includes(host);
}
