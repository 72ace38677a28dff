// Taint keys the control plane puts on nodes and that pods tolerate
// (k8s.io/api/core/v1 well_known_taints.go), in Kubernetes' spelling.

/** Ready=False: the node's agent says it is not ready. */
export const TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready";
/** Ready=Unknown: the node stopped renewing its lease / posting status. */
export const TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable";
/** spec.unschedulable (cordoned). */
export const TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
export const TAINT_NODE_MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure";
export const TAINT_NODE_DISK_PRESSURE = "node.kubernetes.io/disk-pressure";
export const TAINT_NODE_PID_PRESSURE = "node.kubernetes.io/pid-pressure";
export const TAINT_NODE_NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable";

/** The zone label the endpoint slice controller copies into endpoints. */
export const LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone";

/** Node labels an agent sets to "true" for each runtime it runs; the scheduler's RuntimeFit plugin reads them. */
export const LABEL_RUNTIME_WASM = "ledge.dev/runtime-wasm";
export const LABEL_RUNTIME_OCI = "ledge.dev/runtime-oci";
