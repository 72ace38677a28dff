// discovery.k8s.io/v1 EndpointSlice.
import { Type, type Static } from "@sinclair/typebox";
import { ObjectMeta, typeMeta } from "./meta-v1.ts";
import { apiId, atomicList, bool, int32, kind, named, opt, setList, str, stringEnum, stringMap } from "./schema-builders.ts";
import { ObjectReference, protocol } from "./core-v1-common.ts";

const discoveryId = (name: string) => apiId("discovery", "v1", name);

export const EndpointConditions = named(discoveryId("EndpointConditions"), "EndpointConditions represents the current condition of an endpoint.", {
  ready: opt(bool("ready indicates that this endpoint is ready to receive traffic, according to whatever system is managing the endpoint.")),
  serving: opt(bool("serving indicates that this endpoint is able to receive traffic, according to whatever system is managing the endpoint.")),
  terminating: opt(bool("terminating indicates that this endpoint is terminating.")),
});

const forTarget = (name: string, what: string) =>
  named(discoveryId(name), `${name} provides information about which ${what}s should consume this endpoint.`, {
    name: str(`name represents the name of the ${what}.`),
  });

export const EndpointHints = named(discoveryId("EndpointHints"), "EndpointHints provides hints describing how an endpoint should be consumed.", {
  forZones: opt(atomicList(forTarget("ForZone", "zone"), "forZones indicates the zone(s) this endpoint should be consumed by when using topology aware routing.")),
  forNodes: opt(atomicList(forTarget("ForNode", "node"), "forNodes indicates the node(s) this endpoint should be consumed by when using topology aware routing.")),
});

export const Endpoint = named(discoveryId("Endpoint"), "Endpoint represents a single logical \"backend\" implementing a service.", {
  addresses: setList(Type.String(), "addresses of this endpoint. For EndpointSlices of addressType \"IPv4\" or \"IPv6\", the values are IP addresses in canonical form."),
  conditions: opt(EndpointConditions),
  hostname: opt(str("hostname of this endpoint.")),
  targetRef: opt(ObjectReference),
  deprecatedTopology: opt(stringMap("deprecatedTopology contains topology information part of the v1beta1 API.")),
  nodeName: opt(str("nodeName represents the name of the Node hosting this endpoint.")),
  zone: opt(str("zone is the name of the Zone this endpoint exists in.")),
  hints: opt(EndpointHints),
});

export const EndpointPort = named(
  discoveryId("EndpointPort"),
  "EndpointPort represents a Port used by an EndpointSlice",
  {
    name: opt(str("name represents the name of this port. All ports in an EndpointSlice must have a unique name.")),
    protocol: opt(protocol("protocol represents the IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.")),
    port: opt(int32("port represents the port number of the endpoint.")),
    appProtocol: opt(str("The application protocol for this port.")),
  },
  { "x-kubernetes-map-type": "atomic" },
);

export const ADDRESS_TYPES = ["IPv4", "IPv6", "FQDN"] as const;

export const EndpointSlice = kind(
  discoveryId("EndpointSlice"),
  [{ group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice" }],
  "EndpointSlice represents a set of service endpoints.",
  {
    ...typeMeta(),
    metadata: opt(ObjectMeta),
    addressType: stringEnum(ADDRESS_TYPES, "addressType specifies the type of address carried by this EndpointSlice."),
    endpoints: atomicList(Endpoint, "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints."),
    ports: opt(atomicList(EndpointPort, "ports specifies the list of network ports exposed by each endpoint in this slice.")),
  },
);
export type EndpointSlice = Static<typeof EndpointSlice>;
