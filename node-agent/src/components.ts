// The agent's composition root for what runs pods: the runtimes this machine
// offers and the image store. The one place that picks implementations, used
// by `ledge agent` and by the agent inside `ledge up` alike.
import { join } from "node:path";
import type { ImageService } from "./images/image-service.ts";
import { imageStoreRoot, OciImageService } from "./images/oci-image-service.ts";
import { detectCgroups } from "./runtime/oci/cgroups.ts";
import { RuncRuntime } from "./runtime/oci/runc-runtime.ts";
import type { Runtime } from "./runtime/runtime.ts";
import { JcoWasmRuntime } from "./runtime/wasm/jco-wasm-runtime.ts";

export interface Components {
  runtimes: Runtime[];
  images: ImageService;
}

/** Wasm always; runc when this machine can run it (root, the runc binary, a cgroup file system). */
export function defaultComponents(dataDir: string): Components {
  const runtimes: Runtime[] = [new JcoWasmRuntime({ cacheDir: join(dataDir, "wasm-cache") })];
  if (runcAvailable()) runtimes.push(new RuncRuntime({ root: join(dataDir, "oci") }));
  return { runtimes, images: new OciImageService({ root: imageStoreRoot(dataDir) }) };
}

function runcAvailable(): boolean {
  return process.getuid?.() === 0 && Bun.which("runc") !== null && detectCgroups().version !== 0;
}
