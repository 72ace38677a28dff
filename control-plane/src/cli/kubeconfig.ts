import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { stringify } from "yaml";

/** Writes an admin kubeconfig for `server` and returns its path. */
export function writeKubeconfig(path: string, server: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, stringify(kubeconfigFor(server)), { mode: 0o600 });
  return path;
}

function kubeconfigFor(server: string): Record<string, unknown> {
  // @kubernetes/client-node refuses an http:// server unless its cluster says
  // insecure-skip-tls-verify: true; kubectl accepts that there (no TLS to verify).
  const cluster = server.startsWith("http:") ? { server, "insecure-skip-tls-verify": true } : { server };
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "ledge", cluster }],
    users: [{ name: "admin", user: {} }],
    contexts: [{ name: "ledge", context: { cluster: "ledge", user: "admin", namespace: "default" } }],
    "current-context": "ledge",
    preferences: {},
  };
}
