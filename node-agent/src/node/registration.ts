// Registers the Node (or, when it exists, brings its labels and status up to
// date, as a restarted kubelet does) and makes sure the RuntimeClasses Ledge
// pods name exist: `wasm` (handler "wasm": the node's default Wasm engine,
// wasmtime when built), `wasmtime` and `jco` (that engine, or the other Wasm
// engine where it is not built), and `runc`.
import { isConflict } from "../../../client/errors.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../client/kube-client.ts";
import type { NodeStatus } from "../../../schemas/index.ts";
import type { ApiLink } from "../api-link.ts";

const nodes = resourceOf("v1", "nodes");
const runtimeClasses = resourceOf("node.k8s.io/v1", "runtimeclasses");

/** The RuntimeClasses every Ledge cluster has; a cluster admin may have made them with other handlers, which are kept. */
export const RUNTIME_CLASSES = [
  { name: "wasm", handler: "wasm" },
  { name: "wasmtime", handler: "wasmtime" },
  { name: "jco", handler: "jco" },
  { name: "runc", handler: "runc" },
] as const;

/** Creates or updates the Node; returns its uid. */
export async function registerNode(
  client: KubeClient,
  link: ApiLink,
  name: string,
  labels: Record<string, string>,
  status: NodeStatus,
): Promise<string> {
  const node: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name, labels }, spec: {}, status: status as Record<string, unknown> };
  try {
    const created = await link.call(() => client.create(nodes, node));
    // Status is not taken from a create (the status subresource owns it): post it now.
    await link.call(() => client.patch(nodes, undefined, name, "merge", { status }, { subresource: "status" }));
    return created.metadata.uid ?? "";
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  await link.call(() => client.patch(nodes, undefined, name, "merge", { metadata: { labels } }));
  const updated = await link.call(() => client.patch(nodes, undefined, name, "merge", { status }, { subresource: "status" }));
  return updated.metadata.uid ?? "";
}

export async function ensureRuntimeClasses(client: KubeClient, link: ApiLink): Promise<void> {
  for (const { name, handler } of RUNTIME_CLASSES) {
    try {
      await link.call(() => client.create(runtimeClasses, { apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name }, handler }));
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
}
