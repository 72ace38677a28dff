// The behaviour every Wasm Runtime must show, whatever engine runs the guests;
// each engine's test file runs it (wasm/jco-wasm-runtime.test.ts, and the
// wasmtime engine's later). Workloads are built from ./testdata by the tests.
// OCI runtimes run the engine-neutral part with stand-in workloads
// (oci/runc-runtime.contract.test.ts, oci/testdata/oci-workloads.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCriLog } from "./cri-log.ts";
import { within } from "../testing/deadline.ts";
import { type ContainerConfig, type ContainerHandle, ExitReason, type ExitStatus, type Runtime, RuntimeError } from "./runtime.ts";
import { buildFixtures, type FixtureName, imageOf, type WasmFixture } from "./testdata/fixtures.ts";

export interface RuntimeUnderTest {
  name: string;
  /**
   * A runtime that stops a runaway guest within a few seconds of CPU at the
   * limits used here (the contract's spinner runs with cpu: 200m).
   */
  open(scratchDir: string): Runtime | Promise<Runtime>;
  /**
   * For runtimes of Linux images: per fixture, an image and command that behave
   * like it (same output, same exit). Given this, only the engine-neutral tests
   * run: exit status, CRI logs, refusing a bad image, mounts, stopping.
   */
  workloads?(scratchDir: string): Promise<Record<NeutralFixture, Workload>>;
}

/** The fixtures whose behaviour any runtime can reproduce. */
export type NeutralFixture = Extract<FixtureName, "hello" | "fs" | "spin">;
export type Workload = Pick<ContainerConfig, "image" | "command">;

/** A componentize-js build is about a minute on a cold cache, seconds warm. */
const FIXTURE_BUILD_MS = 300_000;
/** Per test: a component's first start may include a transpile of a 12 MB guest. */
const TEST_MS = 90_000;

let podCounter = 0;
/** A loopback address per pod, as loopback mode hands them out (all of 127.0.0.0/8 reaches lo). */
const nextPodIP = () => {
  const n = ++podCounter;
  return `127.${100 + (process.pid % 100)}.${(n >> 8) & 255}.${n & 255}`;
};
const neighbourOf = (ip: string) => ip.replace(/\.(\d+)$/, (_, last) => `.${(Number(last) + 128) % 256}`);

export function runtimeContract(subject: RuntimeUnderTest): void {
  describe(`Runtime contract: ${subject.name}`, () => {
    let scratch: string;
    let runtime: Runtime;
    let fixtures: Record<FixtureName, WasmFixture> | undefined;
    let workloads: Record<NeutralFixture, Workload> | undefined;
    const handles: ContainerHandle[] = [];
    /** Tests of Wasm behaviour (components, the WASI sandbox, guest limits) run for Wasm engines only. */
    const wasm = subject.workloads === undefined;

    beforeAll(async () => {
      scratch = mkdtempSync(join(tmpdir(), "ledge-runtime-contract-"));
      if (subject.workloads) workloads = await subject.workloads(join(scratch, "workloads"));
      else fixtures = await buildFixtures();
      runtime = await subject.open(join(scratch, "runtime"));
    }, FIXTURE_BUILD_MS);

    afterAll(async () => {
      await Promise.all(handles.map((h) => h.stop(0)));
      await runtime?.close?.();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    function configFor(name: FixtureName, overrides: Partial<ContainerConfig> = {}): ContainerConfig {
      const n = ++podCounter;
      const workload = workloads ? workloads[name as NeutralFixture] : { image: imageOf(fixtures![name]) };
      if (!workload) throw new Error(`no ${name} workload for ${subject.name}`);
      return {
        id: `pod-${n}_${name}_0`,
        podUid: `uid-${n}`,
        podName: `${name}-${n}`,
        namespace: "default",
        containerName: name,
        ...workload,
        env: {},
        mounts: [],
        ports: [],
        podIP: nextPodIP(),
        resources: {},
        logPath: join(scratch, "logs", `${n}`, `${name}.log`),
        ...overrides,
      };
    }

    async function start(config: ContainerConfig): Promise<ContainerHandle> {
      const handle = await within(runtime.start(config), `starting ${config.podName}`);
      handles.push(handle);
      return handle;
    }

    async function runToEnd(config: ContainerConfig): Promise<{ status: ExitStatus; stdout: string[]; stderr: string[] }> {
      const handle = await start(config);
      const status = await within(handle.exited, `${config.podName} to exit`);
      const records = parseCriLog(readFileSync(config.logPath, "utf8"));
      return {
        status,
        stdout: records.filter((r) => r.stream === "stdout").map((r) => r.text),
        stderr: records.filter((r) => r.stream === "stderr").map((r) => r.text),
      };
    }

    describe("commands", () => {
      test.each([
        [0, ExitReason.Completed],
        [7, ExitReason.Error],
      ])("a module exiting with %i reports it as %s", async (code, reason) => {
        const { status } = await runToEnd(configFor("hello", { env: { EXIT_CODE: String(code) } }));
        expect(status.exitCode).toBe(code);
        expect(status.reason).toBe(reason);
        expect(Number.isNaN(Date.parse(status.finishedAt))).toBe(false);
      }, TEST_MS);

      if (wasm) test("argv is command ++ args; argv[0] is the container name without a command", async () => {
        const withCommand = await runToEnd(configFor("hello", { command: ["prog", "a b"], args: ["c"] }));
        expect(withCommand.stdout).toEqual(["arg[0]=prog", "arg[1]=a b", "arg[2]=c"]);
        const argsOnly = await runToEnd(configFor("hello", { args: ["x"] }));
        expect(argsOnly.stdout).toEqual(["arg[0]=hello", "arg[1]=x"]);
      }, TEST_MS);

      if (wasm) test("the guest sees the pod's environment and nothing of the agent's", async () => {
        process.env.LEDGE_CONTRACT_AGENT_SECRET = "agent-only";
        const { stdout } = await runToEnd(
          configFor("hello", { env: { GREETING: "hi there", SHOW: "GREETING,LEDGE_CONTRACT_AGENT_SECRET,PATH" } }),
        );
        expect(stdout).toContain("env GREETING=hi there");
        expect(stdout).toContain("env LEDGE_CONTRACT_AGENT_SECRET=(unset)");
        expect(stdout).toContain("env PATH=(unset)");
      }, TEST_MS);

      test("stdout and stderr go to logPath as CRI records", async () => {
        const config = configFor("hello", { args: ["logged"] });
        await runToEnd(config);
        const records = parseCriLog(readFileSync(config.logPath, "utf8"));
        const expected = [
          ["stdout", false, "arg[0]=hello"],
          ["stdout", false, "arg[1]=logged"],
          ["stderr", false, "to stderr"],
        ];
        // Order holds within a stream; across the two only where one process writes both (a Wasm
        // engine), not where they are two pipes read apart (runc, as containerd's shim).
        if (wasm) expect(records.map((r) => [r.stream, r.partial, r.text])).toEqual(expected);
        for (const stream of ["stdout", "stderr"]) {
          expect(records.filter((r) => r.stream === stream).map((r) => [r.stream, r.partial, r.text])).toEqual(expected.filter((e) => e[0] === stream));
        }
        for (const record of records) expect(record.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      }, TEST_MS);

      if (wasm) test("a component's wasi:cli/run gets args and env, and its exit status counts", async () => {
        const ok = await runToEnd(configFor("cli", { args: ["x"], env: { GREETING: "hello" } }));
        expect(ok.status).toMatchObject({ exitCode: 0, reason: ExitReason.Completed });
        expect(ok.stdout).toEqual(["component args=cli,x greeting=hello"]);
        const failed = await runToEnd(configFor("cli", { env: { FAIL: "1" } }));
        expect(failed.status).toMatchObject({ exitCode: 1, reason: ExitReason.Error });
      }, TEST_MS);

      test("bytes that are not Wasm are refused at start as InvalidImage", async () => {
        const path = join(scratch, "not-wasm.wasm");
        writeFileSync(path, "definitely not wasm");
        const config = configFor("hello");
        config.image = { ...config.image, path, digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000" };
        const error = await runtime.start(config).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(RuntimeError);
        expect((error as RuntimeError).code).toBe("InvalidImage");
      }, TEST_MS);
    });

    describe("mounts", () => {
      /** A container has a root file system of its own: its /etc and / are no way out of a sandbox there. */
      const WASM_SANDBOX_ONLY = new Set(["sees nothing of the host outside mounts", "cannot list the root"]);
      type Case = [name: string, args: string[], exitCode: number, line: string];
      const whereItApplies = (cases: Case[]): Case[] => (wasm ? cases : cases.filter(([name]) => !WASM_SANDBOX_ONLY.has(name)));
      let mounts: ContainerConfig["mounts"];
      let dataDir: string;
      let outDir: string;

      beforeAll(() => {
        const root = join(scratch, "volumes");
        dataDir = join(root, "data");
        outDir = join(root, "out");
        const outside = join(root, "outside");
        for (const dir of [dataDir, outDir, outside]) mkdirSync(dir, { recursive: true });
        writeFileSync(join(dataDir, "in.txt"), "hello from a volume");
        writeFileSync(join(outside, "secret.txt"), "host secret");
        symlinkSync("../outside/secret.txt", join(dataDir, "relative-escape"));
        symlinkSync(join(outside, "secret.txt"), join(dataDir, "absolute-escape"));
        symlinkSync("in.txt", join(dataDir, "inner-link"));
        mounts = [
          { hostPath: dataDir, containerPath: "/data", readOnly: true },
          { hostPath: outDir, containerPath: "/out", readOnly: false },
        ];
      });

      test.each(whereItApplies([
        ["reads a read-only mount", ["read", "/data/in.txt"], 0, "ok read /data/in.txt: hello from a volume"],
        ["follows a symlink that stays inside", ["read", "/data/inner-link"], 0, "ok read /data/inner-link: hello from a volume"],
        ["lists a mount", ["ls", "/data"], 0, "ok ls /data:"],
        ["writes a writable mount", ["write", "/out/new.txt", "written"], 0, "ok write /out/new.txt"],
        ["refuses to create in a read-only mount", ["write", "/data/new.txt", "x"], 1, "error write /data/new.txt"],
        ["refuses to overwrite in a read-only mount", ["write", "/data/in.txt", "x"], 1, "error write /data/in.txt"],
        ["sees nothing of the host outside mounts", ["read", "/etc/passwd"], 1, "error read /etc/passwd"],
        ["cannot list the root", ["ls", "/"], 1, "error ls /"],
        ["cannot climb out with ..", ["read", "/data/../outside/secret.txt"], 1, "error read"],
        ["cannot leave through a relative symlink", ["read", "/data/relative-escape"], 1, "error read /data/relative-escape"],
        ["cannot leave through an absolute symlink", ["read", "/data/absolute-escape"], 1, "error read /data/absolute-escape"],
      ]))("%s", async (_name, args, exitCode, line) => {
        const { status, stdout } = await runToEnd(configFor("fs", { args, mounts }));
        expect(stdout.join("\n")).toContain(line);
        expect(status.exitCode).toBe(exitCode);
      }, TEST_MS);

      test("writes land in the host directory and read-only files stay unchanged", async () => {
        await runToEnd(configFor("fs", { args: ["write", "/out/landed.txt", "on the host"], mounts }));
        expect(readFileSync(join(outDir, "landed.txt"), "utf8")).toBe("on the host");
        await runToEnd(configFor("fs", { args: ["write", "/data/in.txt", "changed"], mounts }));
        expect(readFileSync(join(dataDir, "in.txt"), "utf8")).toBe("hello from a volume");
        expect(existsSync(join(dataDir, "new.txt"))).toBe(false);
      }, TEST_MS);
    });

    if (wasm) describe("HTTP components", () => {
      const port = 8080;
      let handle: ContainerHandle;
      let podIP: string;

      beforeAll(async () => {
        const config = configFor("http-echo", { ports: [{ containerPort: port, protocol: "TCP" }], env: { GREETING: "hey" } });
        podIP = config.podIP;
        handle = await start(config);
      }, TEST_MS);

      test("serve on podIP:containerPort with a fresh instance per request", async () => {
        for (const path of ["/first?x=1", "/second"]) {
          const response = await fetch(`http://${podIP}:${port}${path}`, { method: "POST", body: "ping" });
          expect(response.status).toBe(200);
          expect(await response.text()).toBe(`post ${path} served=1 greeting=hey body=ping`);
        }
      }, TEST_MS);

      test("listen on the pod's address only", async () => {
        const elsewhere = await fetch(`http://${neighbourOf(podIP)}:${port}/`).then(
          () => "answered",
          () => "refused",
        );
        expect(elsewhere).toBe("refused");
      }, TEST_MS);

      test("report stats while running, if the runtime offers them", async () => {
        if (!handle.stats) return;
        const stats = await handle.stats();
        expect(stats?.memoryBytes).toBeGreaterThan(0);
        expect(stats?.cpuMillis).toBeGreaterThanOrEqual(0);
      }, TEST_MS);

      test("a graceful stop ends the server as Completed", async () => {
        const status = await within(handle.stop(10_000), "graceful stop");
        expect(status).toMatchObject({ exitCode: 0, reason: ExitReason.Completed });
        if (handle.stats) expect(await handle.stats()).toBeUndefined();
        const after = await fetch(`http://${podIP}:${port}/`).then(
          () => "answered",
          () => "refused",
        );
        expect(after).toBe("refused");
      }, TEST_MS);
    });

    describe("limits and isolation", () => {
      if (wasm) test("a guest that exhausts its memory limit fails as OOMKilled, within the limit, and the host lives on", async () => {
        const limit = 32 * 1024 * 1024;
        const { status, stdout } = await runToEnd(configFor("hog", { resources: { memoryLimitBytes: limit } }));
        expect(status.reason).toBe(ExitReason.OOMKilled);
        const allocated = stdout.map((l) => /^allocated (\d+) MiB$/.exec(l)?.[1]).filter(Boolean).map(Number);
        expect(allocated.length).toBeGreaterThan(0);
        expect(Math.max(...allocated)).toBeLessThan(limit / (1024 * 1024));
        const next = await runToEnd(configFor("hello"));
        expect(next.status.reason).toBe(ExitReason.Completed);
      }, TEST_MS);

      if (wasm) test("a spinning guest over its CPU limit is stopped while an HTTP pod keeps answering", async () => {
        const web = configFor("http-echo", { ports: [{ containerPort: 8080, protocol: "TCP" }] });
        const server = await start(web);
        const spinner = await start(configFor("spin", { resources: { cpuLimitMillis: 200 } }));
        let done = false;
        const spun = spinner.exited.finally(() => {
          done = true;
        });
        let answered = 0;
        while (!done) {
          const response = await within(fetch(`http://${web.podIP}:8080/during`), "a request during the spin");
          expect(await response.text()).toContain("served=1");
          answered++;
        }
        const status = await within(spun, "the spinner to be stopped");
        expect(status.reason).toBe(ExitReason.CPULimitExceeded);
        expect(status.exitCode).not.toBe(0);
        expect(answered).toBeGreaterThan(0);
        await server.stop(0);
      }, TEST_MS);

      test("stopping a command that never ends kills it after the grace period", async () => {
        const config = configFor("spin");
        const handle = await start(config);
        const status = await within(handle.stop(500), "stop of a spinner");
        expect(status.exitCode).not.toBe(0);
        expect(status.reason).toBe(ExitReason.Error);
        expect(await within(handle.exited, "exited")).toEqual(status);
      }, TEST_MS);

      test("stop after exit returns the same status", async () => {
        const handle = await start(configFor("hello"));
        const status = await within(handle.exited, "exit");
        expect(await handle.stop(1000)).toEqual(status);
      }, TEST_MS);
    });
  });
}
