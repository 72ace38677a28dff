import { describe, expect, test } from "bun:test";
import { applyDefaults, defaultPullPolicy } from "./defaults.ts";
import { findResource, type ResourceEntry } from "./registry.ts";
import { validate } from "./validate.ts";
import * as build from "./testdata/objects.ts";

type Obj = Record<string, any>;

const entry = (group: string, plural: string): ResourceEntry => {
  const found = findResource(group, "v1", plural);
  if (!found) throw new Error(plural);
  return found;
};

function defaulted(group: string, plural: string, object: Obj): Obj {
  applyDefaults(entry(group, plural), object);
  return object;
}

describe("image pull policy", () => {
  test.each([
    ["nginx", "Always"],
    ["nginx:latest", "Always"],
    ["nginx:1.27", "IfNotPresent"],
    ["registry.local:5000/nginx", "Always"],
    ["registry.local:5000/nginx:1.27", "IfNotPresent"],
    ["nginx@sha256:0123456789abcdef", "IfNotPresent"],
  ])("%s -> %s", (image, policy) => {
    expect(defaultPullPolicy(image)).toBe(policy as "Always" | "IfNotPresent");
  });
});

describe("defaults per kind", () => {
  test.each<[string, string, string, () => Obj, (o: Obj) => unknown, unknown]>([
    ["pod restartPolicy", "", "pods", build.pod, (o) => o.spec.restartPolicy, "Always"],
    ["pod grace period", "", "pods", build.pod, (o) => o.spec.terminationGracePeriodSeconds, 30],
    ["pod dnsPolicy", "", "pods", build.pod, (o) => o.spec.dnsPolicy, "ClusterFirst"],
    ["pod schedulerName", "", "pods", build.pod, (o) => o.spec.schedulerName, "default-scheduler"],
    ["pod securityContext", "", "pods", build.pod, (o) => o.spec.securityContext, {}],
    ["pod enableServiceLinks", "", "pods", build.pod, (o) => o.spec.enableServiceLinks, true],
    ["container pull policy", "", "pods", build.pod, (o) => o.spec.containers[0].imagePullPolicy, "IfNotPresent"],
    ["termination message path", "", "pods", build.pod, (o) => o.spec.containers[0].terminationMessagePath, "/dev/termination-log"],
    ["termination message policy", "", "pods", build.pod, (o) => o.spec.containers[0].terminationMessagePolicy, "File"],
    ["container port protocol", "", "pods", build.pod, (o) => o.spec.containers[0].ports[0].protocol, "TCP"],
    ["probe timings", "", "pods", build.pod, (o) => { const p = o.spec.containers[0].readinessProbe; return [p.timeoutSeconds, p.periodSeconds, p.successThreshold, p.failureThreshold]; }, [1, 5, 1, 3]],
    ["probe httpGet scheme", "", "pods", build.pod, (o) => o.spec.containers[0].readinessProbe.httpGet.scheme, "HTTP"],
    ["fieldRef apiVersion", "", "pods", build.pod, (o) => o.spec.containers[0].env[0].valueFrom.fieldRef.apiVersion, "v1"],
    ["configMap volume mode", "", "pods", build.pod, (o) => o.spec.volumes[0].configMap.defaultMode, 0o644],
    ["requests keep their own values", "", "pods", build.pod, (o) => o.spec.containers[0].resources.requests, { cpu: "100m", memory: "64Mi" }],
    ["requests copied from limits", "", "pods", () => { const p = build.pod(); delete p.spec.containers[0].resources.requests; return p; }, (o) => o.spec.containers[0].resources.requests, { cpu: 1, memory: "128Mi" }],
    ["volume without source is emptyDir", "", "pods", () => { const p = build.pod(); p.spec.volumes.push({ name: "scratch" }); return p; }, (o) => o.spec.volumes[1].emptyDir, {}],
    ["hostNetwork hostPort", "", "pods", () => { const p = build.pod(); p.spec.hostNetwork = true; return p; }, (o) => o.spec.containers[0].ports[0].hostPort, 80],
    ["service type", "", "services", build.service, (o) => o.spec.type, "ClusterIP"],
    ["service sessionAffinity", "", "services", build.service, (o) => o.spec.sessionAffinity, "None"],
    ["service port protocol", "", "services", build.service, (o) => o.spec.ports[0].protocol, "TCP"],
    ["service named targetPort kept", "", "services", build.service, (o) => o.spec.ports[0].targetPort, "http"],
    ["service targetPort from port", "", "services", () => { const s = build.service(); delete s.spec.ports[0].targetPort; return s; }, (o) => o.spec.ports[0].targetPort, 80],
    ["service internalTrafficPolicy", "", "services", build.service, (o) => o.spec.internalTrafficPolicy, "Cluster"],
    ["service ipFamilies", "", "services", build.service, (o) => [o.spec.ipFamilies, o.spec.ipFamilyPolicy], [["IPv4"], "SingleStack"]],
    ["NodePort externalTrafficPolicy", "", "services", () => { const s = build.service(); s.spec.type = "NodePort"; return s; }, (o) => o.spec.externalTrafficPolicy, "Cluster"],
    ["ClientIP affinity timeout", "", "services", () => { const s = build.service(); s.spec.sessionAffinity = "ClientIP"; return s; }, (o) => o.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } }],
    ["ExternalName gets no traffic policy", "", "services", () => ({ metadata: { name: "db" }, spec: { type: "ExternalName", externalName: "db.example.com" } }), (o) => o.spec.internalTrafficPolicy, undefined],
    ["deployment replicas", "apps", "deployments", () => { const d = build.deployment(); delete d.spec.replicas; return d; }, (o) => o.spec.replicas, 1],
    ["deployment explicit zero replicas kept", "apps", "deployments", () => { const d = build.deployment(); d.spec.replicas = 0; return d; }, (o) => o.spec.replicas, 0],
    ["deployment strategy", "apps", "deployments", build.deployment, (o) => o.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } }],
    ["deployment Recreate gets no rollingUpdate", "apps", "deployments", () => { const d = build.deployment(); d.spec.strategy = { type: "Recreate" }; return d; }, (o) => o.spec.strategy, { type: "Recreate" }],
    ["deployment history and deadline", "apps", "deployments", build.deployment, (o) => [o.spec.revisionHistoryLimit, o.spec.progressDeadlineSeconds], [10, 600]],
    ["deployment template pod defaults", "apps", "deployments", build.deployment, (o) => [o.spec.template.spec.restartPolicy, o.spec.template.spec.containers[0].imagePullPolicy], ["Always", "Always"]],
    ["template gets no requests from limits", "apps", "deployments", () => { const d = build.deployment(); d.spec.template.spec.containers[0].resources = { limits: { cpu: "1" } }; return d; }, (o) => o.spec.template.spec.containers[0].resources.requests, undefined],
    ["replicaset replicas", "apps", "replicasets", () => { const r = build.replicaSet(); delete r.spec.replicas; return r; }, (o) => o.spec.replicas, 1],
    ["daemonset strategy", "apps", "daemonsets", build.daemonSet, (o) => o.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }],
    ["daemonset history", "apps", "daemonsets", build.daemonSet, (o) => o.spec.revisionHistoryLimit, 10],
    ["namespace finalizer", "", "namespaces", build.namespace, (o) => o.spec.finalizers, ["kubernetes"]],
    ["namespace phase", "", "namespaces", build.namespace, (o) => o.status.phase, "Active"],
    ["namespace name label", "", "namespaces", build.namespace, (o) => o.metadata.labels["kubernetes.io/metadata.name"], "team-a"],
    ["terminating namespace keeps its phase", "", "namespaces", () => ({ ...build.namespace(), status: { phase: "Terminating" } }), (o) => o.status.phase, "Terminating"],
    ["secret type", "", "secrets", build.secret, (o) => o.type, "Opaque"],
    ["secret stringData merged", "", "secrets", () => ({ ...build.secret(), stringData: { user: "admin", password: "s3cret" } }), (o) => [o.data, o.stringData], [{ password: "czNjcmV0", user: "YWRtaW4=" }, undefined]],
    ["node allocatable from capacity", "", "nodes", build.node, (o) => o.status.allocatable, { cpu: "4", memory: "8Gi", pods: "110" }],
    ["endpoints port protocol", "", "endpoints", build.endpoints, (o) => o.subsets[0].ports[0].protocol, "TCP"],
  ])("%s", (_name, group, plural, make, read, expected) => {
    const object = defaulted(group, plural, make());
    expect(read(object)).toEqual(expected);
  });
});

describe("defaulted objects stay valid", () => {
  test.each([
    ["", "pods", build.pod],
    ["", "services", build.service],
    ["", "namespaces", build.namespace],
    ["", "secrets", build.secret],
    ["", "nodes", build.node],
    ["apps", "deployments", build.deployment],
    ["apps", "daemonsets", build.daemonSet],
    ["discovery.k8s.io", "endpointslices", build.endpointSlice],
  ] as const)("%s/%s", (group, plural, make) => {
    const object = defaulted(group, plural, make());
    const result = validate(entry(group, plural), object, { fieldValidation: "Strict" });
    expect(result.causes).toEqual([]);
    expect(result.unknownFields).toEqual([]);
  });
});

describe("malformed input is left for the validator", () => {
  test.each([
    ["spec is a string", { metadata: { name: "x" }, spec: "nope" }],
    ["containers is an object", { metadata: { name: "x" }, spec: { containers: { name: "c" } } }],
    ["not an object", 42],
    ["null", null],
  ])("%s", (_name, object) => {
    expect(() => applyDefaults(entry("", "pods"), object)).not.toThrow();
  });
});
