// `ledge agent` as a user meets it: its options, clear messages and exit
// code 2 for bad usage, 1 for a kubeconfig it cannot read.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAgentArgs, UsageError } from "./main.ts";

const LEDGE = resolve(import.meta.dir, "../../control-plane/src/cli/main.ts");

async function ledge(...args: string[]) {
  const child = Bun.spawn([process.execPath, LEDGE, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}

describe("options", () => {
  test("defaults", () => {
    const parsed = parseAgentArgs(["--kubeconfig", "kc"]);
    expect(parsed).toMatchObject({ kubeconfig: resolve("kc"), port: 10250, maxPods: 110, podCIDR: "127.1.0.0/16" });
    expect(parsed).not.toHaveProperty("server");
  });

  test("--network bridge; loopback is the default", () => {
    expect(parseAgentArgs(["--kubeconfig", "k", "--network", "bridge", "--node-ip", "10.99.0.11"])).toMatchObject({ network: "bridge", nodeIP: "10.99.0.11" });
    expect(parseAgentArgs(["--kubeconfig", "k", "--network", "loopback"])).not.toHaveProperty("network");
  });

  test("--token-file is resolved", () => {
    expect(parseAgentArgs(["--kubeconfig", "k", "--token-file", "t"])).toMatchObject({ tokenFile: resolve("t") });
  });

  test("every option", () => {
    expect(
      parseAgentArgs(["--kubeconfig", "/k", "--server", "https://api:6443", "--name", "edge-7", "--data-dir", "/d", "--node-ip", "10.0.0.7", "--port", "0", "--max-pods", "20", "--pod-cidr", "127.7.0.0/24", "--instance-type", "rpi4"]),
    ).toEqual({ kubeconfig: "/k", server: "https://api:6443", name: "edge-7", dataDir: "/d", nodeIP: "10.0.0.7", port: 0, maxPods: 20, podCIDR: "127.7.0.0/24", instanceType: "rpi4" });
  });

  test.each([
    [[], "ledge agent needs --kubeconfig PATH"],
    [["--kubeconfig", "k", "--port", "70000"], '--port must be a whole number from 0 to 65535, not "70000"'],
    [["--kubeconfig", "k", "--name", "Edge_1"], '--name must be a DNS subdomain'],
    [["--kubeconfig", "k", "--server", "api:6443"], '--server must be an http:// or https:// URL, not "api:6443"'],
    [["--kubeconfig", "k", "--pod-cidr", "10.0.0.0/16"], "--pod-cidr 10.0.0.0/16 must lie inside 127.0.0.0/8"],
    [["--kubeconfig", "k", "--network", "overlay"], '--network must be loopback or bridge, not "overlay"'],
    [["--kubeconfig", "k", "--network", "bridge", "--pod-cidr", "127.7.0.0/24"], "--pod-cidr is loopback mode's"],
    [["--kubeconfig", "k", "--node-ip", "edge"], '--node-ip must be an IP address, not "edge"'],
    [["--kubeconfig", "k", "--frob"], "Unknown option '--frob'"],
    [["--kubeconfig", "k", "--wasm-engine", "v8"], '--wasm-engine must be one of auto, wasmtime, jco, not "v8"'],
  ])("%p: %s", (args, message) => {
    expect(() => parseAgentArgs(args)).toThrow(UsageError);
    expect(() => parseAgentArgs(args)).toThrow(message);
  });
});

describe("the ledge command", () => {
  test("bad usage: exit 2, the message and the agent's usage", async () => {
    const r = await ledge("agent", "--port", "x", "--kubeconfig", "k");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ledge agent: --port must be a whole number from 0 to 65535, not "x"');
    expect(r.stderr).toContain("Usage: ledge agent --kubeconfig PATH");
  });

  test("help", async () => {
    const r = await ledge("agent", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: ledge agent --kubeconfig PATH");
    expect((await ledge("help")).stdout).toContain("agent    Run a node agent on this machine");
  });

  test("an empty --token-file: exit 1, naming the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ledge-agent-token-"));
    try {
      writeFileSync(join(dir, "kubeconfig"), "apiVersion: v1\nclusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\ncontexts: [{name: c, context: {cluster: c}}]\ncurrent-context: c\n");
      writeFileSync(join(dir, "token"), "\n");
      const r = await ledge("agent", "--kubeconfig", join(dir, "kubeconfig"), "--token-file", join(dir, "token"), "--data-dir", join(dir, "agent"));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`--token-file ${join(dir, "token")} is empty`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an unreadable kubeconfig: exit 1, naming the file", async () => {
    const r = await ledge("agent", "--kubeconfig", join("/nonexistent", "kubeconfig"), "--data-dir", "/nonexistent/agent");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot read kubeconfig /nonexistent/kubeconfig");
  });

  test.each([
    [["up", "--agent-port", "abc"], '--agent-port must be a number from 0 to 65535, not "abc"'],
    [["up", "--no-agent", "--agent-port", "1"], "--agent-port and --no-agent do not go together"],
    [["server", "--database-url", "postgres://x/y", "--no-agent"], "ledge server runs no agent"],
  ])("ledge %p: %s", async (args, message) => {
    const r = await ledge(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
