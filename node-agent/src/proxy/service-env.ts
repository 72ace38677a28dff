// The variables through which a pod finds Services (Kubernetes' service
// links, pkg/kubelet/envvars): for each Service of the pod's namespace with a
// ClusterIP, <NAME>_SERVICE_HOST and _SERVICE_PORT (the first port), one
// _SERVICE_PORT_<PORTNAME> per named port, and the Docker-link variables
// <NAME>_PORT, <NAME>_PORT_<port>_<PROTO> and its _PROTO, _PORT and _ADDR.
// default/kubernetes is always included, even with enableServiceLinks false;
// a Service of that name in the pod's own namespace wins when links are on.
import type { Service } from "../../../schemas/index.ts";

const MASTER_SERVICES = new Set(["kubernetes"]);

/** NAME of a Service name: upper case, dashes as underscores. */
export const envName = (name: string): string => name.replaceAll("-", "_").toUpperCase();

const hasClusterIP = (service: Service): boolean => {
  const ip = service.spec?.clusterIP;
  return !!ip && ip !== "None";
};

/** host:port, bracketing IPv6 as Go's net.JoinHostPort does. */
const joinHostPort = (host: string, port: number): string => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);

/** The variables of the given Services, in Kubernetes' order. */
export function serviceVariables(services: readonly Service[]): [string, string][] {
  const out: [string, string][] = [];
  for (const service of services) {
    const ports = service.spec?.ports ?? [];
    if (!hasClusterIP(service) || ports.length === 0) continue;
    const ip = service.spec!.clusterIP!;
    const prefix = envName(service.metadata?.name ?? "");
    out.push([`${prefix}_SERVICE_HOST`, ip]);
    out.push([`${prefix}_SERVICE_PORT`, String(ports[0]!.port)]);
    for (const port of ports) if (port.name) out.push([`${prefix}_SERVICE_PORT_${envName(port.name)}`, String(port.port)]);
    ports.forEach((port, i) => {
      const protocol = port.protocol || "TCP";
      const url = `${protocol.toLowerCase()}://${joinHostPort(ip, port.port)}`;
      if (i === 0) out.push([`${prefix}_PORT`, url]);
      const portPrefix = `${prefix}_PORT_${port.port}_${protocol.toUpperCase()}`;
      out.push([portPrefix, url]);
      out.push([`${portPrefix}_PROTO`, protocol.toLowerCase()]);
      out.push([`${portPrefix}_PORT`, String(port.port)]);
      out.push([`${portPrefix}_ADDR`, ip]);
    });
  }
  return out;
}

/** A pod's service variables from the cached Services (the kubelet's getServiceEnvVarMap). */
export function serviceEnv(services: Iterable<Service>, namespace: string, enableServiceLinks = true): Record<string, string> {
  const chosen = new Map<string, Service>();
  for (const service of services) {
    if (!hasClusterIP(service)) continue;
    const name = service.metadata?.name ?? "";
    const ns = service.metadata?.namespace ?? "default";
    if (ns === "default" && MASTER_SERVICES.has(name)) {
      if (!chosen.has(name)) chosen.set(name, service);
    } else if (ns === namespace && enableServiceLinks) {
      chosen.set(name, service);
    }
  }
  return Object.fromEntries(serviceVariables([...chosen.values()]));
}
