// The namespaces every Kubernetes cluster has, created through the API itself
// so they get exactly the defaults a user's namespace gets.
import type { Hono } from "hono";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export async function bootstrap(app: Hono): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    const response = await app.request("/api/v1/namespaces", {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "ledge-bootstrap" },
      body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name } }),
    });
    // Already there from an earlier start (or another replica) is fine.
    if (response.status !== 201 && response.status !== 409) {
      throw new Error(`creating namespace ${name} failed: ${response.status} ${await response.text()}`);
    }
  }
}
