// A container's environment as the kubelet builds it: envFrom first, then env
// (later entries win), $(VAR) references expanded against what came before,
// values from the downward API, ConfigMaps and Secrets.
import type { Container, Pod } from "../../../../schemas/index.ts";
import { quantityValue } from "../../../../schemas/checks/quantity.ts";
import type { ObjectSource } from "../../state/object-source.ts";

/** The container cannot be configured yet (a missing ConfigMap, Secret or key): CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  override readonly name = "ContainerConfigError";
}

export interface EnvInputs {
  pod: Pod;
  container: Container;
  objects: Pick<ObjectSource, "configMap" | "secret">;
  podIPs: string[];
  hostIP: string;
  /** For resourceFieldRef on a container without a limit: the node's allocatable. */
  nodeAllocatable: { cpu: number; memory: number };
  /** Variables every container gets before its own (Services, issue 6). */
  base?: Record<string, string>;
}

const VALID_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export async function buildEnv(inputs: EnvInputs): Promise<Record<string, string>> {
  const { pod, container, objects } = inputs;
  const namespace = pod.metadata?.namespace ?? "default";
  const env: Record<string, string> = { ...inputs.base };
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? "";
    if (source.configMapRef?.name) {
      const configMap = await objects.configMap(namespace, source.configMapRef.name);
      if (!configMap) {
        if (source.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${source.configMapRef.name}" not found`);
      }
      for (const [key, value] of Object.entries(configMap.data ?? {})) if (VALID_NAME.test(prefix + key)) env[prefix + key] = value;
    }
    if (source.secretRef?.name) {
      const secret = await objects.secret(namespace, source.secretRef.name);
      if (!secret) {
        if (source.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${source.secretRef.name}" not found`);
      }
      for (const [key, value] of Object.entries(secret.data ?? {})) if (VALID_NAME.test(prefix + key)) env[prefix + key] = decodeBase64(value);
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.valueFrom) {
      const value = await valueFrom(variable.valueFrom, inputs, namespace);
      if (value !== undefined) env[variable.name] = value;
    } else {
      env[variable.name] = expand(variable.value ?? "", env);
    }
  }
  return env;
}

type ValueFrom = NonNullable<NonNullable<Container["env"]>[number]["valueFrom"]>;

async function valueFrom(source: ValueFrom, inputs: EnvInputs, namespace: string): Promise<string | undefined> {
  if (source.fieldRef) return fieldValue(inputs.pod, source.fieldRef.fieldPath, inputs);
  if (source.resourceFieldRef) {
    const { containerName, resource, divisor } = source.resourceFieldRef;
    const target = containerName ? [...(inputs.pod.spec?.containers ?? []), ...(inputs.pod.spec?.initContainers ?? [])].find((c) => c.name === containerName) : inputs.container;
    return String(resourceValue(target ?? inputs.container, resource, divisor, inputs.nodeAllocatable));
  }
  if (source.configMapKeyRef) {
    const { name = "", key, optional } = source.configMapKeyRef;
    const configMap = await inputs.objects.configMap(namespace, name);
    if (!configMap) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    const value = configMap.data?.[key];
    if (value === undefined && !optional) throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
    return value;
  }
  if (source.secretKeyRef) {
    const { name = "", key, optional } = source.secretKeyRef;
    const secret = await inputs.objects.secret(namespace, name);
    if (!secret) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    const value = secret.data?.[key];
    if (value === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
    }
    return decodeBase64(value);
  }
  return undefined;
}

/** The downward API's pod fields, for env (all of them) and volumes (metadata only). */
export function fieldValue(pod: Pod, fieldPath: string, where: { podIPs: string[]; hostIP: string }): string {
  const meta = pod.metadata ?? {};
  const mapEntry = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (mapEntry) return (mapEntry[1] === "labels" ? meta.labels : meta.annotations)?.[mapEntry[2]!] ?? "";
  switch (fieldPath) {
    case "metadata.name":
      return meta.name ?? "";
    case "metadata.namespace":
      return meta.namespace ?? "";
    case "metadata.uid":
      return meta.uid ?? "";
    case "metadata.labels":
      return formatMap(meta.labels);
    case "metadata.annotations":
      return formatMap(meta.annotations);
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "";
    case "status.hostIP":
      return where.hostIP;
    case "status.hostIPs":
      return where.hostIP;
    case "status.podIP":
      return where.podIPs[0] ?? "";
    case "status.podIPs":
      return where.podIPs.join(",");
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** `key="value"` lines, sorted, as the downward API writes labels and annotations. */
const formatMap = (map: Record<string, string> | undefined): string =>
  Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map![key])}`)
    .join("\n");

export function resourceValue(
  container: Container,
  resource: string,
  divisor: string | number | undefined,
  allocatable: { cpu: number; memory: number },
): number {
  const [kind, name] = resource.split(".") as [string, string | undefined];
  const isCpu = name === "cpu";
  const declared = (kind === "limits" ? container.resources?.limits : container.resources?.requests)?.[name ?? ""];
  let value = declared === undefined ? undefined : quantityValue(declared as string | number);
  // Without a limit the node's allocatable is the limit; without a request, the request is 0 (the kubelet's rule).
  if (value === undefined) value = kind === "limits" ? (isCpu ? allocatable.cpu : allocatable.memory) : 0;
  const by = divisor === undefined ? 1 : (quantityValue(divisor) ?? 1) || 1;
  return Math.ceil(value / by);
}

/** Expands $(NAME) from `env`; $$ is a literal $; unknown references stay as written. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)/g, (match, name: string | undefined) => {
    if (match === "$$") return "$";
    return name !== undefined && name in env ? env[name]! : match;
  });
}

export const decodeBase64 = (value: string): string => Buffer.from(value, "base64").toString("utf8");
