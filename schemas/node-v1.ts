// node.k8s.io/v1 RuntimeClass: how Ledge picks Wasm or OCI per pod.
import { type Static } from "@sinclair/typebox";
import { ObjectMeta, typeMeta } from "./meta-v1.ts";
import { apiId, atomicList, kind, named, opt, ResourceList, str, stringMap } from "./schema-builders.ts";
import { Toleration } from "./core-v1-common.ts";

const nodeId = (name: string) => apiId("node", "v1", name);

export const Overhead = named(nodeId("Overhead"), "Overhead structure represents the resource overhead associated with running a pod.", {
  podFixed: opt(ResourceList("podFixed represents the fixed resource overhead associated with running a pod.")),
});

export const Scheduling = named(nodeId("Scheduling"), "Scheduling specifies the scheduling constraints for nodes supporting a RuntimeClass.", {
  nodeSelector: opt(stringMap("nodeSelector lists labels that must be present on nodes that support this RuntimeClass.", { "x-kubernetes-map-type": "atomic" })),
  tolerations: opt(atomicList(Toleration, "tolerations are appended (excluding duplicates) to pods running with this RuntimeClass during admission.")),
});

export const RuntimeClass = kind(
  nodeId("RuntimeClass"),
  [{ group: "node.k8s.io", version: "v1", kind: "RuntimeClass" }],
  "RuntimeClass defines a class of container runtime supported in the cluster. The RuntimeClass is used to determine which container runtime is used to run all containers in a pod.",
  {
    ...typeMeta(),
    metadata: opt(ObjectMeta),
    handler: str("handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class. Must be a lowercase DNS label."),
    overhead: opt(Overhead),
    scheduling: opt(Scheduling),
  },
);
export type RuntimeClass = Static<typeof RuntimeClass>;
