// Kubernetes' defaulting (SetDefaults_* plus the create-time defaults its
// registry applies), for the fields Ledge reads. Runs on decoded bodies
// before validation, so it tolerates malformed input and leaves it for the
// validator to report. Treats "" and null like unset, as Go's defaulters do.
import type { ResourceEntry } from "./registry.ts";

type Obj = Record<string, unknown>;

const isObj = (value: unknown): value is Obj => typeof value === "object" && value !== null && !Array.isArray(value);
const unset = (value: unknown) => value === undefined || value === null || value === "";

function objAt(parent: Obj, name: string, create = false): Obj | undefined {
  const value = parent[name];
  if (isObj(value)) return value;
  if (create && (value === undefined || value === null)) {
    const fresh: Obj = {};
    parent[name] = fresh;
    return fresh;
  }
  return undefined;
}

function eachObj(value: unknown, visit: (item: Obj) => void): void {
  if (!Array.isArray(value)) return;
  for (const item of value) if (isObj(item)) visit(item);
}

function setDefault(target: Obj, name: string, value: unknown): void {
  if (unset(target[name])) target[name] = value;
}

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = "default-scheduler";
export const TERMINATION_MESSAGE_PATH = "/dev/termination-log";
const DEFAULT_MODE = 0o644;

/** Always for :latest or untagged images (they may change), IfNotPresent otherwise. */
export function defaultPullPolicy(image: string): "Always" | "IfNotPresent" {
  if (image.includes("@")) return "IfNotPresent";
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon === -1) return "Always";
  return lastSegment.slice(colon + 1) === "latest" ? "Always" : "IfNotPresent";
}

function defaultHandler(handler: Obj | undefined): void {
  const httpGet = handler && objAt(handler, "httpGet");
  if (!httpGet) return;
  setDefault(httpGet, "path", "/");
  setDefault(httpGet, "scheme", "HTTP");
}

function defaultProbe(probe: Obj | undefined): void {
  if (!probe) return;
  defaultHandler(probe);
  for (const [name, value] of [["timeoutSeconds", 1], ["periodSeconds", 10], ["successThreshold", 1], ["failureThreshold", 3]] as const) {
    if (unset(probe[name]) || probe[name] === 0) probe[name] = value;
  }
}

function defaultFieldRef(holder: Obj | undefined): void {
  const fieldRef = holder && objAt(holder, "fieldRef");
  if (fieldRef) setDefault(fieldRef, "apiVersion", "v1");
}

function defaultContainer(container: Obj, hostNetwork: boolean): void {
  if (unset(container.imagePullPolicy) && typeof container.image === "string") {
    container.imagePullPolicy = defaultPullPolicy(container.image);
  }
  setDefault(container, "terminationMessagePath", TERMINATION_MESSAGE_PATH);
  setDefault(container, "terminationMessagePolicy", "File");
  eachObj(container.ports, (port) => {
    setDefault(port, "protocol", "TCP");
    if (hostNetwork && unset(port.hostPort)) port.hostPort = port.containerPort;
  });
  eachObj(container.env, (env) => defaultFieldRef(objAt(env, "valueFrom")));
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) defaultProbe(objAt(container, probe));
  const lifecycle = objAt(container, "lifecycle");
  if (lifecycle) for (const hook of ["postStart", "preStop"]) defaultHandler(objAt(lifecycle, hook));
}

const VOLUME_SOURCE_KEYS_WITH_MODE = ["configMap", "secret", "downwardAPI", "projected"];

function defaultVolume(volume: Obj): void {
  // A volume naming no source at all is an emptyDir, as in Kubernetes.
  if (Object.keys(volume).every((name) => name === "name")) volume.emptyDir = {};
  for (const source of VOLUME_SOURCE_KEYS_WITH_MODE) {
    const value = objAt(volume, source);
    if (value) setDefault(value, "defaultMode", DEFAULT_MODE);
  }
  const hostPath = objAt(volume, "hostPath");
  if (hostPath && (hostPath.type === undefined || hostPath.type === null)) hostPath.type = "";
  eachObj(objAt(volume, "downwardAPI")?.items, defaultFieldRef);
  eachObj(objAt(volume, "projected")?.sources, (source) => eachObj(objAt(source, "downwardAPI")?.items, defaultFieldRef));
}

export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "schedulerName", DEFAULT_SCHEDULER_NAME);
  setDefault(spec, "securityContext", {});
  setDefault(spec, "enableServiceLinks", true);
  const hostNetwork = spec.hostNetwork === true;
  eachObj(spec.initContainers, (container) => defaultContainer(container, hostNetwork));
  eachObj(spec.containers, (container) => defaultContainer(container, hostNetwork));
  eachObj(spec.volumes, defaultVolume);
}

/** Pods (not templates) copy limits into unset requests, so QoS and scheduling see them. */
function defaultRequestsFromLimits(spec: Obj): void {
  for (const list of [spec.initContainers, spec.containers]) {
    eachObj(list, (container) => {
      const resources = objAt(container, "resources");
      const limits = resources && objAt(resources, "limits");
      if (!resources || !limits) return;
      const requests = objAt(resources, "requests", true);
      if (!requests) return;
      for (const [name, quantity] of Object.entries(limits)) if (!(name in requests)) requests[name] = quantity;
    });
  }
}

function defaultTemplate(spec: Obj): void {
  const template = objAt(spec, "template");
  const podSpec = template && objAt(template, "spec");
  if (podSpec) defaultPodSpec(podSpec);
}

function defaultPod(pod: Obj): void {
  const spec = objAt(pod, "spec");
  if (!spec) return;
  defaultPodSpec(spec);
  defaultRequestsFromLimits(spec);
}

function defaultService(service: Obj): void {
  const spec = objAt(service, "spec");
  if (!spec) return;
  setDefault(spec, "type", "ClusterIP");
  setDefault(spec, "sessionAffinity", "None");
  if (spec.sessionAffinity === "ClientIP") {
    const clientIP = objAt(objAt(spec, "sessionAffinityConfig", true) ?? {}, "clientIP", true);
    if (clientIP) setDefault(clientIP, "timeoutSeconds", 10800);
  }
  eachObj(spec.ports, (port) => {
    setDefault(port, "protocol", "TCP");
    if (unset(port.targetPort) || port.targetPort === 0) port.targetPort = port.port;
  });
  const type = spec.type;
  if (type === "ExternalName") return;
  setDefault(spec, "internalTrafficPolicy", "Cluster");
  if (type === "NodePort" || type === "LoadBalancer") setDefault(spec, "externalTrafficPolicy", "Cluster");
  if (type === "LoadBalancer") setDefault(spec, "allocateLoadBalancerNodePorts", true);
  if (unset(spec.ipFamilies)) {
    const family = typeof spec.clusterIP === "string" && spec.clusterIP.includes(":") ? "IPv6" : "IPv4";
    spec.ipFamilies = [family];
  }
  setDefault(spec, "ipFamilyPolicy", "SingleStack");
}

function defaultDeployment(deployment: Obj): void {
  const spec = objAt(deployment, "spec");
  if (!spec) return;
  setDefault(spec, "replicas", 1);
  const strategy = objAt(spec, "strategy", true);
  if (strategy) {
    setDefault(strategy, "type", "RollingUpdate");
    if (strategy.type === "RollingUpdate") {
      const rollingUpdate = objAt(strategy, "rollingUpdate", true);
      if (rollingUpdate) {
        setDefault(rollingUpdate, "maxUnavailable", "25%");
        setDefault(rollingUpdate, "maxSurge", "25%");
      }
    }
  }
  setDefault(spec, "revisionHistoryLimit", 10);
  setDefault(spec, "progressDeadlineSeconds", 600);
  defaultTemplate(spec);
}

function defaultReplicaSet(replicaSet: Obj): void {
  const spec = objAt(replicaSet, "spec");
  if (!spec) return;
  setDefault(spec, "replicas", 1);
  defaultTemplate(spec);
}

function defaultDaemonSet(daemonSet: Obj): void {
  const spec = objAt(daemonSet, "spec");
  if (!spec) return;
  const strategy = objAt(spec, "updateStrategy", true);
  if (strategy) {
    setDefault(strategy, "type", "RollingUpdate");
    if (strategy.type === "RollingUpdate") {
      const rollingUpdate = objAt(strategy, "rollingUpdate", true);
      if (rollingUpdate) {
        setDefault(rollingUpdate, "maxUnavailable", 1);
        setDefault(rollingUpdate, "maxSurge", 0);
      }
    }
  }
  setDefault(spec, "revisionHistoryLimit", 10);
  defaultTemplate(spec);
}

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
export const FINALIZER_KUBERNETES = "kubernetes";

function defaultNamespace(namespace: Obj): void {
  const spec = objAt(namespace, "spec", true);
  if (spec) {
    if (!Array.isArray(spec.finalizers)) spec.finalizers = [];
    const finalizers = spec.finalizers as unknown[];
    if (!finalizers.includes(FINALIZER_KUBERNETES)) finalizers.push(FINALIZER_KUBERNETES);
  }
  const status = objAt(namespace, "status", true);
  if (status) setDefault(status, "phase", "Active");
  const metadata = objAt(namespace, "metadata", true);
  // The label always mirrors the name so selectors can pick namespaces by name.
  if (metadata && typeof metadata.name === "string" && metadata.name !== "") {
    const labels = objAt(metadata, "labels", true);
    if (labels) labels[NAMESPACE_NAME_LABEL] = metadata.name;
  }
}

function defaultSecret(secret: Obj): void {
  setDefault(secret, "type", "Opaque");
  const stringData = objAt(secret, "stringData");
  if (!stringData) return;
  const data = objAt(secret, "data", true);
  if (!data) return;
  for (const [name, value] of Object.entries(stringData)) {
    if (typeof value === "string") data[name] = Buffer.from(value, "utf8").toString("base64");
  }
  delete secret.stringData;
}

function defaultNode(node: Obj): void {
  const status = objAt(node, "status");
  if (status && unset(status.allocatable) && isObj(status.capacity)) status.allocatable = { ...status.capacity };
}

function defaultPortProtocols(ports: unknown): void {
  eachObj(ports, (port) => setDefault(port, "protocol", "TCP"));
}

function defaultEndpoints(endpoints: Obj): void {
  eachObj(endpoints.subsets, (subset) => defaultPortProtocols(subset.ports));
}

function defaultEndpointSlice(slice: Obj): void {
  eachObj(slice.ports, (port) => {
    setDefault(port, "protocol", "TCP");
    if (port.name === undefined || port.name === null) port.name = "";
  });
}

const DEFAULTERS: Readonly<Record<string, (object: Obj) => void>> = {
  "/Pod": defaultPod,
  "/Service": defaultService,
  "/Namespace": defaultNamespace,
  "/Secret": defaultSecret,
  "/Node": defaultNode,
  "/Endpoints": defaultEndpoints,
  "apps/Deployment": defaultDeployment,
  "apps/ReplicaSet": defaultReplicaSet,
  "apps/DaemonSet": defaultDaemonSet,
  "discovery.k8s.io/EndpointSlice": defaultEndpointSlice,
};

/** Fills defaults in place; objects of kinds without defaults are left alone. */
export function applyDefaults(entry: Pick<ResourceEntry, "group" | "kind">, object: unknown): void {
  if (!isObj(object)) return;
  DEFAULTERS[`${entry.group}/${entry.kind}`]?.(object);
}
