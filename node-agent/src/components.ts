// The agent's composition root for what runs pods: the runtimes this machine
// offers and the image store. The one place that picks implementations, used
// by `ledge agent` and by the agent inside `ledge up` alike.
import { homedir } from "node:os";
import { join } from "node:path";
import type { ImageService } from "./images/image-service.ts";
import { imageStoreRoot, OciImageService } from "./images/oci-image-service.ts";
import { detectCgroups } from "./runtime/oci/cgroups.ts";
import { RuncRuntime } from "./runtime/oci/runc-runtime.ts";
import type { Runtime } from "./runtime/runtime.ts";
import { JcoWasmRuntime } from "./runtime/wasm/jco-wasm-runtime.ts";
import { findNativeWasmtime, loadNativeWasmtime } from "./runtime/wasmtime/native.ts";
import { WasmtimeRuntime } from "./runtime/wasmtime/wasmtime-runtime.ts";

export interface Components {
  runtimes: Runtime[];
  images: ImageService;
}

/** Which Wasm engine runs pods that name no RuntimeClass: wasmtime when built ("auto"), or the one named. */
export type WasmEngineChoice = "auto" | "wasmtime" | "jco";
export const WASM_ENGINE_CHOICES: readonly WasmEngineChoice[] = ["auto", "wasmtime", "jco"];

let reportedMissing = false;

/**
 * Both Wasm engines when wasmtime is built, the default one first (the runtime
 * selector takes the first that runs an artifact; RuntimeClass handlers "jco"
 * and "wasmtime" pick either); jco alone otherwise. Only the addon's file is
 * checked here: the library is loaded and its engine started with the first
 * Wasm pod wasmtime runs (~9 MB an idle agent does without).
 */
export function wasmRuntimes(dataDir: string, choice: WasmEngineChoice = "auto", log: (message: string) => void = console.warn): Runtime[] {
  const jco = new JcoWasmRuntime({ cacheDir: join(dataDir, "wasm-cache") });
  const found = findNativeWasmtime();
  if (!found.ok) {
    if (choice === "wasmtime") throw new Error(`--wasm-engine wasmtime: ${found.reason}`);
    if (!reportedMissing) log(`ledge agent: ${found.reason}; Wasm pods run on the jco engine`);
    reportedMissing = true;
    return [jco];
  }
  const wasmtime = new WasmtimeRuntime(
    () => {
      const load = loadNativeWasmtime(found.path);
      if (!load.ok) throw new Error(load.reason);
      return load.native;
    },
    { cacheDir: wasmtimeCacheDir() },
  );
  return choice === "jco" ? [jco, wasmtime] : [wasmtime, jco];
}

/**
 * Compiled Wasm, shared by every agent of this user: entries are keyed by the
 * sha256 of the Wasm bytes and the engine build, so a new data dir (or `ledge up`
 * in a test) finds what another compiled; Cranelift takes seconds to minutes
 * for a 12 MB JS guest.
 */
export function wasmtimeCacheDir(): string {
  return process.env.LEDGE_WASMTIME_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "ledge", "wasmtime");
}

/** Wasm always; runc when this machine can run it (root, the runc binary, a cgroup file system). */
export function defaultComponents(dataDir: string, wasmEngine: WasmEngineChoice = "auto"): Components {
  const runtimes: Runtime[] = wasmRuntimes(dataDir, wasmEngine);
  if (runcAvailable()) runtimes.push(new RuncRuntime({ root: join(dataDir, "oci") }));
  return { runtimes, images: new OciImageService({ root: imageStoreRoot(dataDir) }) };
}

function runcAvailable(): boolean {
  return process.getuid?.() === 0 && Bun.which("runc") !== null && detectCgroups().version !== 0;
}
