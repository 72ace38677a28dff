// The agent must run on a machine with no control-plane code: nothing under
// node-agent/src imports control-plane/. Tests reach the API through the
// e2e harness (e2e/harness/in-process-api.ts) instead.
import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = import.meta.dir;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

test("no file of the agent imports control-plane code", () => {
  const offenders = files(root).filter((file) => /from\s+["'][^"']*control-plane\//.test(readFileSync(file, "utf8")) || /import\(\s*["'][^"']*control-plane\//.test(readFileSync(file, "utf8")));
  expect(offenders.map((f) => relative(root, f))).toEqual([]);
});

// An idle agent's resident memory grows with every package it loads: tar
// (unpacking Linux layers) waits for the first Linux image, and kubeconfigs
// are read with Bun's own YAML parser.
test("starting the agent loads neither tar nor the yaml package", () => {
  const code = `await import(${JSON.stringify(join(root, "main.ts"))}); console.log(JSON.stringify(Object.keys(require.cache)))`;
  const child = Bun.spawnSync([process.execPath, "-e", code], { stdout: "pipe", stderr: "pipe" });
  expect(child.exitCode).toBe(0);
  const loaded = JSON.parse(child.stdout.toString()) as string[];
  expect(loaded.some((path) => path.endsWith(join("node-agent", "src", "agent.ts")))).toBe(true);
  expect(loaded.filter((path) => /node_modules\/(tar|yaml)\//.test(path))).toEqual([]);
});

// The wasmtime addon (~9 MB resident once loaded and its engine started) waits for
// the first Wasm pod: at start the agent only checks that the file is built. Read
// from /proc/self/maps (what the dynamic loader mapped) and require.cache alike;
// the child then starts the engine, to show the check sees a loaded addon.
test("starting the agent does not load the wasmtime addon", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "ledge-imports-"));
  try {
    const code = `
      const { defaultComponents } = await import(${JSON.stringify(join(root, "components.ts"))});
      const { findNativeWasmtime } = await import(${JSON.stringify(join(root, "runtime/wasmtime/native.ts"))});
      const loaded = () => (require("node:fs").readFileSync("/proc/self/maps", "utf8").includes("ledge_wasmtime.node") || Object.keys(require.cache).some((p) => p.endsWith(".node")));
      const built = findNativeWasmtime().ok;
      const { runtimes } = defaultComponents(${JSON.stringify(dataDir)}, built ? "wasmtime" : "auto");
      const atStart = loaded();
      const wasmtime = runtimes.find((r) => r.name === "wasmtime");
      if (wasmtime) wasmtime.engineInfo;
      console.log(JSON.stringify({ built, atStart, afterFirstUse: loaded(), engines: runtimes.map((r) => r.name) }));`;
    const child = Bun.spawnSync([process.execPath, "-e", code], { stdout: "pipe", stderr: "pipe", env: { ...process.env, LEDGE_WASMTIME_CACHE: join(dataDir, "wasmtime-cache") } });
    if (child.exitCode !== 0) throw new Error(`the child failed (exit ${child.exitCode}): ${child.stderr.toString()}`);
    const result = JSON.parse(child.stdout.toString()) as { built: boolean; atStart: boolean; afterFirstUse: boolean; engines: string[] };
    expect(result.atStart).toBe(false);
    if (result.built) {
      expect(result.engines[0]).toBe("wasmtime");
      expect(result.afterFirstUse).toBe(true);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
