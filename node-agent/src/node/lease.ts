// The node's heartbeat: a Lease in kube-node-lease named like the node,
// renewed every 10 s (the kubelet's default), owned by the Node so it goes
// with it. Each renewal is also how the agent finds out that the API is back.
import { isNotFound } from "../../../client/errors.ts";
import { type KubeClient, resourceOf } from "../../../client/kube-client.ts";
import type { ApiLink } from "../api-link.ts";
import { type Clock, microTime } from "../clock.ts";

const leases = resourceOf("coordination.k8s.io/v1", "leases");
export const NODE_LEASE_NAMESPACE = "kube-node-lease";
export const LEASE_DURATION_SECONDS = 40;

export async function renewLease(client: KubeClient, link: ApiLink, clock: Clock, nodeName: string, nodeUid: string | undefined): Promise<void> {
  const spec = { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(clock.now()) };
  try {
    await link.call(() => client.patch(leases, NODE_LEASE_NAMESPACE, nodeName, "merge", { spec }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const ownerReferences = nodeUid ? [{ apiVersion: "v1", kind: "Node", name: nodeName, uid: nodeUid }] : undefined;
    await link.call(() =>
      client.create(leases, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: nodeName, namespace: NODE_LEASE_NAMESPACE, ...(ownerReferences ? { ownerReferences } : {}) },
        spec: { ...spec, acquireTime: spec.renewTime },
      }),
    );
  }
}
