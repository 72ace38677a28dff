// One pod container's process. JcoWasmRuntime spawns it so that a guest which
// spins, traps or exhausts memory takes down only this process: a spinning Wasm
// call cannot be interrupted from JS (Worker.terminate does not stop it), but a
// process can be SIGKILLed, throttled with SIGSTOP and measured in /proc.
import { dlopen, FFIType } from "bun:ffi";
import { readFileSync, writeSync } from "node:fs";
import { CriLogWriter } from "../../cri-log.ts";
import { ExitReason } from "../../runtime.ts";
import type { Outcome } from "./outcome.ts";
import { INVALID_IMAGE_EXIT_CODE, type RunnerConfig, type RunnerMessage } from "./protocol.ts";
import { prepareModule, runModule } from "./run-module.ts";
import { UnsupportedArtifact } from "./unsupported.ts";

const IDLE_COLLECT_MS = 250;

function send(message: RunnerMessage): void {
  writeSync(1, `${JSON.stringify(message)}\n`);
}

const config = JSON.parse(await Bun.stdin.text()) as RunnerConfig;
const log = new CriLogWriter(config.logPath);

function finish(outcome: Outcome): never {
  log.close();
  send({ type: "exit", ...outcome });
  process.exit(outcome.exitCode);
}

dieWithAgent(config.agentPid);

/**
 * No orphans: when the agent is gone nobody enforces this pod's limits, and a
 * spinning guest would never get back to a JS timer to notice. Linux delivers
 * SIGKILL on the parent's death (PR_SET_PDEATHSIG); elsewhere a timer checks,
 * which covers guests that return to the event loop.
 */
function dieWithAgent(agent: number): void {
  try {
    const libc = dlopen("libc.so.6", { prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 } });
    const PR_SET_PDEATHSIG = 1;
    if (libc.symbols.prctl(PR_SET_PDEATHSIG, 9n, 0n, 0n, 0n) === 0) {
      // The agent may have died before the call took effect.
      if (process.ppid !== agent) process.exit(137);
      return;
    }
  } catch {
    // Not glibc Linux: fall through to polling.
  }
  setInterval(() => {
    if (process.ppid !== agent) process.exit(137);
  }, 1000).unref();
}

const isComponent = (bytes: Uint8Array) => bytes[4] === 0x0d && bytes[6] === 0x01;

try {
  const bytes = new Uint8Array(readFileSync(config.wasmPath));
  if (isComponent(bytes)) {
    // Only component pods pay for loading the preview2 shim.
    const { prepareComponent, runCommand, serveHttp } = await import("./run-component.ts");
    const component = await prepareComponent(bytes, config, log);
    if (component.mode === "http" && config.listen) {
      // Each request leaves a dead instance with megabytes of linear memory that
      // only a collection returns; collect once requests pause, so an idle pod
      // is small again instead of waiting for allocation pressure.
      let collect: ReturnType<typeof setTimeout> | undefined;
      await serveHttp(component, config.listen, log, {
        before: () => send({ type: "busy" }),
        after: () => {
          send({ type: "idle" });
          clearTimeout(collect);
          collect = setTimeout(() => Bun.gc(true), IDLE_COLLECT_MS);
        },
      });
      // Requests run one at a time on this thread, so when this handler runs no
      // guest is mid-request; whatever the worker is still streaming is cut off.
      process.on("SIGTERM", () => finish({ exitCode: 0, reason: ExitReason.Completed }));
      send({ type: "started", mode: "http" });
    } else {
      send({ type: "started", mode: "command" });
      finish(runCommand(component, config.memoryLimitBytes));
    }
  } else {
    const prepared = prepareModule(bytes, config, log);
    send({ type: "started", mode: "command" });
    finish(runModule(prepared, config.memoryLimitBytes));
  }
} catch (error) {
  const invalid = error instanceof UnsupportedArtifact || error instanceof WebAssembly.CompileError;
  finish({
    exitCode: invalid ? INVALID_IMAGE_EXIT_CODE : 1,
    reason: ExitReason.Error,
    message: error instanceof Error ? error.message : String(error),
  });
}
