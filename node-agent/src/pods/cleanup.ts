// Everything a pod held on this node, released in one place: its address,
// its volumes (not hostPaths), and, once the pod object is gone, its logs and
// its row in the agent's database.
import type { PodServices } from "./pod-context.ts";
import type { PodRecord } from "./pod-record.ts";

/** After its containers have stopped: what only a running pod needs. Idempotent. */
export async function releasePod(services: Pick<PodServices, "network" | "volumes">, record: Pick<PodRecord, "uid">): Promise<void> {
  await services.network.tearDown(record.uid);
  await services.volumes.tearDown(record.uid);
}
