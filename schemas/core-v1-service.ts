// core/v1 Service and Endpoints.
import { Type, type Static } from "@sinclair/typebox";
import { Condition, ObjectMeta, typeMeta } from "./meta-v1.ts";
import { atomicList, bool, int32, IntOrString, kind, mapList, named, opt, str, stringEnum, stringMap } from "./schema-builders.ts";
import { coreGvk, coreId, ObjectReference, protocol } from "./core-v1-common.ts";

export const ServicePort = named(coreId("ServicePort"), "ServicePort contains information on service's port.", {
  name: opt(str("The name of this port within the service. This must be a DNS_LABEL. All ports within a ServiceSpec must have unique names.")),
  protocol: opt(protocol('The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is TCP.', { default: "TCP" })),
  appProtocol: opt(str("The application protocol for this port. This is used as a hint for implementations to offer richer behavior for protocols that they understand.")),
  port: int32("The port that will be exposed by this service."),
  targetPort: opt(IntOrString),
  nodePort: opt(int32("The port on each node on which this service is exposed when type is NodePort or LoadBalancer. Usually assigned by the system.")),
});
export type ServicePort = Static<typeof ServicePort>;

export const ClientIPConfig = named(coreId("ClientIPConfig"), "ClientIPConfig represents the configurations of Client IP based session affinity.", {
  timeoutSeconds: opt(int32('timeoutSeconds specifies the seconds of ClientIP type session sticky time. The value must be >0 && <=86400(for 1 day) if ServiceAffinity == "ClientIP". Default value is 10800(for 3 hours).')),
});

export const SessionAffinityConfig = named(coreId("SessionAffinityConfig"), "SessionAffinityConfig represents the configurations of session affinity.", {
  clientIP: opt(ClientIPConfig),
});

export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] as const;
export const TRAFFIC_POLICIES = ["Cluster", "Local"] as const;
export const IP_FAMILIES = ["IPv4", "IPv6"] as const;

export const ServiceSpec = named(coreId("ServiceSpec"), "ServiceSpec describes the attributes that a user creates on a service.", {
  ports: opt(
    mapList(ServicePort, ["port", "protocol"], "The list of ports that are exposed by this service.", { mergeKey: "port" }),
  ),
  selector: opt(stringMap("Route service traffic to pods with label keys and values matching this selector.", { "x-kubernetes-map-type": "atomic" })),
  clusterIP: opt(str('clusterIP is the IP address of the service and is usually assigned randomly. "None" makes a headless service.')),
  clusterIPs: opt(atomicList(Type.String(), "ClusterIPs is a list of IP addresses assigned to this service, and are usually assigned randomly.")),
  type: opt(stringEnum(SERVICE_TYPES, 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.')),
  externalIPs: opt(atomicList(Type.String(), "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.")),
  sessionAffinity: opt(stringEnum(["ClientIP", "None"], 'Supports "ClientIP" and "None". Used to maintain session affinity. Defaults to None.')),
  loadBalancerIP: opt(str("Only applies to Service Type: LoadBalancer. Deprecated.")),
  loadBalancerSourceRanges: opt(atomicList(Type.String(), "If specified and supported by the platform, traffic through the load-balancer will be restricted to the specified client IPs.")),
  externalName: opt(str('externalName is the external reference that discovery mechanisms will return as an alias for this service (e.g. a DNS CNAME record). Requires type to be "ExternalName".')),
  externalTrafficPolicy: opt(stringEnum(TRAFFIC_POLICIES, "externalTrafficPolicy describes how nodes distribute service traffic they receive on one of the Service's \"externally-facing\" addresses (NodePorts, ExternalIPs, and LoadBalancer IPs).")),
  healthCheckNodePort: opt(int32("healthCheckNodePort specifies the healthcheck nodePort for the service.")),
  publishNotReadyAddresses: opt(bool("publishNotReadyAddresses indicates that any agent which deals with endpoints for this Service should disregard any indications of ready/not-ready.")),
  sessionAffinityConfig: opt(SessionAffinityConfig),
  ipFamilies: opt(atomicList(stringEnum(IP_FAMILIES, "IPFamily"), 'IPFamilies is a list of IP families (e.g. IPv4, IPv6) assigned to this service.')),
  ipFamilyPolicy: opt(stringEnum(["SingleStack", "PreferDualStack", "RequireDualStack"], "IPFamilyPolicy represents the dual-stack-ness requested or required by this Service.")),
  allocateLoadBalancerNodePorts: opt(bool("allocateLoadBalancerNodePorts defines if NodePorts will be automatically allocated for services with type LoadBalancer. Default is \"true\".")),
  loadBalancerClass: opt(str("loadBalancerClass is the class of the load balancer implementation this Service belongs to.")),
  internalTrafficPolicy: opt(stringEnum(TRAFFIC_POLICIES, "InternalTrafficPolicy describes how nodes distribute service traffic they receive on the ClusterIP.")),
  trafficDistribution: opt(str("TrafficDistribution offers a way to express preferences for how traffic is distributed to Service endpoints.")),
});
export type ServiceSpec = Static<typeof ServiceSpec>;

export const PortStatus = named(coreId("PortStatus"), "PortStatus represents the error condition of a service port", {
  port: int32("Port is the port number of the service port of which status is recorded here"),
  protocol: protocol('Protocol is the protocol of the service port of which status is recorded here.'),
  error: opt(str("Error is to record the problem with the service port.")),
});

export const LoadBalancerIngress = named(coreId("LoadBalancerIngress"), "LoadBalancerIngress represents the status of a load-balancer ingress point: traffic intended for the service should be sent to an ingress point.", {
  ip: opt(str("IP is set for load-balancer ingress points that are IP based")),
  hostname: opt(str("Hostname is set for load-balancer ingress points that are DNS based")),
  ipMode: opt(str('IPMode specifies how the load-balancer IP behaves: "VIP" or "Proxy".')),
  ports: opt(atomicList(PortStatus, "Ports is a list of records of service ports")),
});

export const LoadBalancerStatus = named(coreId("LoadBalancerStatus"), "LoadBalancerStatus represents the status of a load-balancer.", {
  ingress: opt(atomicList(LoadBalancerIngress, "Ingress is a list containing ingress points for the load-balancer.")),
});

export const ServiceStatus = named(coreId("ServiceStatus"), "ServiceStatus represents the current status of a service.", {
  loadBalancer: opt(LoadBalancerStatus),
  conditions: opt(mapList(Condition, ["type"], "Current service state", { mergeKey: "type" })),
});

export const Service = kind(
  coreId("Service"),
  coreGvk("Service"),
  "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.",
  { ...typeMeta(), metadata: opt(ObjectMeta), spec: opt(ServiceSpec), status: opt(ServiceStatus) },
);
export type Service = Static<typeof Service>;

export const EndpointAddress = named(
  coreId("EndpointAddress"),
  "EndpointAddress is a tuple that describes single IP address.",
  {
    ip: str("The IP of this endpoint. May not be loopback (127.0.0.0/8 or ::1), link-local, or link-local multicast."),
    hostname: opt(str("The Hostname of this endpoint")),
    nodeName: opt(str("Optional: Node hosting this endpoint. This can be used to determine endpoints local to a node.")),
    targetRef: opt(ObjectReference),
  },
  { "x-kubernetes-map-type": "atomic" },
);

export const EndpointPort = named(
  coreId("EndpointPort"),
  "EndpointPort is a tuple that describes a single port.",
  {
    name: opt(str("The name of this port. This must match the 'name' field in the corresponding ServicePort. Must be a DNS_LABEL. Optional only if one port is defined.")),
    port: int32("The port number of the endpoint."),
    protocol: opt(protocol("The IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.")),
    appProtocol: opt(str("The application protocol for this port.")),
  },
  { "x-kubernetes-map-type": "atomic" },
);

export const EndpointSubset = named(
  coreId("EndpointSubset"),
  "EndpointSubset is a group of addresses with a common set of ports. The expanded set of endpoints is the Cartesian product of Addresses x Ports.",
  {
    addresses: opt(atomicList(EndpointAddress, "IP addresses which offer the related ports that are marked as ready.")),
    notReadyAddresses: opt(atomicList(EndpointAddress, "IP addresses which offer the related ports but are not currently marked as ready because they have not yet finished starting, have recently failed a readiness check, or have recently failed a liveness check.")),
    ports: opt(atomicList(EndpointPort, "Port numbers available on the related IP addresses.")),
  },
);

export const Endpoints = kind(
  coreId("Endpoints"),
  coreGvk("Endpoints"),
  "Endpoints is a collection of endpoints that implement the actual service.",
  {
    ...typeMeta(),
    metadata: opt(ObjectMeta),
    subsets: opt(atomicList(EndpointSubset, "The set of all endpoints is the union of all subsets.")),
  },
);
export type Endpoints = Static<typeof Endpoints>;
