import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeContract } from "../runtime.contract.ts";
import type { ContainerConfig } from "../runtime.ts";
import { buildFixtures, imageOf } from "../testdata/fixtures.ts";
import { JcoWasmRuntime } from "./jco-wasm-runtime.ts";

// 200m × 1.5 s = 300 ms of CPU in one guest call before a runaway is killed.
const open = (dir: string) => new JcoWasmRuntime({ cacheDir: join(dir, "cache"), cpuRunawayWindowMs: 1500 });

runtimeContract({ name: "jco", open });

describe("JcoWasmRuntime", () => {
  let scratch: string;
  let runtime: JcoWasmRuntime;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "ledge-jco-runtime-"));
    runtime = open(scratch);
  });
  afterAll(async () => {
    await runtime.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test("replicas started together transpile a component once and share it", async () => {
    const fixture = (await buildFixtures())["http-echo"];
    const config = (n: number): ContainerConfig => ({
      id: `replica-${n}`,
      podUid: `replica-${n}`,
      podName: `replica-${n}`,
      namespace: "default",
      containerName: "web",
      image: imageOf(fixture),
      env: {},
      mounts: [],
      ports: [{ containerPort: 8080, protocol: "TCP" }],
      podIP: `127.99.${process.pid % 250}.${n}`,
      resources: {},
      logPath: join(scratch, "logs", `${n}.log`),
    });
    const replicas = await Promise.all([1, 2].map((n) => runtime.start(config(n))));
    for (const n of [1, 2]) {
      const response = await fetch(`http://127.99.${process.pid % 250}.${n}:8080/r`);
      expect(await response.text()).toContain("served=1");
    }
    expect(readdirSync(join(scratch, "cache", "components")).filter((n) => !n.endsWith(".tmp"))).toHaveLength(1);
    await Promise.all(replicas.map((r) => r.stop(0)));
  }, 300_000);

  test("a pod's runner dies with its agent, even mid-spin", async () => {
    const spin = (await buildFixtures()).spin;
    // A throwaway agent: starts a spinning pod, reports the runner's pid, waits to be killed.
    const agentSource = `
      import { readFileSync } from "node:fs";
      import { JcoWasmRuntime } from ${JSON.stringify(join(import.meta.dir, "jco-wasm-runtime.ts"))};
      const runtime = new JcoWasmRuntime({ cacheDir: ${JSON.stringify(join(scratch, "orphan-cache"))} });
      await runtime.start(${JSON.stringify({
        id: "orphan", podUid: "orphan", podName: "orphan", namespace: "default", containerName: "spin",
        image: imageOf(spin), env: {}, mounts: [], ports: [], podIP: "127.0.0.1", resources: {},
        logPath: join(scratch, "orphan.log"),
      })});
      const children = readFileSync("/proc/" + process.pid + "/task/" + process.pid + "/children", "utf8").trim();
      console.log(children);
      setInterval(() => {}, 1000);
    `;
    const agent = Bun.spawn([process.execPath, "-e", agentSource], { stdout: "pipe", stderr: "inherit" });
    const { value } = await agent.stdout.getReader().read();
    const runnerPid = Number(new TextDecoder().decode(value).trim().split(/\s+/)[0]);
    expect(runnerPid).toBeGreaterThan(0);
    agent.kill("SIGKILL");
    await agent.exited;
    const alive = () => {
      try {
        process.kill(runnerPid, 0);
        return !readFileSync(`/proc/${runnerPid}/stat`, "utf8").includes(") Z ");
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 10_000;
    while (alive() && Date.now() < deadline) await Bun.sleep(20);
    expect(alive()).toBe(false);
  }, 60_000);

  test("handles Wasm artifacts only", () => {
    expect(runtime.handles("wasm-module")).toBe(true);
    expect(runtime.handles("wasm-component")).toBe(true);
    expect(runtime.handles("oci-rootfs")).toBe(false);
  });
});
