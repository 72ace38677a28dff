// The Runtime contract on the wasmtime engine, plus what is wasmtime's own: one
// engine per node, compiled artifacts cached on disk across engines.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeContract } from "../runtime.contract.ts";
import { buildFixtures, fixtureWasmtimeCacheDir, imageOf } from "../testdata/fixtures.ts";
import { loadNativeWasmtime } from "./native.ts";
import { WasmtimeRuntime } from "./wasmtime-runtime.ts";

const load = loadNativeWasmtime();
// CI builds the addon (.ci/run), so there a missing one is a failure, not a skip.
if (!load.ok && process.env.CI) throw new Error(load.reason);
if (!load.ok) console.warn(`wasmtime-runtime.test.ts: skipped: ${load.reason}`);

// The engine is one per process and keeps the first cache directory it is given: one for the whole
// file, the one buildFixtures() compiles the JS components into, so that tests load compiled
// fixtures as a restarted agent does.
const cacheDir = fixtureWasmtimeCacheDir;

// 200m × 1.5 s = 300 ms of CPU in one guest call before a runaway is stopped, as the jco test uses.
const open = () => {
  if (!load.ok) throw new Error(load.reason);
  return new WasmtimeRuntime(load.native, { cacheDir, cpuRunawayWindowMs: 1500 });
};

/**
 * The contract's runtime, with the fixtures compiled beforehand, as an agent
 * restart finds them in its disk cache (buildFixtures() compiled the JS ones
 * there): Cranelift takes tens of seconds for a 12 MB JS guest on a busy
 * two-core machine, longer than the contract's start deadline, which is about
 * starting, not compiling.
 */
const openWarm = async () => {
  const runtime = open();
  for (const fixture of Object.values(await buildFixtures())) await runtime.precompile(imageOf(fixture));
  return runtime;
};

describe("WasmtimeRuntime given a loader", () => {
  test("loads the addon with its first pod, and fails that pod when it cannot", async () => {
    let calls = 0;
    const runtime = new WasmtimeRuntime(
      () => {
        calls += 1;
        throw new Error("the wasmtime engine at /nowhere does not load");
      },
      { cacheDir: join(tmpdir(), "ledge-wasmtime-unused") },
    );
    expect(calls).toBe(0);
    const started = runtime.start({
      id: "lazy", podUid: "lazy", podName: "lazy", namespace: "default", containerName: "hello",
      image: { reference: "localhost/hello", digest: "sha256:00", kind: "wasm-module", path: "/nowhere.wasm" },
      env: {}, mounts: [], ports: [], podIP: "127.0.0.1", resources: {},
      logPath: join(tmpdir(), "ledge-wasmtime-unused", "lazy.log"),
    });
    await expect(started).rejects.toMatchObject({ code: "StartFailed", message: expect.stringContaining("does not load") });
    expect(calls).toBe(1);
  });
});

if (load.ok) {
  runtimeContract({ name: "wasmtime", open: openWarm });

  describe("WasmtimeRuntime", () => {
    let scratch: string;
    let runtime: WasmtimeRuntime;

    beforeAll(() => {
      scratch = mkdtempSync(join(tmpdir(), "ledge-wasmtime-runtime-"));
      runtime = open();
    });
    afterAll(async () => {
      await runtime.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    test("handles Wasm artifacts only", () => {
      expect(runtime.handles("wasm-module")).toBe(true);
      expect(runtime.handles("wasm-component")).toBe(true);
      expect(runtime.handles("oci-rootfs")).toBe(false);
    });

    test("compiles on first use and keeps the artifact on disk, by content digest and engine build", async () => {
      // A module no engine has seen (hello plus a custom section of random bytes): a real
      // compile, not one the fixture build or an earlier run already left in the cache.
      const { hello } = await buildFixtures();
      const path = join(scratch, "hello-unique.wasm");
      writeFileSync(path, Buffer.concat([readFileSync(hello.path), customSection("ledge-test", crypto.getRandomValues(new Uint8Array(16)))]));
      const hex = createHash("sha256").update(readFileSync(path)).digest("hex");
      const cached = () => readdirSync(cacheDir).filter((f) => f.includes(hex) && f.includes(`.module.wasmtime${runtime.engineInfo.version}-`) && f.endsWith(".cwasm"));
      expect(cached()).toEqual([]);
      try {
        const handle = await runtime.start({
          id: "cached", podUid: "cached", podName: "cached", namespace: "default", containerName: "hello",
          image: { reference: "localhost/hello-unique", digest: `sha256:${hex}`, kind: "wasm-module", path },
          env: {}, mounts: [], ports: [], podIP: "127.0.0.1", resources: {},
          logPath: join(scratch, "logs", "cached.log"),
        });
        expect((await handle.exited).exitCode).toBe(0);
        expect(cached()).toHaveLength(1);
      } finally {
        for (const file of cached()) rmSync(join(cacheDir, file), { force: true });
      }
    }, 60_000);
  });
}

/** A Wasm custom section (id 0): any module stays valid with one appended. */
function customSection(name: string, payload: Uint8Array): Uint8Array {
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n) byte |= 0x80;
      out.push(byte);
    } while (n);
    return out;
  };
  const nameBytes = new TextEncoder().encode(name);
  const body = [...leb(nameBytes.length), ...nameBytes, ...payload];
  return new Uint8Array([0, ...leb(body.length), ...body]);
}
