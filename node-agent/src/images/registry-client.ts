// A client of the OCI distribution API: manifests and blobs, pulled and pushed,
// with the WWW-Authenticate dance (Bearer tokens from the registry's token
// endpoint, or Basic) done once per scope and retried once.
import type { Credentials } from "./credentials.ts";
import { digestOf, verifyBytes } from "./digest.ts";
import { ImageError } from "./errors.ts";
import { MANIFEST_ACCEPT } from "./media-types.ts";
import { registryApiHost, usesPlainHttp } from "./reference.ts";

export interface RegistryClientOptions {
  credentials?: Credentials;
  /** Registries (host or host:port) besides loopback ones that speak plain HTTP. */
  plainHttpRegistries?: readonly string[];
  /** Push needs push scope in bearer tokens. */
  push?: boolean;
  signal?: AbortSignal;
}

export interface FetchedManifest {
  bytes: Uint8Array;
  mediaType: string;
  /** Verified against the reference when it is a digest, computed otherwise. */
  digest: string;
}

/** Docker refuses manifests above 4 MiB; so do we, so a hostile registry cannot exhaust memory. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_REDIRECTS = 5;

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="https://auth",service="reg",scope="repository:a:pull"` → parts. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const param of match[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[param[1]!.toLowerCase()] = (param[2] ?? param[3] ?? "").replace(/\\(.)/g, "$1");
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

const basicHeader = (c: Credentials) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;

export class RegistryClient {
  readonly #base: string;
  readonly #options: RegistryClientOptions;
  /** Authorization header per scope, once a challenge told us what the registry wants. */
  readonly #auth = new Map<string, string>();

  constructor(
    readonly registry: string,
    options: RegistryClientOptions = {},
  ) {
    this.#options = options;
    const scheme = usesPlainHttp(registry, options.plainHttpRegistries) ? "http" : "https";
    this.#base = `${scheme}://${registryApiHost(registry)}`;
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const response = await this.#request("GET", repository, `manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT } });
    const declared = Number(response.headers.get("content-length") ?? 0);
    if (declared > MAX_MANIFEST_BYTES) throw new ImageError("Unsupported", `manifest ${repository}:${reference} is larger than 4 MiB`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > MAX_MANIFEST_BYTES) throw new ImageError("Unsupported", `manifest ${repository}:${reference} is larger than 4 MiB`);
    let digest: string;
    if (reference.includes(":")) {
      verifyBytes(bytes, reference, `manifest ${repository}@${reference}`);
      digest = reference;
    } else {
      digest = digestOf(bytes);
    }
    let mediaType = response.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
    try {
      const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: string };
      if (parsed.mediaType) mediaType = parsed.mediaType;
    } catch (error) {
      throw new ImageError("Registry", `manifest ${repository}:${reference} from ${this.registry} is not JSON`, { cause: error });
    }
    return { bytes, mediaType, digest };
  }

  /** The digest a tag points at now, without downloading the manifest when the registry says it. */
  async resolveDigest(repository: string, reference: string): Promise<string> {
    const response = await this.#request("HEAD", repository, `manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT } });
    const digest = response.headers.get("docker-content-digest");
    if (digest) return digest;
    return (await this.getManifest(repository, reference)).digest;
  }

  /** The blob's response; its body is the caller's to read (and verify). */
  getBlob(repository: string, digest: string): Promise<Response> {
    return this.#request("GET", repository, `blobs/${digest}`);
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    try {
      await this.#request("HEAD", repository, `blobs/${digest}`);
      return true;
    } catch (error) {
      if (error instanceof ImageError && error.code === "NotFound") return false;
      throw error;
    }
  }

  /** A monolithic upload: POST for a session, PUT the bytes with their digest. */
  async putBlob(repository: string, digest: string, body: Blob): Promise<void> {
    if (await this.hasBlob(repository, digest)) return;
    const session = await this.#request("POST", repository, "blobs/uploads/", { headers: { "Content-Length": "0" } });
    const location = session.headers.get("location");
    if (!location) throw new ImageError("Registry", `${this.registry} started an upload without a Location`);
    const url = new URL(location, this.#base);
    url.searchParams.set("digest", digest);
    await this.#request("PUT", repository, url, { headers: { "Content-Type": "application/octet-stream" }, body });
  }

  /** Returns the digest the registry stored the manifest under. */
  async putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const response = await this.#request("PUT", repository, `manifests/${reference}`, { headers: { "Content-Type": mediaType }, body: bytes });
    return response.headers.get("docker-content-digest") ?? digestOf(bytes);
  }

  async #request(
    method: string,
    repository: string,
    path: string | URL,
    init: { headers?: Record<string, string>; body?: Blob | Uint8Array } = {},
  ): Promise<Response> {
    const scope = `repository:${repository}:${this.#options.push ? "pull,push" : "pull"}`;
    const url = typeof path === "string" ? new URL(`/v2/${repository}/${path}`, this.#base) : path;
    for (let attempt = 0; ; attempt++) {
      const authorization = this.#auth.get(scope);
      const response = await this.#send(method, url, { ...init.headers, ...(authorization ? { Authorization: authorization } : {}) }, init.body);
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        await this.#answerChallenge(response.headers.get("www-authenticate"), scope);
        continue;
      }
      if (response.ok) return response;
      throw await this.#errorOf(response, method, repository, typeof path === "string" ? path : "upload");
    }
  }

  /** fetch, following redirects by hand so credentials never travel to another host (blob CDNs). */
  async #send(method: string, url: URL, headers: Record<string, string>, body?: Blob | Uint8Array): Promise<Response> {
    let current = url;
    let currentHeaders = headers;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      let response: Response;
      try {
        response = await fetch(current, { method, headers: currentHeaders, body, redirect: "manual", signal: this.#options.signal });
      } catch (error) {
        if (this.#options.signal?.aborted) throw error;
        throw new ImageError("Unreachable", `cannot reach registry ${this.registry} at ${current.origin}: ${(error as Error).message}`, { cause: error });
      }
      const location = response.headers.get("location");
      if (![301, 302, 303, 307, 308].includes(response.status) || !location || (method !== "GET" && method !== "HEAD")) return response;
      await response.body?.cancel();
      const next = new URL(location, current);
      if (next.host !== current.host) {
        const { Authorization: _dropped, ...rest } = currentHeaders;
        currentHeaders = rest;
      }
      current = next;
    }
    throw new ImageError("Registry", `${this.registry} redirected ${url.pathname} more than ${MAX_REDIRECTS} times`);
  }

  async #answerChallenge(header: string | null, scope: string): Promise<void> {
    const challenge = header ? parseChallenge(header) : undefined;
    const credentials = this.#options.credentials;
    if (challenge?.scheme === "basic") {
      if (!credentials) throw new ImageError("Unauthorized", `registry ${this.registry} requires a login (no imagePullSecret has credentials for it)`);
      this.#auth.set(scope, basicHeader(credentials));
      return;
    }
    if (challenge?.scheme !== "bearer" || !challenge.params.realm) {
      throw new ImageError("Unauthorized", `registry ${this.registry} refused access and named no way to log in`);
    }
    const tokenUrl = new URL(challenge.params.realm);
    if (challenge.params.service) tokenUrl.searchParams.set("service", challenge.params.service);
    tokenUrl.searchParams.set("scope", scope);
    let response: Response;
    try {
      response = await fetch(tokenUrl, { headers: credentials ? { Authorization: basicHeader(credentials) } : {}, signal: this.#options.signal });
    } catch (error) {
      throw new ImageError("Unreachable", `cannot reach the token service of ${this.registry} at ${tokenUrl.origin}: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 401 || response.status === 403) {
      throw new ImageError("Unauthorized", `the token service of ${this.registry} rejected ${credentials ? `the credentials of "${credentials.username}"` : "an anonymous request"}`);
    }
    if (!response.ok) throw new ImageError("Registry", `the token service of ${this.registry} answered ${response.status}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new ImageError("Registry", `the token service of ${this.registry} returned no token`);
    this.#auth.set(scope, `Bearer ${token}`);
  }

  async #errorOf(response: Response, method: string, repository: string, path: string): Promise<ImageError> {
    const text = method === "HEAD" ? "" : await response.text().catch(() => "");
    let detail = "";
    try {
      const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
      detail = (body.errors ?? []).map((e) => `${e.code ?? ""}: ${e.message ?? ""}`).join("; ");
    } catch {
      detail = text.slice(0, 200); // not a distribution error body; show what came back
    }
    const what = `${method} ${repository}/${path} on ${this.registry}: ${response.status}${detail ? ` (${detail})` : ""}`;
    if (response.status === 401 || response.status === 403) return new ImageError("Unauthorized", `access denied: ${what}`);
    if (response.status === 404) return new ImageError("NotFound", `not found: ${what}`);
    return new ImageError("Registry", `registry error: ${what}`);
  }
}
