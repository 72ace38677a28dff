// A container's environment as the kubelet builds it.
import { describe, expect, test } from "bun:test";
import type { ConfigMap, Container, Pod, Secret } from "../../../../schemas/index.ts";
import { buildEnv, ContainerConfigError, expand } from "./env.ts";

const configMaps: Record<string, ConfigMap> = { settings: { data: { MODE: "fast", "not valid!": "x" } } as ConfigMap };
const secrets: Record<string, Secret> = { creds: { data: { PASSWORD: Buffer.from("hunter2").toString("base64") } } as Secret };
const objects = { configMap: async (_: string, n: string) => configMaps[n], secret: async (_: string, n: string) => secrets[n] };
const pod = { metadata: { name: "web", namespace: "shop", uid: "u1", labels: { app: "web" } }, spec: { nodeName: "edge-1", containers: [] } } as unknown as Pod;
const env = (container: Partial<Container>) =>
  buildEnv({ pod, container: { name: "app", ...container } as Container, objects, podIPs: ["127.1.0.9"], hostIP: "10.0.0.1", nodeAllocatable: { cpu: 4, memory: 1024 } });

describe("buildEnv", () => {
  test("envFrom first (prefixed, invalid names skipped), then env, which wins", async () => {
    expect(
      await env({
        envFrom: [{ configMapRef: { name: "settings" } }, { secretRef: { name: "creds" }, prefix: "DB_" }],
        env: [{ name: "MODE", value: "slow" }],
      }),
    ).toEqual({ MODE: "slow", DB_PASSWORD: "hunter2" });
  });

  test("the downward API and resources", async () => {
    expect(
      await env({
        resources: { requests: { cpu: "250m" } },
        env: [
          { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: "HOST", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
          { name: "CPU", valueFrom: { resourceFieldRef: { resource: "requests.cpu", divisor: "1m" } } },
          { name: "CPU_LIMIT", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
        ],
      }),
    ).toEqual({ NODE: "edge-1", APP: "web", HOST: "10.0.0.1", CPU: "250", CPU_LIMIT: "4" });
  });

  test.each([
    [{ configMapKeyRef: { name: "absent", key: "k" } }, 'configmap "absent" not found'],
    [{ configMapKeyRef: { name: "settings", key: "k" } }, "couldn't find key k in ConfigMap shop/settings"],
    [{ secretKeyRef: { name: "creds", key: "k" } }, "couldn't find key k in Secret shop/creds"],
  ])("%p is a config error: %s", async (valueFrom, message) => {
    const error = await env({ env: [{ name: "X", valueFrom }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerConfigError);
    expect((error as Error).message).toBe(message);
  });

  test("optional references that are missing are skipped", async () => {
    expect(await env({ env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "absent", key: "k", optional: true } } }] })).toEqual({});
  });
});

test.each([
  ["$(A)-$(B)", "1-2"],
  ["$$(A)", "$(A)"],
  ["$(MISSING)", "$(MISSING)"],
  ["$A", "$A"],
])("expand %s", (text, expected) => {
  expect(expand(text, { A: "1", B: "2" })).toBe(expected);
});
