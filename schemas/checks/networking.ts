// Service, Endpoints and EndpointSlice rules.
import type { Endpoints, Service } from "../core-v1-service.ts";
import type { EndpointSlice } from "../discovery-v1.ts";
import { child, duplicate, forbidden, index, invalid, invalidEach, required, type FieldCause } from "./field-errors.ts";
import { checkLabels } from "./meta.ts";
import { dns1123Label, dns1123Subdomain, ianaServiceName, isIP, isPortNumber } from "./names.ts";

const portRange = (value: number, field: string): FieldCause[] =>
  isPortNumber(value) ? [] : [invalid(field, value, "must be between 1 and 65535, inclusive")];

export function checkService(service: Service): FieldCause[] {
  const spec = service.spec;
  if (!spec) return [required("spec")];
  const causes: FieldCause[] = [];
  const type = spec.type ?? "ClusterIP";
  const headless = spec.clusterIP === "None";
  const ports = spec.ports ?? [];

  if (type === "ExternalName") {
    if (!spec.externalName) causes.push(required("spec.externalName"));
    else causes.push(...invalidEach("spec.externalName", spec.externalName, dns1123Subdomain(spec.externalName.replace(/\.$/, ""))));
  } else if (ports.length === 0 && !headless) {
    causes.push(required("spec.ports"));
  }

  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((port, i) => {
    const path = index("spec.ports", i);
    const name = port.name ?? "";
    if (name === "" && ports.length > 1) causes.push(required(child(path, "name")));
    if (name !== "") {
      causes.push(...invalidEach(child(path, "name"), name, dns1123Label(name)));
      if (names.has(name)) causes.push(duplicate(child(path, "name"), name));
      names.add(name);
    }
    causes.push(...portRange(port.port, child(path, "port")));
    const portKey = `${port.port}/${port.protocol ?? "TCP"}`;
    if (keys.has(portKey)) causes.push(duplicate(path, { port: port.port, protocol: port.protocol ?? "TCP" }));
    keys.add(portKey);
    const target = port.targetPort;
    if (typeof target === "number" && target !== 0) causes.push(...portRange(target, child(path, "targetPort")));
    if (typeof target === "string" && target !== "") causes.push(...invalidEach(child(path, "targetPort"), target, ianaServiceName(target)));
    if (port.nodePort !== undefined && port.nodePort !== 0) {
      if (type === "ClusterIP" || type === "ExternalName") causes.push(forbidden(child(path, "nodePort"), `may not be used when \`type\` is '${type}'`));
      else causes.push(...portRange(port.nodePort, child(path, "nodePort")));
    }
  });

  causes.push(...checkLabels(spec.selector, "spec.selector"));
  if (spec.clusterIP && spec.clusterIP !== "None" && !isIP(spec.clusterIP)) {
    causes.push(invalid("spec.clusterIP", spec.clusterIP, "must be empty, 'None', or a valid IP address"));
  }
  spec.clusterIPs?.forEach((ip, i) => {
    if (ip !== "None" && !isIP(ip)) causes.push(invalid(index("spec.clusterIPs", i), ip, "must be a valid IP address"));
  });
  spec.externalIPs?.forEach((ip, i) => {
    if (!isIP(ip)) causes.push(invalid(index("spec.externalIPs", i), ip, "must be a valid IP address"));
  });
  if (spec.externalTrafficPolicy !== undefined && type !== "NodePort" && type !== "LoadBalancer") {
    causes.push(invalid("spec.externalTrafficPolicy", spec.externalTrafficPolicy, "may only be set for externally-accessible services"));
  }
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (timeout !== undefined && (timeout <= 0 || timeout > 86400)) {
    causes.push(invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout, "must be greater than 0 and less than 86400"));
  }
  if (spec.sessionAffinityConfig && spec.sessionAffinity !== "ClientIP") {
    causes.push(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"));
  }
  if (new Set(spec.ipFamilies ?? []).size !== (spec.ipFamilies ?? []).length) {
    causes.push(duplicate("spec.ipFamilies", spec.ipFamilies));
  }
  return causes;
}

export function checkEndpoints(endpoints: Endpoints): FieldCause[] {
  const causes: FieldCause[] = [];
  endpoints.subsets?.forEach((subset, i) => {
    const path = index("subsets", i);
    for (const list of ["addresses", "notReadyAddresses"] as const) {
      subset[list]?.forEach((address, j) => {
        if (!isIP(address.ip)) causes.push(invalid(child(index(child(path, list), j), "ip"), address.ip, "must be a valid IP address"));
      });
    }
    subset.ports?.forEach((port, j) => {
      const portPath = index(child(path, "ports"), j);
      if ((subset.ports?.length ?? 0) > 1 && !port.name) causes.push(required(child(portPath, "name")));
      if (port.name) causes.push(...invalidEach(child(portPath, "name"), port.name, dns1123Label(port.name)));
      causes.push(...portRange(port.port, child(portPath, "port")));
    });
  });
  return causes;
}

export function checkEndpointSlice(slice: EndpointSlice): FieldCause[] {
  const causes: FieldCause[] = [];
  if (slice.endpoints.length > 1000) causes.push(invalid("endpoints", slice.endpoints.length, "must have at most 1000 items"));
  slice.endpoints.forEach((endpoint, i) => {
    const path = index("endpoints", i);
    if (endpoint.addresses.length === 0 || endpoint.addresses.length > 100) {
      causes.push(invalid(child(path, "addresses"), endpoint.addresses.length, "must contain at least 1 and at most 100 addresses"));
    }
    endpoint.addresses.forEach((address, j) => {
      const ok = slice.addressType === "FQDN" ? dns1123Subdomain(address).length === 0 : isIP(address) && (address.includes(":") === (slice.addressType === "IPv6"));
      if (!ok) causes.push(invalid(index(child(path, "addresses"), j), address, `must be a valid ${slice.addressType} address`));
    });
    if (endpoint.hostname) causes.push(...invalidEach(child(path, "hostname"), endpoint.hostname, dns1123Label(endpoint.hostname)));
  });
  const names = new Set<string>();
  slice.ports?.forEach((port, i) => {
    const path = index("ports", i);
    const name = port.name ?? "";
    if (name !== "") causes.push(...invalidEach(child(path, "name"), name, dns1123Label(name)));
    if (names.has(name)) causes.push(duplicate(child(path, "name"), name));
    names.add(name);
    if (port.port !== undefined) causes.push(...portRange(port.port, child(path, "port")));
  });
  return causes;
}
