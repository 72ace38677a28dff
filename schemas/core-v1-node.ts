// core/v1 Node.
import { Type, type Static } from "@sinclair/typebox";
import { ObjectMeta, typeMeta } from "./meta-v1.ts";
import { atomicList, bool, int32, int64, kind, mapList, named, opt, ResourceList, setList, str, Time } from "./schema-builders.ts";
import { coreGvk, coreId, Taint } from "./core-v1-common.ts";

export const NodeSpec = named(coreId("NodeSpec"), "NodeSpec describes the attributes that a node is created with.", {
  podCIDR: opt(str("PodCIDR represents the pod IP range assigned to the node.")),
  podCIDRs: opt(setList(Type.String(), "podCIDRs represents the IP ranges assigned to the node for usage by Pods on that node.", "merge")),
  providerID: opt(str("ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>")),
  unschedulable: opt(bool("Unschedulable controls node schedulability of new pods. By default, node is schedulable.")),
  taints: opt(atomicList(Taint, "If specified, the node's taints.")),
  externalID: opt(str("Deprecated. Not all kubelets will set this field.")),
});

export const NodeCondition = named(coreId("NodeCondition"), "NodeCondition contains condition information for a node.", {
  type: str("Type of node condition."),
  status: str("Status of the condition, one of True, False, Unknown."),
  lastHeartbeatTime: opt(Time),
  lastTransitionTime: opt(Time),
  reason: opt(str("(brief) reason for the condition's last transition.")),
  message: opt(str("Human readable message indicating details about last transition.")),
});

export const NodeAddress = named(coreId("NodeAddress"), "NodeAddress contains information for the node's address.", {
  type: str("Node address type, one of Hostname, ExternalIP or InternalIP."),
  address: str("The node address."),
});

export const DaemonEndpoint = named(coreId("DaemonEndpoint"), "DaemonEndpoint contains information about a single Daemon endpoint.", {
  Port: int32("Port number of the given endpoint."),
});

export const NodeDaemonEndpoints = named(coreId("NodeDaemonEndpoints"), "NodeDaemonEndpoints lists ports opened by daemons running on the Node.", {
  kubeletEndpoint: opt(DaemonEndpoint),
});

// Optional here although Kubernetes' OpenAPI lists them as required: its API server
// decodes a missing one as "", and agents (and hollow nodes) report only what they know.
export const NodeSystemInfo = named(coreId("NodeSystemInfo"), "NodeSystemInfo is a set of ids/uuids to uniquely identify the node.", {
  machineID: opt(str("MachineID reported by the node.")),
  systemUUID: opt(str("SystemUUID reported by the node.")),
  bootID: opt(str("Boot ID reported by the node.")),
  kernelVersion: opt(str("Kernel Version reported by the node from 'uname -r'.")),
  osImage: opt(str("OS Image reported by the node from /etc/os-release.")),
  containerRuntimeVersion: opt(str("ContainerRuntime Version reported by the node through runtime remote API.")),
  kubeletVersion: opt(str("Kubelet Version reported by the node.")),
  kubeProxyVersion: opt(str("Deprecated: KubeProxy Version reported by the node.")),
  operatingSystem: opt(str("The Operating System reported by the node")),
  architecture: opt(str("The Architecture reported by the node")),
});

export const ContainerImage = named(coreId("ContainerImage"), "Describe a container image", {
  names: opt(atomicList(Type.String(), 'Names by which this image is known. e.g. ["kubernetes.example/hyperkube:v1.0.7", "cloud-vendor.registry.example/cloud-vendor/hyperkube:v1.0.7"]')),
  sizeBytes: opt(int64("The size of the image in bytes.")),
});

export const NodeRuntimeHandlerFeatures = named(coreId("NodeRuntimeHandlerFeatures"), "NodeRuntimeHandlerFeatures is a set of features implemented by the runtime handler.", {
  recursiveReadOnlyMounts: opt(bool("RecursiveReadOnlyMounts is set to true if the runtime handler supports RecursiveReadOnlyMounts.")),
  userNamespaces: opt(bool("UserNamespaces is set to true if the runtime handler supports UserNamespaces, including for volumes.")),
});

export const NodeRuntimeHandler = named(coreId("NodeRuntimeHandler"), "NodeRuntimeHandler is a set of runtime handler information.", {
  name: opt(str("Runtime handler name. Empty for the default runtime handler.")),
  features: opt(NodeRuntimeHandlerFeatures),
});

export const NodeStatus = named(coreId("NodeStatus"), "NodeStatus is information about the current status of a node.", {
  capacity: opt(ResourceList("Capacity represents the total resources of a node.")),
  allocatable: opt(ResourceList("Allocatable represents the resources of a node that are available for scheduling. Defaults to Capacity.")),
  phase: opt(str("NodePhase is the recently observed lifecycle phase of the node. Deprecated.")),
  conditions: opt(mapList(NodeCondition, ["type"], "Conditions is an array of current observed node conditions.", { mergeKey: "type" })),
  addresses: opt(mapList(NodeAddress, ["type"], "List of addresses reachable to the node.", { mergeKey: "type" })),
  daemonEndpoints: opt(NodeDaemonEndpoints),
  nodeInfo: opt(NodeSystemInfo),
  images: opt(atomicList(ContainerImage, "List of container images on this node")),
  volumesInUse: opt(atomicList(Type.String(), "List of attachable volumes in use (mounted) by the node.")),
  runtimeHandlers: opt(atomicList(NodeRuntimeHandler, "The available runtime handlers.")),
});
export type NodeStatus = Static<typeof NodeStatus>;

export const Node = kind(
  coreId("Node"),
  coreGvk("Node"),
  "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).",
  { ...typeMeta(), metadata: opt(ObjectMeta), spec: opt(NodeSpec), status: opt(NodeStatus) },
);
export type Node = Static<typeof Node>;
