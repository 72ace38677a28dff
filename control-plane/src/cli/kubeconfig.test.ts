// The kubeconfig `ledge up` and `ledge server` write, read by @kubernetes/client-node as is.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { writeKubeconfig } from "./kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "ledge-kubeconfig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(server: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(writeKubeconfig(join(dir, `kubeconfig-${server.split(":")[0]}`), server));
  return config;
}

test("client-node accepts the kubeconfig of an http:// server (it refuses one without insecure-skip-tls-verify)", () => {
  const config = load("http://127.0.0.1:6443");
  const cluster = config.getCurrentCluster()!;
  expect(cluster).toMatchObject({ server: "http://127.0.0.1:6443", skipTLSVerify: true });
  // Where client-node throws "HTTP protocol is not allowed when skipTLSVerify is not set or false".
  expect(() => config.createDispatcherOptions(cluster, {})).not.toThrow();
  expect(config.getCurrentUser()).toMatchObject({ name: "admin" });
  expect(config.getContextObject(config.getCurrentContext())).toMatchObject({ cluster: "ledge", user: "admin", namespace: "default" });
});

test("an https:// server keeps TLS verification", () => {
  expect(load("https://ledge.example:6443").getCurrentCluster()).toMatchObject({ server: "https://ledge.example:6443", skipTLSVerify: false });
});
