import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { stringify } from "yaml";

/** Writes an admin kubeconfig for `server` and returns its path. */
export function writeKubeconfig(path: string, server: string): string {
  mkdirSync(dirname(path), { recursive: true });
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "ledge", cluster: { server } }],
    users: [{ name: "admin", user: {} }],
    contexts: [{ name: "ledge", context: { cluster: "ledge", user: "admin", namespace: "default" } }],
    "current-context": "ledge",
    preferences: {},
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}
