// exec probes: a command run inside the container through its runtime;
// exit code 0 passes.
import type { ContainerHandle } from "../runtime/runtime.ts";
import type { ProbeResult } from "./probe-result.ts";
import { failure, success } from "./probe-result.ts";

export async function execProbe(handle: ContainerHandle, command: string[], timeoutMs: number): Promise<ProbeResult> {
  if (!handle.exec) return failure("exec probes are not supported by this container's runtime");
  try {
    const { exitCode, output } = await handle.exec(command, timeoutMs);
    return exitCode === 0 ? success(output) : failure(output.trim() || `command ${JSON.stringify(command)} exited with ${exitCode}`);
  } catch (error) {
    return failure(`command ${JSON.stringify(command)} failed: ${(error as Error).message}`);
  }
}
