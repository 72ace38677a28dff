// Which pods get a network namespace in bridge mode. A pod's network is made
// before its images are pulled, so the artifact's kind is not known yet: the
// RuntimeClass decides (a Wasm handler: the pod's processes run in the node's
// own namespace, so its address goes on the bridge), and a pod naming none
// gets a namespace when this node runs OCI containers at all. A Wasm pod with
// no RuntimeClass on a node that also runs OCI therefore needs one to get a
// reachable address in bridge mode (Krustlet and runwasi ask the same).
import type { Pod } from "../../../schemas/index.ts";
import { WASM_HANDLERS } from "../runtime/runtime-selector.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { SandboxKind } from "./bridge-network.ts";

export interface SandboxInputs {
  runtimes: readonly Runtime[];
  runtimeClass: (name: string) => Promise<{ handler?: string } | undefined>;
}

export async function sandboxKindOf(pod: Pod | undefined, inputs: SandboxInputs): Promise<SandboxKind> {
  const runsWasm = (runtime: Runtime) => runtime.handles("wasm-component") || runtime.handles("wasm-module");
  const className = pod?.spec?.runtimeClassName;
  if (className) {
    const handler = (await inputs.runtimeClass(className))?.handler ?? "";
    const runtime = inputs.runtimes.find((r) => r.name === handler);
    if (WASM_HANDLERS.has(handler) || (runtime && runsWasm(runtime))) return "host";
    return "netns";
  }
  return inputs.runtimes.some((r) => r.handles("oci-rootfs")) ? "netns" : "host";
}
