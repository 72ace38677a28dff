// An agent for tests: a fake runtime and image service, a throwaway data dir,
// its endpoint on a free loopback port, steady made-up machine readings, and
// (by default) a clock that moves only when the test says.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeClient } from "../../../client/kube-client.ts";
import { Agent, type AgentOptions } from "../agent.ts";
import type { MachineReadings } from "../node/machine.ts";
import { backoffFrom } from "../pods/backoff.ts";
import { FakeClock } from "./fake-clock.ts";
import { FakeImageService } from "./fake-image-service.ts";
import { FakeRuntime } from "./fake-runtime.ts";

export const steadyReadings = (overrides: Partial<MachineReadings> = {}): MachineReadings => ({
  cpus: () => 4,
  memoryTotalBytes: () => 8 * 1024 ** 3,
  memoryAvailableBytes: () => 6 * 1024 ** 3,
  disk: () => ({ totalBytes: 100 * 1024 ** 3, availableBytes: 50 * 1024 ** 3, totalInodes: 1_000_000, freeInodes: 900_000 }),
  pids: () => ({ inUse: 300, max: 32768 }),
  cpuTime: () => ({ busyMs: 1000, totalMs: 10_000 }),
  ...overrides,
});

export interface TestAgent {
  agent: Agent;
  runtime: FakeRuntime;
  images: FakeImageService;
  clock: FakeClock;
  dataDir: string;
  /** Stops the agent (its containers with it); the data dir stays for a successor. */
  stop(): Promise<void>;
  /** Starts a new agent on the same data dir, runtime and images (a restarted agent). */
  restart(client?: KubeClient): Promise<TestAgent>;
  /** Stops the agent and removes its data dir. */
  cleanup(): Promise<void>;
}

export interface TestAgentOptions extends Partial<Omit<AgentOptions, "client" | "runtimes" | "images">> {
  runtime?: FakeRuntime;
  images?: FakeImageService;
  /** The first back-off (10 s by default, as in Kubernetes; with the fake clock that costs nothing). */
  backoffMs?: number;
}

export async function startTestAgent(client: KubeClient, options: TestAgentOptions = {}): Promise<TestAgent> {
  const clock = options.clock instanceof FakeClock ? options.clock : new FakeClock();
  const runtime = options.runtime ?? new FakeRuntime({ clock });
  const images = options.images ?? new FakeImageService();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "ledge-agent-test-"));
  const agent = await Agent.start({
    nodeName: "edge-1",
    nodeIP: "127.0.0.1",
    port: 0,
    readings: steadyReadings(),
    // A range of its own, so a test's pod servers never meet another test run's on this machine.
    podCIDR: `127.${100 + Math.floor(Math.random() * 150)}.0.0/16`,
    log: () => {},
    ...options,
    backoff: options.backoff ?? backoffFrom(options.backoffMs ?? 10_000),
    client,
    dataDir,
    clock,
    runtimes: [runtime],
    images,
  });
  const self: TestAgent = {
    agent,
    runtime,
    images,
    clock,
    dataDir,
    stop: () => agent.stop(),
    restart: (next = client) => startTestAgent(next, { ...options, clock, runtime, images, dataDir }),
    async cleanup() {
      await agent.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}
