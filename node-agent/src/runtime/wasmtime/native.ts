// The wasmtime addon (node-agent/native/wasmtime), loaded once per process:
// an N-API library built by cargo, or absent when this machine had no Rust
// toolchain at install time, in which case the agent runs Wasm pods with jco.
// The agent only checks at start that the file is there (findNativeWasmtime) and
// loads it with its first Wasm pod: loading and starting the engine costs ~9 MB
// of resident memory that an idle agent has no use for.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

/** What the addon exports (src/lib.rs); JSON crosses the boundary, never a request. */
export interface NativeWasmtime {
  init(options: string): string;
  version(): string;
  start(config: string): Promise<number>;
  wait(id: number): Promise<string>;
  stop(id: number, graceMs: number): void;
  stats(id: number): string | null;
  precompile(path: string, digest: string): Promise<void>;
  benchInstantiate(path: string, digest: string, iterations: number): Promise<string>;
}

export const ADDON_PATH = resolve(import.meta.dir, "../../../native/wasmtime/ledge_wasmtime.node");
const BUILD_COMMAND = "bun node-agent/native/wasmtime/build.ts";

export type NativeLoad = { ok: true; native: NativeWasmtime } | { ok: false; reason: string };

let loaded: NativeLoad | undefined;

/** Whether the addon is built, without loading it: its path, or why there is none. */
export function findNativeWasmtime(path = defaultAddonPath()): { ok: true; path: string } | { ok: false; reason: string } {
  if (existsSync(path)) return { ok: true, path };
  const hasCargo = Bun.which("cargo") !== null || existsSync(join(process.env.HOME ?? "/", ".cargo/bin/cargo"));
  return {
    ok: false,
    reason: hasCargo
      ? `the wasmtime engine is not built (${path} is missing): run \`${BUILD_COMMAND}\` or \`bun install\``
      : "the wasmtime engine is not built: this machine has no Rust toolchain (cargo)",
  };
}

const defaultAddonPath = () => process.env.LEDGE_WASMTIME_ADDON ?? ADDON_PATH;

export function loadNativeWasmtime(path = defaultAddonPath()): NativeLoad {
  if (loaded) return loaded;
  const found = findNativeWasmtime(path);
  if (!found.ok) {
    loaded = found;
    return loaded;
  }
  try {
    loaded = { ok: true, native: createRequire(import.meta.url)(path) as NativeWasmtime };
  } catch (error) {
    loaded = { ok: false, reason: `the wasmtime engine at ${path} does not load: ${(error as Error).message}` };
  }
  return loaded;
}
