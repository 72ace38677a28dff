// Runs a WASI preview-1 command module (its _start) to completion.
import type { CriLogWriter } from "../../cri-log.ts";
import { capDefinedMemories, moduleMemories, WASM_PAGE_BYTES } from "../memory-limit.ts";
import { type Outcome, outcomeOf } from "./outcome.ts";
import type { Imports, RunnerConfig } from "./protocol.ts";
import { UnsupportedArtifact } from "./unsupported.ts";
import { Preview1Host } from "./preview1.ts";

export function prepareModule(bytes: Uint8Array, config: RunnerConfig, log: CriLogWriter) {
  const limit = config.memoryLimitBytes;
  const module = new WebAssembly.Module(limit === undefined ? bytes : capDefinedMemories(bytes, limit));
  if (!WebAssembly.Module.exports(module).some((e) => e.name === "_start" && e.kind === "function")) {
    throw new UnsupportedArtifact("the module exports no _start: only WASI command modules run as pods");
  }
  const host = new Preview1Host({
    args: config.args,
    env: config.env,
    preopens: config.preopens,
    stdout: (bytes) => log.write("stdout", bytes),
    stderr: (bytes) => log.write("stderr", bytes),
  });
  const imports: Imports = { wasi_snapshot_preview1: host.imports(module) };
  // A module built with --import-memory gets a memory from us, capped the same way.
  for (const memory of moduleMemories(bytes).imported) {
    const maximum = Math.min(memory.maximum ?? 65536, limit === undefined ? 65536 : Math.floor(limit / WASM_PAGE_BYTES));
    (imports[memory.module] ??= {})[memory.name] = new WebAssembly.Memory({ initial: memory.initial, maximum, shared: memory.shared });
  }
  for (const entry of WebAssembly.Module.imports(module)) {
    if (!imports[entry.module]?.[entry.name]) {
      throw new UnsupportedArtifact(`the module imports ${entry.module}.${entry.name}, which WASI preview 1 does not provide`);
    }
  }
  return { module, host, imports };
}

export function runModule(prepared: ReturnType<typeof prepareModule>, memoryLimitBytes: number | undefined): Outcome {
  const { module, host, imports } = prepared;
  const memories: WebAssembly.Memory[] = [];
  try {
    const instance = new WebAssembly.Instance(module, imports);
    const exported = instance.exports.memory;
    const imported = Object.values(imports).flatMap((ns) => Object.values(ns)).find((v) => v instanceof WebAssembly.Memory);
    host.memory = exported instanceof WebAssembly.Memory ? exported : (imported as WebAssembly.Memory | undefined);
    if (host.memory) memories.push(host.memory);
    (instance.exports._start as () => void)();
    return { exitCode: 0, reason: "Completed" };
  } catch (error) {
    return outcomeOf(error, memories, memoryLimitBytes);
  }
}
