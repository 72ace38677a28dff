// How a guest's end becomes an exit status, the same for modules and components.
import { ExitReason } from "../../runtime.ts";
import { ProcExit } from "./preview1.ts";

/** Exit code of a trapped guest: 128 + SIGABRT, as wasmtime's CLI reports a trap. */
export const TRAP_EXIT_CODE = 134;
/** Exit code of a guest stopped for memory: 128 + SIGKILL, as Kubernetes reports OOMKilled. */
export const OOM_EXIT_CODE = 137;

export interface Outcome {
  exitCode: number;
  reason: string;
  message?: string;
}

/**
 * Memories the guest grew to within this fraction of their cap count as
 * exhausted: a failed memory.grow is invisible to the host, but a guest that
 * traps right there almost certainly died of it (malloc → NULL → abort).
 */
const NEAR_CAP = 1 / 8;

function nearCap(memories: readonly WebAssembly.Memory[], limitBytes: number | undefined): boolean {
  if (limitBytes === undefined) return false;
  return memories.some((m) => limitBytes - m.buffer.byteLength < Math.max(limitBytes * NEAR_CAP, 1 << 20));
}

export function outcomeOf(error: unknown, memories: readonly WebAssembly.Memory[], memoryLimitBytes: number | undefined): Outcome {
  if (error instanceof ProcExit) {
    return { exitCode: error.code, reason: error.code === 0 ? ExitReason.Completed : ExitReason.Error };
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (error instanceof RangeError && /out of memory/i.test(error.message)) {
    return { exitCode: OOM_EXIT_CODE, reason: ExitReason.OOMKilled, message: text };
  }
  if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError) {
    if (nearCap(memories, memoryLimitBytes)) {
      return { exitCode: OOM_EXIT_CODE, reason: ExitReason.OOMKilled, message: `memory limit reached: ${text}` };
    }
    return { exitCode: TRAP_EXIT_CODE, reason: ExitReason.Error, message: `wasm trap: ${text}` };
  }
  return { exitCode: 1, reason: ExitReason.Error, message: text };
}
