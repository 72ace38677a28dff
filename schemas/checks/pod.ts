// The semantic rules Kubernetes applies to a PodSpec, for pods and templates.
import type { Container, PodSpec, Probe, ResourceRequirements, Volume } from "../core-v1-pod.ts";
import { VOLUME_SOURCES } from "../core-v1-pod.ts";
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  invalidEach,
  key,
  notFound,
  notSupported,
  required,
  type FieldCause,
} from "./field-errors.ts";
import { checkLabels, checkName } from "./meta.ts";
import { configMapKey, dns1123Label, envVarName, ianaServiceName, isPortNumber, qualifiedName } from "./names.ts";
import { quantityValue } from "./quantity.ts";

export interface PodSpecContext {
  /** Workload templates may only restart Always (Deployments, ReplicaSets, DaemonSets). */
  onlyRestartAlways?: boolean;
}

const nonNegative = (value: number | undefined, field: string): FieldCause[] =>
  value !== undefined && value < 0 ? [invalid(field, value, "must be greater than or equal to 0")] : [];

function checkPortValue(port: number | string | undefined, field: string): FieldCause[] {
  if (port === undefined) return [required(field)];
  if (typeof port === "number") return isPortNumber(port) ? [] : [invalid(field, port, "must be between 1 and 65535, inclusive")];
  return invalidEach(field, port, ianaServiceName(port));
}

type Handler = { exec?: unknown; httpGet?: { port: number | string }; tcpSocket?: { port: number | string }; grpc?: { port: number }; sleep?: { seconds: number } };

function checkHandler(handler: Handler, field: string): FieldCause[] {
  const set = (["exec", "httpGet", "tcpSocket", "grpc", "sleep"] as const).filter((name) => handler[name] !== undefined);
  if (set.length === 0) return [required(field, "must specify a handler type")];
  if (set.length > 1) return [forbidden(child(field, set[1] ?? ""), "may not specify more than 1 handler type")];
  const causes: FieldCause[] = [];
  if (handler.httpGet) causes.push(...checkPortValue(handler.httpGet.port, child(child(field, "httpGet"), "port")));
  if (handler.tcpSocket) causes.push(...checkPortValue(handler.tcpSocket.port, child(child(field, "tcpSocket"), "port")));
  if (handler.grpc) causes.push(...checkPortValue(handler.grpc.port, child(child(field, "grpc"), "port")));
  if (handler.sleep) causes.push(...nonNegative(handler.sleep.seconds, child(child(field, "sleep"), "seconds")));
  return causes;
}

function checkProbe(probe: Probe | undefined, field: string, successMustBeOne: boolean): FieldCause[] {
  if (!probe) return [];
  const causes = checkHandler(probe, field);
  for (const name of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds"] as const) {
    causes.push(...nonNegative(probe[name], child(field, name)));
  }
  if (successMustBeOne && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    causes.push(invalid(child(field, "successThreshold"), probe.successThreshold, "must be 1"));
  }
  return causes;
}

function checkResources(resources: ResourceRequirements | undefined, field: string): FieldCause[] {
  if (!resources) return [];
  const causes: FieldCause[] = [];
  const limits = new Map<string, number>();
  for (const [section, list] of [["limits", resources.limits], ["requests", resources.requests]] as const) {
    for (const [name, quantity] of Object.entries(list ?? {})) {
      const path = key(child(field, section), name);
      causes.push(...invalidEach(path, name, qualifiedName(name)));
      const value = quantityValue(quantity);
      if (value === undefined) continue;
      if (value < 0) causes.push(invalid(path, quantity, "must be greater than or equal to 0"));
      if (section === "limits") limits.set(name, value);
      else {
        const limit = limits.get(name);
        if (limit !== undefined && value > limit) {
          causes.push(invalid(path, quantity, `must be less than or equal to ${name} limit of ${String(resources.limits?.[name])}`));
        }
      }
    }
  }
  return causes;
}

const FIELD_REF_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];
const RESOURCE_REF_NAMES = ["limits.cpu", "limits.memory", "limits.ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage"];

function checkFieldRef(fieldPath: string, field: string): FieldCause[] {
  if (FIELD_REF_PATHS.includes(fieldPath)) return [];
  // metadata.labels['key'] and metadata.annotations['key'] select one entry.
  const subscript = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (subscript) return invalidEach(field, subscript[2], qualifiedName(subscript[2] ?? ""));
  if (fieldPath === "metadata.labels" || fieldPath === "metadata.annotations") return [];
  return [notSupported(field, fieldPath, [...FIELD_REF_PATHS, "metadata.labels", "metadata.annotations"])];
}

function checkEnv(container: Container, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  container.env?.forEach((env, i) => {
    const path = index(child(field, "env"), i);
    if (env.name === "") causes.push(required(child(path, "name")));
    else causes.push(...invalidEach(child(path, "name"), env.name, envVarName(env.name)));
    const from = env.valueFrom;
    if (!from) return;
    const fromPath = child(path, "valueFrom");
    const sources = (["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"] as const).filter((s) => from[s] !== undefined);
    if (sources.length === 0) causes.push(invalid(fromPath, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
    if (sources.length > 1) causes.push(invalid(fromPath, "", "may not have more than one field specified at a time"));
    if (env.value !== undefined && env.value !== "") causes.push(invalid(fromPath, "", "may not be specified when `value` is not empty"));
    if (from.fieldRef) causes.push(...checkFieldRef(from.fieldRef.fieldPath, child(child(fromPath, "fieldRef"), "fieldPath")));
    if (from.resourceFieldRef && !RESOURCE_REF_NAMES.includes(from.resourceFieldRef.resource)) {
      causes.push(notSupported(child(child(fromPath, "resourceFieldRef"), "resource"), from.resourceFieldRef.resource, RESOURCE_REF_NAMES));
    }
    for (const selectorName of ["configMapKeyRef", "secretKeyRef"] as const) {
      const selector = from[selectorName];
      if (!selector) continue;
      const selectorPath = child(fromPath, selectorName);
      if (!selector.name) causes.push(required(child(selectorPath, "name")));
      if (selector.key === "") causes.push(required(child(selectorPath, "key")));
      else causes.push(...invalidEach(child(selectorPath, "key"), selector.key, configMapKey(selector.key)));
    }
  });
  container.envFrom?.forEach((source, i) => {
    const path = index(child(field, "envFrom"), i);
    if (source.prefix) causes.push(...invalidEach(child(path, "prefix"), source.prefix, envVarName(source.prefix)));
    const refs = [source.configMapRef, source.secretRef].filter((r) => r !== undefined);
    if (refs.length === 0) causes.push(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"));
    if (refs.length > 1) causes.push(invalid(path, "", "may not have more than one field specified at a time"));
    for (const [name, ref] of [["configMapRef", source.configMapRef], ["secretRef", source.secretRef]] as const) {
      if (ref && !ref.name) causes.push(required(child(child(path, name), "name")));
    }
  });
  return causes;
}

function checkContainer(container: Container, field: string, volumes: ReadonlySet<string>, isInit: boolean, hostNetwork: boolean): FieldCause[] {
  const causes: FieldCause[] = [];
  if (container.name === "") causes.push(required(child(field, "name")));
  else causes.push(...invalidEach(child(field, "name"), container.name, dns1123Label(container.name)));
  const image = container.image ?? "";
  if (image === "") causes.push(required(child(field, "image")));
  else if (image.trim() !== image) causes.push(invalid(child(field, "image"), image, "must not have leading or trailing whitespace"));

  const portNames = new Set<string>();
  container.ports?.forEach((port, i) => {
    const path = index(child(field, "ports"), i);
    if (port.name !== undefined && port.name !== "") {
      causes.push(...invalidEach(child(path, "name"), port.name, ianaServiceName(port.name)));
      if (portNames.has(port.name)) causes.push(duplicate(child(path, "name"), port.name));
      portNames.add(port.name);
    }
    if (!isPortNumber(port.containerPort)) causes.push(invalid(child(path, "containerPort"), port.containerPort, "must be between 1 and 65535, inclusive"));
    if (port.hostPort !== undefined && port.hostPort !== 0 && !isPortNumber(port.hostPort)) {
      causes.push(invalid(child(path, "hostPort"), port.hostPort, "must be between 1 and 65535, inclusive"));
    }
    if (hostNetwork && port.hostPort !== undefined && port.hostPort !== 0 && port.hostPort !== port.containerPort) {
      causes.push(invalid(child(path, "hostPort"), port.hostPort, "must match `containerPort` when `hostNetwork` is true"));
    }
  });

  causes.push(...checkEnv(container, field));
  causes.push(...checkResources(container.resources, child(field, "resources")));

  const mountPaths = new Set<string>();
  container.volumeMounts?.forEach((mount, i) => {
    const path = index(child(field, "volumeMounts"), i);
    if (mount.name === "") causes.push(required(child(path, "name")));
    else if (!volumes.has(mount.name)) causes.push(notFound(child(path, "name"), mount.name));
    if (mount.mountPath === "") causes.push(required(child(path, "mountPath")));
    else if (mountPaths.has(mount.mountPath)) causes.push(invalid(child(path, "mountPath"), mount.mountPath, "must be unique"));
    mountPaths.add(mount.mountPath);
    if (mount.subPath) causes.push(...checkRelativePath(mount.subPath, child(path, "subPath")));
  });

  causes.push(...checkProbe(container.livenessProbe, child(field, "livenessProbe"), true));
  causes.push(...checkProbe(container.startupProbe, child(field, "startupProbe"), true));
  causes.push(...checkProbe(container.readinessProbe, child(field, "readinessProbe"), false));
  for (const hook of ["postStart", "preStop"] as const) {
    const handler = container.lifecycle?.[hook];
    if (handler) causes.push(...checkHandler(handler, child(child(field, "lifecycle"), hook)));
  }
  if (!isInit && container.restartPolicy !== undefined) {
    causes.push(forbidden(child(field, "restartPolicy"), "may not be set for non-init containers"));
  }
  if (container.stdinOnce && !container.stdin) causes.push(invalid(child(field, "stdinOnce"), true, "requires stdin to be true"));
  if (container.tty && !container.stdin) causes.push(invalid(child(field, "tty"), true, "requires stdin to be true"));
  return causes;
}

function checkRelativePath(value: string, field: string): FieldCause[] {
  if (value.startsWith("/")) return [invalid(field, value, "must be a relative path")];
  if (value.split("/").includes("..")) return [invalid(field, value, "must not contain '..'")];
  return [];
}

const checkMode = (mode: number | undefined, field: string): FieldCause[] =>
  mode !== undefined && (mode < 0 || mode > 0o777) ? [invalid(field, mode, "must be a number between 0 and 0777 (octal), both inclusive")] : [];

function checkVolume(volume: Volume, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  if (volume.name === "") causes.push(required(child(field, "name")));
  else causes.push(...invalidEach(child(field, "name"), volume.name, dns1123Label(volume.name)));
  const sources = VOLUME_SOURCES.filter((source) => volume[source] !== undefined);
  if (sources.length === 0) causes.push(required(field, "must specify a volume type"));
  if (sources.length > 1) causes.push(forbidden(child(field, sources[1] ?? ""), "may not specify more than 1 volume type"));
  if (volume.configMap) {
    const path = child(field, "configMap");
    if (!volume.configMap.name) causes.push(required(child(path, "name")));
    causes.push(...checkMode(volume.configMap.defaultMode, child(path, "defaultMode")));
    volume.configMap.items?.forEach((item, i) => causes.push(...checkRelativePath(item.path, child(index(child(path, "items"), i), "path"))));
  }
  if (volume.secret) {
    const path = child(field, "secret");
    if (!volume.secret.secretName) causes.push(required(child(path, "secretName")));
    causes.push(...checkMode(volume.secret.defaultMode, child(path, "defaultMode")));
    volume.secret.items?.forEach((item, i) => causes.push(...checkRelativePath(item.path, child(index(child(path, "items"), i), "path"))));
  }
  if (volume.hostPath && volume.hostPath.path === "") causes.push(required(child(child(field, "hostPath"), "path")));
  if (volume.persistentVolumeClaim && volume.persistentVolumeClaim.claimName === "") {
    causes.push(required(child(child(field, "persistentVolumeClaim"), "claimName")));
  }
  if (volume.emptyDir?.medium !== undefined && !["", "Memory", "HugePages"].includes(volume.emptyDir.medium)) {
    causes.push(notSupported(child(child(field, "emptyDir"), "medium"), volume.emptyDir.medium, ["", "Memory", "HugePages"]));
  }
  if (volume.downwardAPI) {
    const path = child(field, "downwardAPI");
    causes.push(...checkMode(volume.downwardAPI.defaultMode, child(path, "defaultMode")));
    volume.downwardAPI.items?.forEach((item, i) => {
      const itemPath = index(child(path, "items"), i);
      causes.push(...checkRelativePath(item.path, child(itemPath, "path")));
      if (item.fieldRef) causes.push(...checkFieldRef(item.fieldRef.fieldPath, child(child(itemPath, "fieldRef"), "fieldPath")));
    });
  }
  if (volume.projected) {
    const path = child(field, "projected");
    causes.push(...checkMode(volume.projected.defaultMode, child(path, "defaultMode")));
    volume.projected.sources?.forEach((source, i) => {
      const set = (["secret", "downwardAPI", "configMap", "serviceAccountToken"] as const).filter((s) => source[s] !== undefined);
      const sourcePath = index(child(path, "sources"), i);
      if (set.length !== 1) causes.push(forbidden(sourcePath, "may not specify more than 1 volume type per source"));
      const token = source.serviceAccountToken;
      if (token?.expirationSeconds !== undefined && token.expirationSeconds < 600) {
        causes.push(invalid(child(child(sourcePath, "serviceAccountToken"), "expirationSeconds"), token.expirationSeconds, "may not specify a duration less than 10 minutes"));
      }
    });
  }
  return causes;
}

export function checkPodSpec(spec: PodSpec | undefined, field: string, context: PodSpecContext = {}): FieldCause[] {
  if (!spec) return [required(field)];
  const causes: FieldCause[] = [];
  const volumeNames = new Set<string>();
  spec.volumes?.forEach((volume, i) => {
    const path = index(child(field, "volumes"), i);
    causes.push(...checkVolume(volume, path));
    if (volumeNames.has(volume.name)) causes.push(duplicate(child(path, "name"), volume.name));
    volumeNames.add(volume.name);
  });

  const containerNames = new Set<string>();
  const hostNetwork = spec.hostNetwork === true;
  for (const [listName, isInit] of [["initContainers", true], ["containers", false]] as const) {
    spec[listName]?.forEach((container, i) => {
      const path = index(child(field, listName), i);
      causes.push(...checkContainer(container, path, volumeNames, isInit, hostNetwork));
      if (container.name !== "" && containerNames.has(container.name)) causes.push(duplicate(child(path, "name"), container.name));
      containerNames.add(container.name);
    });
  }
  if ((spec.containers ?? []).length === 0) causes.push(required(child(field, "containers")));

  if (context.onlyRestartAlways && spec.restartPolicy !== undefined && spec.restartPolicy !== "Always") {
    causes.push(notSupported(child(field, "restartPolicy"), spec.restartPolicy, ["Always"]));
  }
  causes.push(...nonNegative(spec.terminationGracePeriodSeconds, child(field, "terminationGracePeriodSeconds")));
  if (spec.activeDeadlineSeconds !== undefined && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > 2147483647)) {
    causes.push(invalid(child(field, "activeDeadlineSeconds"), spec.activeDeadlineSeconds, "must be between 1 and 2147483647, inclusive"));
  }
  if (spec.dnsPolicy === "None" && !spec.dnsConfig) causes.push(required(child(field, "dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"));
  causes.push(...checkLabels(spec.nodeSelector, child(field, "nodeSelector")));
  for (const name of ["hostname", "subdomain"] as const) {
    const value = spec[name];
    if (value) causes.push(...invalidEach(child(field, name), value, dns1123Label(value)));
  }
  for (const name of ["serviceAccountName", "nodeName", "priorityClassName", "runtimeClassName"] as const) {
    const value = spec[name];
    if (value) causes.push(...checkName("DNS1123Subdomain", value, child(field, name)));
  }
  spec.imagePullSecrets?.forEach((secret, i) => {
    if (!secret.name) causes.push(required(child(index(child(field, "imagePullSecrets"), i), "name")));
  });
  spec.readinessGates?.forEach((gate, i) => {
    const path = child(index(child(field, "readinessGates"), i), "conditionType");
    causes.push(...invalidEach(path, gate.conditionType, qualifiedName(gate.conditionType)));
  });
  spec.tolerations?.forEach((toleration, i) => {
    const path = index(child(field, "tolerations"), i);
    if (toleration.key) causes.push(...invalidEach(child(path, "key"), toleration.key, qualifiedName(toleration.key)));
    if (!toleration.key && toleration.operator !== "Exists") {
      causes.push(invalid(child(path, "operator"), toleration.operator ?? "", "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
    }
    if (toleration.operator === "Exists" && toleration.value) {
      causes.push(invalid(child(path, "operator"), toleration.value, "value must be empty when `operator` is 'Exists'"));
    }
    if (toleration.tolerationSeconds !== undefined && toleration.effect !== "NoExecute") {
      causes.push(invalid(child(path, "effect"), toleration.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
  });
  spec.topologySpreadConstraints?.forEach((constraint, i) => {
    const path = index(child(field, "topologySpreadConstraints"), i);
    if (constraint.maxSkew <= 0) causes.push(invalid(child(path, "maxSkew"), constraint.maxSkew, "must be greater than zero"));
    if (constraint.topologyKey === "") causes.push(required(child(path, "topologyKey"), "can not be empty"));
    if (constraint.minDomains !== undefined && constraint.minDomains <= 0) causes.push(invalid(child(path, "minDomains"), constraint.minDomains, "must be greater than zero"));
  });
  const affinity = spec.affinity;
  for (const [name, terms] of [
    ["podAffinity", affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution],
    ["podAntiAffinity", affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution],
  ] as const) {
    terms?.forEach((term, i) => {
      if (term.topologyKey === "") {
        causes.push(required(child(index(child(child(child(field, "affinity"), name), "requiredDuringSchedulingIgnoredDuringExecution"), i), "topologyKey"), "can not be empty"));
      }
    });
  }
  affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.forEach((term, i) => {
    if (term.weight < 1 || term.weight > 100) {
      causes.push(invalid(child(index(child(child(child(field, "affinity"), "nodeAffinity"), "preferredDuringSchedulingIgnoredDuringExecution"), i), "weight"), term.weight, "must be in the range 1-100"));
    }
  });
  causes.push(...checkResources(spec.resources, child(field, "resources")));
  return causes;
}

