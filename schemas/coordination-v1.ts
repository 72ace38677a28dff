// coordination.k8s.io/v1 Lease: node heartbeats and leader election.
import { type Static } from "@sinclair/typebox";
import { ObjectMeta, typeMeta } from "./meta-v1.ts";
import { apiId, int32, kind, MicroTime, named, opt, str } from "./schema-builders.ts";

export const LeaseSpec = named(apiId("coordination", "v1", "LeaseSpec"), "LeaseSpec is a specification of a Lease.", {
  holderIdentity: opt(str("holderIdentity contains the identity of the holder of a current lease.")),
  leaseDurationSeconds: opt(int32("leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it. This is measured against the time of last observed renewTime.")),
  acquireTime: opt(MicroTime),
  renewTime: opt(MicroTime),
  leaseTransitions: opt(int32("leaseTransitions is the number of transitions of a lease between holders.")),
  strategy: opt(str("Strategy indicates the strategy for picking the leader for coordinated leader election.")),
  preferredHolder: opt(str("PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up.")),
});

export const Lease = kind(
  apiId("coordination", "v1", "Lease"),
  [{ group: "coordination.k8s.io", version: "v1", kind: "Lease" }],
  "Lease defines a lease concept.",
  { ...typeMeta(), metadata: opt(ObjectMeta), spec: opt(LeaseSpec) },
);
export type Lease = Static<typeof Lease>;
