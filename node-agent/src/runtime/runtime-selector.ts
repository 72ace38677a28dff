// Which runtime runs a container: the pod's RuntimeClass handler when it
// names one (jco and wasmtime are both Wasm engines, so either serves a pod
// asking for the other when only one is here), else the first runtime that
// runs the pulled artifact's kind.
import type { Pod } from "../../../schemas/index.ts";
import type { ObjectSource } from "../state/object-source.ts";
import type { ArtifactKind, ContainerHandle, ResolvedImage, Runtime } from "./runtime.ts";

/**
 * A runtime whose containers outlive the agent (runc's do): a restarted
 * agent re-attaches to them by id instead of starting them again. Not (yet)
 * part of the Runtime interface; taken when a runtime offers it.
 */
export interface Recoverable {
  recover(id: string): Promise<ContainerHandle | undefined>;
  /** Ids of every container it still has, so those no pod claims can be removed. */
  list(): string[];
}

export const isRecoverable = (runtime: Runtime): runtime is Runtime & Recoverable =>
  typeof (runtime as Partial<Recoverable>).recover === "function" && typeof (runtime as Partial<Recoverable>).list === "function";

/** "runc://abc" → the runtime's name and the container's id. */
export function parseContainerID(containerID: string): { runtime: string; id: string } | undefined {
  const match = /^([^:]+):\/\/(.+)$/.exec(containerID);
  return match ? { runtime: match[1]!, id: match[2]! } : undefined;
}

/** "wasm" names no engine: the node's default one (the first Wasm runtime offered). */
export const WASM_HANDLERS: ReadonlySet<string> = new Set(["wasm", "jco", "wasmtime"]);
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

  /** Whether the container (by its containerID) lives on when the agent stops. */
  survivesAgent(containerID: string): boolean {
    const parsed = parseContainerID(containerID);
    const runtime = parsed && this.runtimes.find((r) => r.name === parsed.runtime);
    return runtime !== undefined && isRecoverable(runtime);
  }

  /** Re-attaches to a container an earlier agent started, when its runtime can. */
  async recover(containerID: string): Promise<ContainerHandle | undefined> {
    const parsed = parseContainerID(containerID);
    const runtime = parsed && this.runtimes.find((r) => r.name === parsed.runtime);
    if (!parsed || !runtime || !isRecoverable(runtime)) return undefined;
    return runtime.recover(parsed.id);
  }

  /** Stops the containers of recoverable runtimes that no pod claims (left by an agent that stopped mid-way). */
  async removeUnclaimed(claimed: ReadonlySet<string>, log: (message: string) => void): Promise<void> {
    for (const runtime of this.runtimes) {
      if (!isRecoverable(runtime)) continue;
      for (const id of runtime.list()) {
        if (claimed.has(`${runtime.name}://${id}`)) continue;
        const handle = await runtime.recover(id).catch(() => undefined);
        if (!handle) continue;
        log(`agent: removing container ${runtime.name}://${id}, which no pod on this node claims`);
        await handle.stop(0);
      }
    }
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
    if (WASM_HANDLERS.has(handler)) return this.runtimes.find((r) => WASM_HANDLERS.has(r.name) || WASM_KINDS.some((k) => r.handles(k)));
    if (OCI_HANDLERS.has(handler)) return this.runtimes.find((r) => OCI_HANDLERS.has(r.name));
    return undefined;
  }
}
