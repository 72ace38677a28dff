// Registry credentials from imagePullSecrets (kubernetes.io/dockerconfigjson and the
// older kubernetes.io/dockercfg) and from a Docker config file, matched to a
// registry the way kubelet does: by host, and by the longest path prefix.
import type { Secret } from "../../../schemas/core-v1-config.ts";
import { DOCKER_HUB, type ImageReference } from "./reference.ts";

export interface Credentials {
  username: string;
  password: string;
}

/** What the agent hands over for each of a pod's imagePullSecrets. */
export type PullSecret = Pick<Secret, "type" | "data">;

type AuthEntry = { auth?: string; username?: string; password?: string; identitytoken?: string };

const HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

/** "https://index.docker.io/v1/" → { host: "docker.io", path: "" }; "reg:5000/team" → { host, path: "team" }. */
function parseKey(key: string): { host: string; path: string } {
  const bare = key.replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "");
  const slash = bare.indexOf("/");
  let host = (slash === -1 ? bare : bare.slice(0, slash)).toLowerCase();
  let path = slash === -1 ? "" : bare.slice(slash + 1);
  if (HUB_ALIASES.has(host)) {
    host = DOCKER_HUB;
    if (path === "v1" || path === "v2") path = "";
  }
  return { host, path };
}

function decodeEntry(entry: AuthEntry): Credentials | undefined {
  if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}

/** The credentials of a Docker config's `auths` map (or a bare dockercfg map) for one image. */
export function credentialsFromDockerConfig(config: unknown, image: ImageReference): Credentials | undefined {
  if (typeof config !== "object" || config === null) return undefined;
  const auths = ("auths" in config ? (config as { auths: unknown }).auths : config) as Record<string, AuthEntry> | null;
  if (typeof auths !== "object" || auths === null) return undefined;
  const registry = image.registry.toLowerCase();
  let best: { credentials: Credentials; pathLength: number } | undefined;
  for (const [key, entry] of Object.entries(auths)) {
    const { host, path } = parseKey(key);
    if (host !== registry) continue;
    if (path && image.repository !== path && !image.repository.startsWith(`${path}/`)) continue;
    const credentials = typeof entry === "object" && entry !== null ? decodeEntry(entry) : undefined;
    if (credentials && (!best || path.length > best.pathLength)) best = { credentials, pathLength: path.length };
  }
  return best?.credentials;
}

/** The first pull secret (in the pod's order, as kubelet tries them) with credentials for the image. */
export function credentialsFromPullSecrets(secrets: readonly PullSecret[], image: ImageReference): Credentials | undefined {
  for (const secret of secrets) {
    const key = secret.type === "kubernetes.io/dockercfg" ? ".dockercfg" : ".dockerconfigjson";
    const encoded = secret.data?.[key];
    if (!encoded) continue;
    let config: unknown;
    try {
      config = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
    } catch {
      continue; // a malformed secret gives no credentials; the registry's 401 then names the problem
    }
    const credentials = credentialsFromDockerConfig(config, image);
    if (credentials) return credentials;
  }
  return undefined;
}

/** The `data` of a kubernetes.io/dockerconfigjson Secret holding one registry login. */
export function dockerConfigSecretData(registry: string, credentials: Credentials): Record<string, string> {
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64");
  const json = JSON.stringify({ auths: { [registry]: { username: credentials.username, password: credentials.password, auth } } });
  return { ".dockerconfigjson": Buffer.from(json).toString("base64") };
}
