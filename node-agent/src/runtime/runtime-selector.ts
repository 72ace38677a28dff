// Which runtime runs a container: the pod's RuntimeClass handler when it
// names one (jco and wasmtime are both Wasm engines, so either serves a pod
// asking for the other when only one is here), else the first runtime that
// runs the pulled artifact's kind.
import type { Pod } from "../../../schemas/index.ts";
import type { ObjectSource } from "../state/object-source.ts";
import type { ArtifactKind, ResolvedImage, Runtime } from "./runtime.ts";

export const WASM_HANDLERS: ReadonlySet<string> = new Set(["jco", "wasmtime"]);
export const OCI_HANDLERS: ReadonlySet<string> = new Set(["runc", "crun"]);
const WASM_KINDS: readonly ArtifactKind[] = ["wasm-module", "wasm-component"];

/** No runtime here can run the container: CreateContainerError, retried with back-off. */
export class RuntimeSelectionError extends Error {
  override readonly name = "RuntimeSelectionError";
}

export class RuntimeSelector {
  constructor(
    readonly runtimes: readonly Runtime[],
    private readonly objects: Pick<ObjectSource, "runtimeClass">,
  ) {}

  get offersWasm(): boolean {
    return this.runtimes.some((r) => WASM_KINDS.some((k) => r.handles(k)));
  }

  get offersOci(): boolean {
    return this.runtimes.some((r) => r.handles("oci-rootfs"));
  }

  async select(pod: Pod, image: ResolvedImage): Promise<Runtime> {
    const className = pod.spec?.runtimeClassName;
    if (className) {
      const runtimeClass = await this.objects.runtimeClass(className);
      if (!runtimeClass) throw new RuntimeSelectionError(`RuntimeClass "${className}" not found`);
      const runtime = this.byHandler(runtimeClass.handler);
      if (!runtime) throw new RuntimeSelectionError(`no runtime for RuntimeClass "${className}" (handler "${runtimeClass.handler}") on this node`);
      if (!runtime.handles(image.kind)) {
        throw new RuntimeSelectionError(`runtime "${runtime.name}" (RuntimeClass "${className}") cannot run image ${image.reference}, a ${image.kind}`);
      }
      return runtime;
    }
    const runtime = this.runtimes.find((r) => r.handles(image.kind));
    if (!runtime) throw new RuntimeSelectionError(`no runtime on this node runs image ${image.reference}, a ${image.kind}`);
    return runtime;
  }

  private byHandler(handler: string): Runtime | undefined {
    const exact = this.runtimes.find((r) => r.name === handler);
    if (exact) return exact;
    if (WASM_HANDLERS.has(handler)) return this.runtimes.find((r) => WASM_HANDLERS.has(r.name));
    if (OCI_HANDLERS.has(handler)) return this.runtimes.find((r) => OCI_HANDLERS.has(r.name));
    return undefined;
  }
}
