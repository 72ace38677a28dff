import { describe, expect, test } from "bun:test";
import { findResource, type ResourceEntry } from "./registry.ts";
import { strictDecodingError, unknownFieldWarnings, validate, type CauseReason } from "./validate.ts";
import * as build from "./testdata/objects.ts";

type Obj = Record<string, any>;

function resource(group: string, plural: string): ResourceEntry {
  const entry = findResource(group, "v1", plural);
  if (!entry) throw new Error(`no resource ${group}/${plural}`);
  return entry;
}

const pods = resource("", "pods");
const services = resource("", "services");
const namespaces = resource("", "namespaces");
const deployments = resource("apps", "deployments");

describe("valid objects pass", () => {
  test.each([
    ["pods", resource("", "pods"), build.pod],
    ["services", services, build.service],
    ["namespaces", namespaces, build.namespace],
    ["configmaps", resource("", "configmaps"), build.configMap],
    ["secrets", resource("", "secrets"), build.secret],
    ["nodes", resource("", "nodes"), build.node],
    ["endpoints", resource("", "endpoints"), build.endpoints],
    ["events", resource("", "events"), build.event],
    ["serviceaccounts", resource("", "serviceaccounts"), build.serviceAccount],
    ["deployments", deployments, build.deployment],
    ["replicasets", resource("apps", "replicasets"), build.replicaSet],
    ["daemonsets", resource("apps", "daemonsets"), build.daemonSet],
    ["leases", resource("coordination.k8s.io", "leases"), build.lease],
    ["endpointslices", resource("discovery.k8s.io", "endpointslices"), build.endpointSlice],
    ["runtimeclasses", resource("node.k8s.io", "runtimeclasses"), build.runtimeClass],
  ] as const)("%s", (_name, entry, make) => {
    const result = validate(entry, make());
    expect(result.causes).toEqual([]);
    expect(result.unknownFields).toEqual([]);
  });
});

interface Case {
  name: string;
  entry: ResourceEntry;
  make: () => Obj;
  mutate: (o: Obj) => void;
  field: string;
  reason: CauseReason;
  message?: string;
}

const cases: Case[] = [
  // metadata
  { name: "missing name", entry: pods, make: build.pod, mutate: (o) => delete o.metadata.name, field: "metadata.name", reason: "FieldValueRequired" },
  { name: "name not a subdomain", entry: pods, make: build.pod, mutate: (o) => (o.metadata.name = "Web_1"), field: "metadata.name", reason: "FieldValueInvalid" },
  { name: "name over 253", entry: pods, make: build.pod, mutate: (o) => (o.metadata.name = "a".repeat(254)), field: "metadata.name", reason: "FieldValueInvalid", message: 'must be no more than 253 characters' },
  { name: "namespace name with dots", entry: namespaces, make: build.namespace, mutate: (o) => (o.metadata.name = "team.a"), field: "metadata.name", reason: "FieldValueInvalid" },
  { name: "namespace name over 63", entry: namespaces, make: build.namespace, mutate: (o) => (o.metadata.name = "a".repeat(64)), field: "metadata.name", reason: "FieldValueInvalid" },
  { name: "service name starting with digit", entry: services, make: build.service, mutate: (o) => (o.metadata.name = "1web"), field: "metadata.name", reason: "FieldValueInvalid" },
  { name: "bad label key", entry: pods, make: build.pod, mutate: (o) => (o.metadata.labels = { "-bad": "x" }), field: "metadata.labels", reason: "FieldValueInvalid" },
  { name: "bad label value", entry: pods, make: build.pod, mutate: (o) => (o.metadata.labels = { app: "has space" }), field: "metadata.labels", reason: "FieldValueInvalid" },
  { name: "label value over 63", entry: pods, make: build.pod, mutate: (o) => (o.metadata.labels = { app: "a".repeat(64) }), field: "metadata.labels", reason: "FieldValueInvalid" },
  { name: "annotations over 256KiB", entry: pods, make: build.pod, mutate: (o) => (o.metadata.annotations = { big: "x".repeat(262145) }), field: "metadata.annotations", reason: "FieldValueTooLong" },
  { name: "namespace on cluster-scoped kind", entry: namespaces, make: build.namespace, mutate: (o) => (o.metadata.namespace = "default"), field: "metadata.namespace", reason: "FieldValueForbidden" },
  { name: "bad finalizer", entry: pods, make: build.pod, mutate: (o) => (o.metadata.finalizers = ["a/b/c"]), field: "metadata.finalizers[0]", reason: "FieldValueInvalid" },
  { name: "bad timestamp", entry: pods, make: build.pod, mutate: (o) => (o.metadata.creationTimestamp = "yesterday"), field: "metadata.creationTimestamp", reason: "FieldValueInvalid" },
  // pods
  { name: "no containers", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers = []), field: "spec.containers", reason: "FieldValueRequired" },
  { name: "container without image", entry: pods, make: build.pod, mutate: (o) => delete o.spec.containers[0].image, field: "spec.containers[0].image", reason: "FieldValueRequired" },
  { name: "container without name", entry: pods, make: build.pod, mutate: (o) => delete o.spec.containers[0].name, field: "spec.containers[0].name", reason: "FieldValueRequired" },
  { name: "duplicate container names", entry: pods, make: build.pod, mutate: (o) => o.spec.containers.push({ name: "nginx", image: "busybox" }), field: "spec.containers[1].name", reason: "FieldValueDuplicate" },
  { name: "init container name clashes", entry: pods, make: build.pod, mutate: (o) => (o.spec.initContainers = [{ name: "nginx", image: "busybox" }]), field: "spec.containers[0].name", reason: "FieldValueDuplicate" },
  { name: "port 0", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].ports[0].containerPort = 0), field: "spec.containers[0].ports[0].containerPort", reason: "FieldValueInvalid", message: "must be between 1 and 65535, inclusive" },
  { name: "port 65536", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].ports[0].containerPort = 65536), field: "spec.containers[0].ports[0].containerPort", reason: "FieldValueInvalid" },
  { name: "port as string", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].ports[0].containerPort = "80"), field: "spec.containers[0].ports[0].containerPort", reason: "FieldValueInvalid" },
  { name: "bad protocol", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].ports[0].protocol = "HTTP"), field: "spec.containers[0].ports[0].protocol", reason: "FieldValueNotSupported", message: 'Unsupported value: "HTTP": supported values: "TCP", "UDP", "SCTP"' },
  { name: "bad restartPolicy", entry: pods, make: build.pod, mutate: (o) => (o.spec.restartPolicy = "Sometimes"), field: "spec.restartPolicy", reason: "FieldValueNotSupported" },
  { name: "bad imagePullPolicy", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].imagePullPolicy = "Maybe"), field: "spec.containers[0].imagePullPolicy", reason: "FieldValueNotSupported" },
  { name: "port name too long", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].ports[0].name = "a-very-long-port-name"), field: "spec.containers[0].ports[0].name", reason: "FieldValueInvalid" },
  { name: "bad quantity", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].resources.limits.cpu = "lots"), field: "spec.containers[0].resources.limits.cpu", reason: "FieldValueInvalid" },
  { name: "request above limit", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].resources.requests.cpu = "2"), field: "spec.containers[0].resources.requests[cpu]", reason: "FieldValueInvalid" },
  { name: "bad env name", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].env[0].name = "1BAD"), field: "spec.containers[0].env[0].name", reason: "FieldValueInvalid" },
  { name: "env value and valueFrom", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].env[0].value = "x"), field: "spec.containers[0].env[0].valueFrom", reason: "FieldValueInvalid" },
  { name: "unsupported fieldRef", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath = "spec.secret"), field: "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath", reason: "FieldValueNotSupported" },
  { name: "mount of unknown volume", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].volumeMounts[0].name = "nope"), field: "spec.containers[0].volumeMounts[0].name", reason: "FieldValueNotFound" },
  { name: "volume without source", entry: pods, make: build.pod, mutate: (o) => (o.spec.volumes[0] = { name: "config" }), field: "spec.volumes[0]", reason: "FieldValueRequired" },
  { name: "volume with two sources", entry: pods, make: build.pod, mutate: (o) => (o.spec.volumes[0].emptyDir = {}), field: "spec.volumes[0].configMap", reason: "FieldValueForbidden" },
  { name: "duplicate volume", entry: pods, make: build.pod, mutate: (o) => o.spec.volumes.push({ name: "config", emptyDir: {} }), field: "spec.volumes[1].name", reason: "FieldValueDuplicate" },
  { name: "probe without handler", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].readinessProbe = { periodSeconds: 5 }), field: "spec.containers[0].readinessProbe", reason: "FieldValueRequired" },
  { name: "liveness successThreshold 2", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].livenessProbe = { tcpSocket: { port: 80 }, successThreshold: 2 }), field: "spec.containers[0].livenessProbe.successThreshold", reason: "FieldValueInvalid" },
  { name: "negative grace period", entry: pods, make: build.pod, mutate: (o) => (o.spec.terminationGracePeriodSeconds = -1), field: "spec.terminationGracePeriodSeconds", reason: "FieldValueInvalid" },
  { name: "toleration Exists with value", entry: pods, make: build.pod, mutate: (o) => (o.spec.tolerations = [{ key: "k", operator: "Exists", value: "v" }]), field: "spec.tolerations[0].operator", reason: "FieldValueInvalid" },
  { name: "bad toleration effect", entry: pods, make: build.pod, mutate: (o) => (o.spec.tolerations = [{ key: "k", effect: "Sometimes" }]), field: "spec.tolerations[0].effect", reason: "FieldValueNotSupported" },
  { name: "restartPolicy on app container", entry: pods, make: build.pod, mutate: (o) => (o.spec.containers[0].restartPolicy = "Always"), field: "spec.containers[0].restartPolicy", reason: "FieldValueForbidden" },
  // deployments
  { name: "deployment without selector", entry: deployments, make: build.deployment, mutate: (o) => delete o.spec.selector, field: "spec.selector", reason: "FieldValueRequired" },
  { name: "deployment with empty selector", entry: deployments, make: build.deployment, mutate: (o) => (o.spec.selector = {}), field: "spec.selector", reason: "FieldValueInvalid" },
  { name: "selector does not match template", entry: deployments, make: build.deployment, mutate: (o) => (o.spec.template.metadata.labels = { app: "other" }), field: "spec.template.metadata.labels", reason: "FieldValueInvalid", message: "`selector` does not match template `labels`" },
  { name: "negative replicas", entry: deployments, make: build.deployment, mutate: (o) => (o.spec.replicas = -1), field: "spec.replicas", reason: "FieldValueInvalid" },
  { name: "template restartPolicy Never", entry: deployments, make: build.deployment, mutate: (o) => (o.spec.template.spec.restartPolicy = "Never"), field: "spec.template.spec.restartPolicy", reason: "FieldValueNotSupported" },
  { name: "template container without image", entry: deployments, make: build.deployment, mutate: (o) => delete o.spec.template.spec.containers[0].image, field: "spec.template.spec.containers[0].image", reason: "FieldValueRequired" },
  { name: "bad matchExpressions operator", entry: deployments, make: build.deployment, mutate: (o) => (o.spec.selector.matchExpressions = [{ key: "app", operator: "Like", values: ["x"] }]), field: "spec.selector.matchExpressions[0].operator", reason: "FieldValueInvalid" },
  { name: "Recreate with rollingUpdate", entry: deployments, make: build.deployment, mutate: (o) => (o.spec.strategy = { type: "Recreate", rollingUpdate: {} }), field: "spec.strategy.rollingUpdate", reason: "FieldValueForbidden" },
  { name: "maxSurge and maxUnavailable zero", entry: deployments, make: build.deployment, mutate: (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } }), field: "spec.strategy.rollingUpdate.maxUnavailable", reason: "FieldValueInvalid" },
  { name: "maxSurge over 100%", entry: deployments, make: build.deployment, mutate: (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: "150%" } }), field: "spec.strategy.rollingUpdate.maxSurge", reason: "FieldValueInvalid" },
  { name: "progressDeadline not above minReady", entry: deployments, make: build.deployment, mutate: (o) => Object.assign(o.spec, { minReadySeconds: 10, progressDeadlineSeconds: 10 }), field: "spec.progressDeadlineSeconds", reason: "FieldValueInvalid" },
  // services
  { name: "service without ports", entry: services, make: build.service, mutate: (o) => delete o.spec.ports, field: "spec.ports", reason: "FieldValueRequired" },
  { name: "service port without port", entry: services, make: build.service, mutate: (o) => delete o.spec.ports[0].port, field: "spec.ports[0].port", reason: "FieldValueRequired" },
  { name: "service port 70000", entry: services, make: build.service, mutate: (o) => (o.spec.ports[0].port = 70000), field: "spec.ports[0].port", reason: "FieldValueInvalid" },
  { name: "unnamed port among several", entry: services, make: build.service, mutate: (o) => o.spec.ports.push({ port: 443 }), field: "spec.ports[1].name", reason: "FieldValueRequired" },
  { name: "duplicate port names", entry: services, make: build.service, mutate: (o) => o.spec.ports.push({ name: "http", port: 8080 }), field: "spec.ports[1].name", reason: "FieldValueDuplicate" },
  { name: "bad service type", entry: services, make: build.service, mutate: (o) => (o.spec.type = "Internal"), field: "spec.type", reason: "FieldValueNotSupported" },
  { name: "nodePort on ClusterIP", entry: services, make: build.service, mutate: (o) => (o.spec.ports[0].nodePort = 30080), field: "spec.ports[0].nodePort", reason: "FieldValueForbidden" },
  { name: "bad selector label", entry: services, make: build.service, mutate: (o) => (o.spec.selector = { app: "a b" }), field: "spec.selector", reason: "FieldValueInvalid" },
  { name: "bad clusterIP", entry: services, make: build.service, mutate: (o) => (o.spec.clusterIP = "10.0.0.300"), field: "spec.clusterIP", reason: "FieldValueInvalid" },
  { name: "ExternalName without externalName", entry: services, make: build.service, mutate: (o) => (o.spec = { type: "ExternalName" }), field: "spec.externalName", reason: "FieldValueRequired" },
  // namespaces and config
  { name: "bad namespace finalizer", entry: namespaces, make: build.namespace, mutate: (o) => (o.spec = { finalizers: ["bad finalizer"] }), field: "spec.finalizers[0]", reason: "FieldValueInvalid" },
  { name: "bad configmap key", entry: resource("", "configmaps"), make: build.configMap, mutate: (o) => (o.data = { "a b": "x" }), field: "data[a b]", reason: "FieldValueInvalid" },
  { name: "key in data and binaryData", entry: resource("", "configmaps"), make: build.configMap, mutate: (o) => (o.data["logo.png"] = "x"), field: "data[logo.png]", reason: "FieldValueInvalid" },
  { name: "secret data not base64", entry: resource("", "secrets"), make: build.secret, mutate: (o) => (o.data.password = "not base64!"), field: "data.password", reason: "FieldValueInvalid" },
  { name: "tls secret without key", entry: resource("", "secrets"), make: build.secret, mutate: (o) => (o.type = "kubernetes.io/tls"), field: "data[tls.crt]", reason: "FieldValueRequired" },
  // others
  { name: "taint without effect", entry: resource("", "nodes"), make: build.node, mutate: (o) => delete o.spec.taints[0].effect, field: "spec.taints[0].effect", reason: "FieldValueRequired" },
  { name: "endpoint bad IP", entry: resource("", "endpoints"), make: build.endpoints, mutate: (o) => (o.subsets[0].addresses[0].ip = "not-an-ip"), field: "subsets[0].addresses[0].ip", reason: "FieldValueInvalid" },
  { name: "endpointslice bad addressType", entry: resource("discovery.k8s.io", "endpointslices"), make: build.endpointSlice, mutate: (o) => (o.addressType = "IPX"), field: "addressType", reason: "FieldValueNotSupported" },
  { name: "endpointslice IPv6 in IPv4 slice", entry: resource("discovery.k8s.io", "endpointslices"), make: build.endpointSlice, mutate: (o) => (o.endpoints[0].addresses = ["fd00::1"]), field: "endpoints[0].addresses[0]", reason: "FieldValueInvalid" },
  { name: "lease duration 0", entry: resource("coordination.k8s.io", "leases"), make: build.lease, mutate: (o) => (o.spec.leaseDurationSeconds = 0), field: "spec.leaseDurationSeconds", reason: "FieldValueInvalid" },
  { name: "runtimeclass handler not a label", entry: resource("node.k8s.io", "runtimeclasses"), make: build.runtimeClass, mutate: (o) => (o.handler = "Wasm_Time"), field: "handler", reason: "FieldValueInvalid" },
];

describe("invalid objects are rejected with Kubernetes' field and reason", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const object = c.make();
    c.mutate(object);
    const { causes } = validate(c.entry, object);
    const match = causes.find((cause) => cause.field === c.field && cause.reason === c.reason);
    expect({ causes, match: match !== undefined }).toMatchObject({ match: true });
    if (c.message) expect(match?.message).toContain(c.message);
  });
});

describe("unknown fields", () => {
  test.each([
    ["top level spec field", (o: Obj) => (o.spec.foo = 1), "spec.foo"],
    ["inside a list item", (o: Obj) => (o.spec.containers[0].bogus = true), "spec.containers[0].bogus"],
    ["inside metadata", (o: Obj) => (o.metadata.nickname = "w"), "metadata.nickname"],
    ["deep in a probe", (o: Obj) => (o.spec.containers[0].readinessProbe.httpGet.verb = "GET"), "spec.containers[0].readinessProbe.httpGet.verb"],
    ["a volume source Ledge does not serve", (o: Obj) => (o.spec.volumes[0] = { name: "config", configMap: { name: "x" }, nfs: { server: "s" } }), "spec.volumes[0].nfs"],
  ])("%s", (_name, mutate, path) => {
    const object = build.pod();
    mutate(object);
    const result = validate(pods, object, { fieldValidation: "Strict" });
    expect(result.unknownFields).toEqual([path]);
    const reread = validate(pods, result.pruned);
    expect(reread.unknownFields).toEqual([]);
  });

  test("pruning copies only what changed and leaves the input alone", () => {
    const object = build.pod();
    object.spec.containers[0].bogus = 1;
    const result = validate(pods, object);
    expect(object.spec.containers[0].bogus).toBe(1);
    expect((result.pruned.spec as Obj).containers[0].bogus).toBeUndefined();
    expect((result.pruned.spec as Obj).volumes).toBe(object.spec.volumes);
  });

  test("an object with nothing to prune is returned as is", () => {
    const object = build.pod();
    expect(validate(pods, object).pruned).toBe(object);
  });

  test("Ignore prunes without reporting", () => {
    const object = build.pod();
    object.spec.foo = 1;
    const result = validate(pods, object, { fieldValidation: "Ignore" });
    expect(result.unknownFields).toEqual([]);
    expect((result.pruned.spec as Obj).foo).toBeUndefined();
  });

  test("nulls read as unset, as Go's decoder does", () => {
    const object = build.pod();
    object.metadata.creationTimestamp = null;
    object.spec.nodeSelector = null;
    const result = validate(pods, object);
    expect(result.causes).toEqual([]);
    expect(result.unknownFields).toEqual([]);
    expect(result.pruned.metadata as Obj).not.toHaveProperty("creationTimestamp");
  });

  test("preserve-unknown-fields parts keep everything", () => {
    const object = build.pod();
    object.metadata.managedFields = [
      { manager: "kubectl", operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:containers": { 'k:{"name":"nginx"}': {} } } } },
    ];
    const result = validate(pods, object, { fieldValidation: "Strict" });
    expect(result.unknownFields).toEqual([]);
    expect(result.pruned).toBe(object);
  });

  test("messages match kube-apiserver's", () => {
    expect(strictDecodingError(["spec.foo", "spec.bar"])).toBe('strict decoding error: unknown field "spec.foo", unknown field "spec.bar"');
    expect(unknownFieldWarnings(["spec.foo"])).toEqual(['unknown field "spec.foo"']);
  });
});

describe("subresource bodies", () => {
  test.each([
    ["binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "web" }, target: { kind: "Node", name: "edge-1" } }, []],
    ["binding without target name", { metadata: { name: "web" }, target: { kind: "Node" } }, ["target.name"]],
    ["scale", { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web" }, spec: { replicas: 3 } }, []],
    ["eviction", { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "web" }, deleteOptions: { gracePeriodSeconds: 0 } }, []],
  ] as const)("%s", (name, body, fields) => {
    const sub = name.startsWith("scale") ? deployments.subresources.scale : name.startsWith("binding") ? pods.subresources.binding : pods.subresources.eviction;
    if (!sub) throw new Error("subresource missing");
    expect(validate(sub, structuredClone(body)).causes.map((c) => c.field)).toEqual([...fields]);
  });
});
