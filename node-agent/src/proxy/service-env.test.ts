import { describe, expect, test } from "bun:test";
import type { Service } from "../../../schemas/index.ts";
import { envName, serviceEnv, serviceVariables } from "./service-env.ts";

const svc = (namespace: string, name: string, spec: Service["spec"]): Service => ({ metadata: { namespace, name }, spec }) as Service;

describe("service environment variables (Kubernetes' envvars.FromServices)", () => {
  test.each([
    ["redis-master", "REDIS_MASTER"],
    ["web", "WEB"],
    ["a-b-c", "A_B_C"],
  ])("%s is named %s", (name, expected) => expect(envName(name)).toBe(expected));

  test("every variable of a two-port Service, first port unnamed", () => {
    const vars = serviceVariables([
      svc("ns", "redis-master", { clusterIP: "10.0.0.11", ports: [{ port: 6379, protocol: "TCP" }, { name: "metrics-udp", port: 9121, protocol: "UDP" }] }),
    ]);
    expect(vars).toEqual([
      ["REDIS_MASTER_SERVICE_HOST", "10.0.0.11"],
      ["REDIS_MASTER_SERVICE_PORT", "6379"],
      ["REDIS_MASTER_SERVICE_PORT_METRICS_UDP", "9121"],
      ["REDIS_MASTER_PORT", "tcp://10.0.0.11:6379"],
      ["REDIS_MASTER_PORT_6379_TCP", "tcp://10.0.0.11:6379"],
      ["REDIS_MASTER_PORT_6379_TCP_PROTO", "tcp"],
      ["REDIS_MASTER_PORT_6379_TCP_PORT", "6379"],
      ["REDIS_MASTER_PORT_6379_TCP_ADDR", "10.0.0.11"],
      ["REDIS_MASTER_PORT_9121_UDP", "udp://10.0.0.11:9121"],
      ["REDIS_MASTER_PORT_9121_UDP_PROTO", "udp"],
      ["REDIS_MASTER_PORT_9121_UDP_PORT", "9121"],
      ["REDIS_MASTER_PORT_9121_UDP_ADDR", "10.0.0.11"],
    ]);
  });

  test("a missing protocol is TCP; IPv6 addresses are bracketed in URLs", () => {
    const vars = Object.fromEntries(serviceVariables([svc("ns", "v6", { clusterIP: "fd00::1", ports: [{ name: "http", port: 80 }] })]));
    expect(vars.V6_PORT).toBe("tcp://[fd00::1]:80");
    expect(vars.V6_PORT_80_TCP_ADDR).toBe("fd00::1");
    expect(vars.V6_SERVICE_PORT_HTTP).toBe("80");
  });

  test.each([
    ["headless", { clusterIP: "None", ports: [{ port: 80 }] }],
    ["ExternalName", { type: "ExternalName", externalName: "example.com" }],
    ["without a ClusterIP", { ports: [{ port: 80 }] }],
  ] as [string, Service["spec"]][])("a %s Service gives no variables", (_, spec) => {
    expect(serviceVariables([svc("ns", "x", spec)])).toEqual([]);
  });

  const cluster = [
    svc("default", "kubernetes", { clusterIP: "10.0.0.1", ports: [{ name: "https", port: 443 }] }),
    svc("default", "other", { clusterIP: "10.0.0.2", ports: [{ port: 80 }] }),
    svc("app", "web", { clusterIP: "10.0.0.3", ports: [{ port: 8080 }] }),
    svc("elsewhere", "db", { clusterIP: "10.0.0.4", ports: [{ port: 5432 }] }),
  ];

  test("a pod sees its namespace's Services and default/kubernetes, nothing else", () => {
    const env = serviceEnv(cluster, "app");
    expect(Object.keys(env).filter((k) => k.endsWith("_SERVICE_HOST")).sort()).toEqual(["KUBERNETES_SERVICE_HOST", "WEB_SERVICE_HOST"]);
    expect(env.KUBERNETES_SERVICE_PORT).toBe("443");
    expect(env.KUBERNETES_SERVICE_PORT_HTTPS).toBe("443");
  });

  test("enableServiceLinks false leaves only the kubernetes Service", () => {
    const env = serviceEnv(cluster, "app", false);
    expect(Object.keys(env).filter((k) => k.endsWith("_SERVICE_HOST"))).toEqual(["KUBERNETES_SERVICE_HOST"]);
  });

  test("a pod in default sees default's Services", () => {
    expect(serviceEnv(cluster, "default").OTHER_SERVICE_HOST).toBe("10.0.0.2");
  });

  test("a Service named kubernetes in the pod's namespace wins over default/kubernetes when links are on", () => {
    const own = [...cluster, svc("app", "kubernetes", { clusterIP: "10.0.0.9", ports: [{ port: 6443 }] })];
    expect(serviceEnv(own, "app").KUBERNETES_SERVICE_HOST).toBe("10.0.0.9");
    expect(serviceEnv(own, "app", false).KUBERNETES_SERVICE_HOST).toBe("10.0.0.1");
  });
});
