// Child-process entry for fixtures.ts: compiles Wasm files into the tests'
// wasmtime cache (argv: the cache directory, then the files), through the
// runtime's own compile-and-cache path, so an agent started on that directory
// (LEDGE_WASMTIME_CACHE) loads them instead of compiling. A process of its own
// because the engine is one per process and keeps the first cache directory it
// is given: the test process must stay free to start its own on another.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadNativeWasmtime } from "../wasmtime/native.ts";
import { WasmtimeRuntime } from "../wasmtime/wasmtime-runtime.ts";

const [cacheDir, ...paths] = process.argv.slice(2);
if (!cacheDir) throw new Error("usage: precompile.ts CACHE_DIR FILE…");
const runtime = new WasmtimeRuntime(
  () => {
    const load = loadNativeWasmtime();
    if (!load.ok) throw new Error(load.reason);
    return load.native;
  },
  { cacheDir },
);
for (const path of paths) {
  const digest = `sha256:${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
  await runtime.precompile({ reference: path, digest, kind: "wasm-component", path });
}
process.exit(0);
