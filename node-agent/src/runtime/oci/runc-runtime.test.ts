// RuncRuntime on a real runc with a busybox rootfs: commands and their exit,
// env and args, users and privileges, read-only roots, volumes, memory limits,
// stop with grace, exec, isolation between containers, cleanup, and surviving
// an agent restart.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCriLog } from "../cri-log.ts";
import type { ContainerConfig, ContainerHandle } from "../runtime.ts";
import { ExitReason, RuntimeError } from "../runtime.ts";
import { DEADLINE_MS, within } from "../../testing/deadline.ts";
import { RuncRuntime } from "./runc-runtime.ts";
import { buildBusyboxRootfs } from "./testdata/busybox-rootfs.ts";

/** Polls until the check passes or the deadline does (for what has no event: a line in a log file). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not true after ${DEADLINE_MS} ms`);
    await Bun.sleep(20);
  }
}

const work = mkdtempSync(join(tmpdir(), "ledge-runc-"));
const root = join(work, "agent");
let rootfs: string;
let runtime: RuncRuntime;
const handles: ContainerHandle[] = [];
let counter = 0;

function configFor(overrides: Partial<ContainerConfig> = {}): ContainerConfig {
  const n = ++counter;
  return {
    id: `pod${n}_c_0`,
    podUid: `pod${n}`,
    podName: `pod-${n}`,
    namespace: "default",
    containerName: "c",
    image: { reference: "busybox", digest: "sha256:0", kind: "oci-rootfs", path: rootfs, config: { env: ["PATH=/bin", "FROM_IMAGE=yes"] } },
    env: {},
    mounts: [],
    ports: [],
    podIP: "127.0.0.1",
    resources: {},
    logPath: join(work, "logs", `${n}.log`),
    ...overrides,
  };
}

async function start(config: ContainerConfig): Promise<ContainerHandle> {
  const handle = await within(runtime.start(config), `start ${config.id}`);
  handles.push(handle);
  return handle;
}

const lines = (config: ContainerConfig, stream?: "stdout" | "stderr") =>
  existsSync(config.logPath) ? parseCriLog(readFileSync(config.logPath, "utf8")).filter((r) => !stream || r.stream === stream).map((r) => r.text) : [];

async function runToEnd(config: ContainerConfig) {
  const handle = await start(config);
  const status = await within(handle.exited, `${config.id} to exit`);
  return { status, stdout: lines(config, "stdout"), stderr: lines(config, "stderr") };
}

beforeAll(() => {
  rootfs = buildBusyboxRootfs(join(work, "image"));
  runtime = new RuncRuntime({ root });
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.stop(0)));
  // Anything a failed test left running (say, the restart test before it recovered) goes too.
  const sweeper = new RuncRuntime({ root });
  for (const id of sweeper.list()) await (await sweeper.recover(id))?.stop(0);
  rmSync(work, { recursive: true, force: true });
});

describe("commands", () => {
  test.each([
    [0, ExitReason.Completed],
    [3, ExitReason.Error],
  ])("exit %i is %s, with stdout and stderr in the CRI log", async (code, reason) => {
    const { status, stdout, stderr } = await runToEnd(configFor({ command: ["sh", "-c", `echo out; echo err >&2; exit ${code}`] }));
    expect(status).toMatchObject({ exitCode: code, reason });
    expect(stdout).toEqual(["out"]);
    expect(stderr).toEqual(["err"]);
  });

  test("argv is the Kubernetes way, env merges image and container, cwd and hostname are the pod's", async () => {
    const config = configFor({
      image: { ...configFor().image, config: { entrypoint: ["/bin/sh", "-c"], cmd: ["echo from image cmd"], env: ["PATH=/bin", "FROM_IMAGE=yes", "OVERRIDE=image"] } },
      args: ['echo "$FROM_IMAGE $OVERRIDE $FROM_POD"; pwd; hostname; echo "$0 $1"', "zero", "one"],
      env: { OVERRIDE: "pod", FROM_POD: "a b" },
      workingDir: "/tmp",
    });
    const { status, stdout } = await runToEnd(config);
    expect(status.exitCode).toBe(0);
    expect(stdout).toEqual(["yes pod a b", "/tmp", config.podName, "zero one"]);
  });

  test("the agent's environment does not leak in", async () => {
    process.env.LEDGE_RUNC_AGENT_SECRET = "agent-only";
    const { stdout } = await runToEnd(configFor({ command: ["sh", "-c", 'echo "[${LEDGE_RUNC_AGENT_SECRET}]"'] }));
    expect(stdout).toEqual(["[]"]);
  });

  test("a command that does not exist fails the start and leaves nothing behind", async () => {
    const config = configFor({ command: ["/no/such/binary"] });
    const error = await runtime.start(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error).toMatchObject({ code: "StartFailed", message: expect.stringContaining("/no/such/binary") });
    expect(existsSync(join(root, "containers", config.id))).toBe(false);
  });

  test("a rootfs that is not there is InvalidImage", async () => {
    const config = configFor({ command: ["true"] });
    config.image = { ...config.image, path: join(work, "missing") };
    expect(runtime.start(config)).rejects.toMatchObject({ code: "InvalidImage" });
  });
});

describe("security", () => {
  test("root keeps Docker's default capabilities only, with no-new-privileges", async () => {
    const { stdout } = await runToEnd(configFor({ command: ["sh", "-c", "grep -E '^(CapEff|NoNewPrivs)' /proc/self/status"] }));
    // CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
    expect(stdout).toEqual(["CapEff:\t00000000a80425fb", "NoNewPrivs:\t1"]);
  });

  test("runAsUser / the image user, and dropped capabilities", async () => {
    const asApp = await runToEnd(configFor({ command: ["id"], image: { ...configFor().image, config: { user: "app" } } }));
    expect(asApp.stdout).toEqual(["uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)"]);
    const asNobody = await runToEnd(configFor({ command: ["id", "-u"], securityContext: { runAsUser: 65534, runAsGroup: 65534 } }));
    expect(asNobody.stdout).toEqual(["65534"]);
    const dropped = await runToEnd(configFor({ command: ["sh", "-c", "grep CapEff /proc/self/status"], securityContext: { capabilities: { drop: ["ALL"], add: ["KILL"] } } }));
    expect(dropped.stdout).toEqual(["CapEff:\t0000000000000020"]);
  });

  test("a read-only root file system refuses writes; volumes still take them", async () => {
    const out = join(work, "ro-out");
    mkdirSync(out);
    const { stdout } = await runToEnd(
      configFor({
        command: ["sh", "-c", "touch /rootfile 2>/dev/null && echo root-writable || echo root-readonly; echo hi > /out/f && echo volume-writable"],
        securityContext: { readOnlyRootFilesystem: true },
        mounts: [{ hostPath: out, containerPath: "/out", readOnly: false }],
      }),
    );
    expect(stdout).toEqual(["root-readonly", "volume-writable"]);
    expect(readFileSync(join(out, "f"), "utf8")).toBe("hi\n");
  });

  test("volumes mount read-only or read-write", async () => {
    const data = join(work, "vol-data");
    mkdirSync(data);
    writeFileSync(join(data, "in.txt"), "from the host");
    const { stdout } = await runToEnd(
      configFor({
        command: ["sh", "-c", "cat /data/in.txt; echo; echo x > /data/new 2>/dev/null && echo wrote || echo refused"],
        mounts: [{ hostPath: data, containerPath: "/data", readOnly: true }],
      }),
    );
    expect(stdout).toEqual(["from the host", "refused"]);
    expect(existsSync(join(data, "new"))).toBe(false);
  });

  test("containers from one image never see each other's writes, and the image stays as it was", async () => {
    await runToEnd(configFor({ command: ["sh", "-c", "echo mine > /tmp/mark"] }));
    const other = await runToEnd(configFor({ command: ["sh", "-c", "cat /tmp/mark 2>/dev/null || echo absent"] }));
    expect(other.stdout).toEqual(["absent"]);
    expect(existsSync(join(rootfs, "tmp/mark"))).toBe(false);
  });
});

describe("limits", () => {
  test("a memory limit is enforced where the kernel's cgroups allow: over it is OOMKilled", async () => {
    const config = configFor({ command: ["sh", "-c", 'x=0123456789; while :; do x="$x$x"; done'], resources: { memoryLimitBytes: 32 * 1024 * 1024 } });
    if (!runtime.cgroups.memory) {
      // No memory controller: the limit is left out of the spec rather than failing the pod.
      expect(runtime.cgroups.version).not.toBe(0);
      return;
    }
    const { status } = await runToEnd(config);
    expect(status).toMatchObject({ exitCode: 137, reason: ExitReason.OOMKilled, signal: "SIGKILL" });
  });

  test("stats come from the container's cgroup while it runs", async () => {
    const handle = await start(configFor({ command: ["sh", "-c", "while :; do :; done"], resources: { cpuLimitMillis: 100 } }));
    const stats = await handle.stats!();
    expect(stats?.memoryBytes).toBeGreaterThan(0);
    expect(stats?.cpuMillis).toBeGreaterThanOrEqual(0);
    await handle.stop(0);
    expect(await handle.stats!()).toBeUndefined();
  });
});

describe("stop and exec", () => {
  test("stop sends SIGTERM; a container that handles it ends as it chooses", async () => {
    const config = configFor({ command: ["sh", "-c", "trap 'echo bye; exit 0' TERM; echo up; while :; do sleep 0.05; done"] });
    const handle = await start(config);
    await eventually(() => lines(config).includes("up"), "the trap to be set");
    const status = await within(handle.stop(20_000), "graceful stop");
    expect(status).toMatchObject({ exitCode: 0, reason: ExitReason.Completed });
    expect(lines(config)).toEqual(["up", "bye"]);
  });

  test("one that ignores SIGTERM is killed after the grace period; stop after exit says the same", async () => {
    const config = configFor({ command: ["sh", "-c", "trap '' TERM; echo up; while :; do sleep 0.05; done"] });
    const handle = await start(config);
    await eventually(() => lines(config).includes("up"), "the trap to be set");
    const status = await within(handle.stop(300), "stop with grace");
    expect(status).toMatchObject({ exitCode: 137, reason: ExitReason.Error, signal: "SIGKILL" });
    expect(await handle.stop(1000)).toEqual(status);
  });

  test("exec runs in the container and reports exit code and output; a hung exec times out", async () => {
    const handle = await start(configFor({ command: ["sh", "-c", "echo ready > /tmp/probe; while :; do sleep 0.05; done"] }));
    expect(await handle.exec!(["cat", "/tmp/probe"], 10_000)).toEqual({ exitCode: 0, output: "ready\n" });
    expect(await handle.exec!(["sh", "-c", "echo no >&2; exit 2"], 10_000)).toEqual({ exitCode: 2, output: "no\n" });
    expect(handle.exec!(["sleep", "30"], 200)).rejects.toThrow("timed out");
    await handle.stop(0);
  });
});

describe("lifecycle", () => {
  const mounted = (path: string) => readFileSync("/proc/self/mounts", "utf8").includes(path);

  test("an exited container leaves no bundle, mount, or runc state behind", async () => {
    const config = configFor({ command: ["true"] });
    const handle = await start(config);
    const bundle = join(root, "containers", config.id);
    expect(mounted(bundle)).toBe(true);
    await within(handle.exited, "exit");
    expect(existsSync(bundle)).toBe(false);
    expect(mounted(bundle)).toBe(false);
    expect(runtime.list()).not.toContain(config.id);
    expect(readdirSync(join(root, "runc"))).not.toContain(config.id);
  });

  test("a container outlives the agent that started it and is recovered by id", async () => {
    const config = configFor();
    const agent = Bun.spawn([process.execPath, join(import.meta.dir, "testdata/start-then-exit.ts"), root, rootfs, config.id, config.logPath], { stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(agent.stdout).text(), new Response(agent.stderr).text(), agent.exited]);
    expect({ out, err, code }).toMatchObject({ out: "started\n", code: 0 });
    expect(runtime.list()).toContain(config.id);
    const state = await runtime.runc(["state", config.id]);
    expect(JSON.parse(state.stdout).status).toBe("running");

    const restarted = new RuncRuntime({ root });
    const handle = await restarted.recover(config.id);
    expect(handle).toBeDefined();
    handles.push(handle!);
    expect(await restarted.recover("no-such-container")).toBeUndefined();
    // What it wrote while no agent read its pipe arrives now, and logging goes on.
    await eventually(() => lines(config).includes("before"), "the line buffered while no agent ran");
    expect((await handle!.exec!(["touch", "/tmp/say"], 10_000)).exitCode).toBe(0);
    await eventually(() => lines(config).includes("after"), "a line logged after recovery");
    const status = await within(handle!.stop(20_000), "stop of the recovered container");
    expect(status).toMatchObject({ exitCode: 5, reason: ExitReason.Error });
    expect(lines(config)).toEqual(["before", "after", "term"]);
    expect(restarted.list()).not.toContain(config.id);
  });
});
