// Runs a Wasm component: transpiled once per image digest into the on-disk
// cache (jco), its core modules compiled once per runner, and instantiated per
// run — once for wasi:cli/run, once per request for wasi:http/incoming-handler.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WASIShim } from "@bytecodealliance/preview2-shim/instantiation";
import { monotonicClock } from "@bytecodealliance/preview2-shim/clocks";
import { streams } from "@bytecodealliance/preview2-shim/io";
import type { CriLogWriter, LogStream } from "../../cri-log.ts";
import { ExitReason } from "../../runtime.ts";
import { capDefinedMemories } from "../memory-limit.ts";
import { guardedFilesystem } from "./guarded-filesystem.ts";
import { type Outcome, outcomeOf } from "./outcome.ts";
import { ProcExit } from "./preview1.ts";
import type { Imports, RunnerConfig } from "./protocol.ts";
import { UnsupportedArtifact } from "./unsupported.ts";

/** Bump when transpile options or the layout of a cache entry change. */
const CACHE_FORMAT = "jco-transpile-0.15-sync-1";

type Exports = Record<string, Record<string, (...args: unknown[]) => unknown>>;
type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (module: WebAssembly.Module, imports: Imports) => WebAssembly.Instance,
) => Exports;

interface Transpiled {
  dir: string;
  exports: string[];
}

/** The transpiled component for this digest, made now if no runner made it before. */
async function transpiled(bytes: Uint8Array, config: RunnerConfig): Promise<Transpiled> {
  const dir = join(config.cacheDir, "components", `${config.digest.replace(/[^a-zA-Z0-9]/g, "-")}-${CACHE_FORMAT}`);
  const meta = join(dir, "meta.json");
  if (!existsSync(meta)) {
    // Loaded only on a miss: the bindgen it carries costs a runner ~20 MB.
    const { transpileBytes } = await import("@bytecodealliance/jco-transpile");
    const { files, exports } = await transpileBytes(bytes, { name: "component", instantiation: { tag: "sync" } as never });
    const staging = `${dir}.${process.pid}.tmp`;
    mkdirSync(staging, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      if (name.endsWith(".js") || name.endsWith(".wasm")) writeFileSync(join(staging, name), content);
    }
    writeFileSync(join(staging, "meta.json"), JSON.stringify({ exports: exports.map(([name]) => name) }));
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another replica published the same digest first; theirs is as good.
      if (!existsSync(meta)) throw error;
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return { dir, exports: (JSON.parse(readFileSync(meta, "utf8")) as { exports: string[] }).exports };
}

/** Guest stdout/stderr into the pod's log, synchronously (the shim's own streams go to the runner's). */
function logStream(log: CriLogWriter, stream: LogStream) {
  const Base = streams.OutputStream as unknown as new () => object;
  class LogOutputStream extends Base {
    checkWrite() {
      return 1n << 20n;
    }
    write(bytes: Uint8Array) {
      log.write(stream, bytes);
    }
    blockingWriteAndFlush(bytes: Uint8Array) {
      log.write(stream, bytes);
    }
    flush() {}
    blockingFlush() {}
    writeZeroes(length: bigint) {
      log.write(stream, new Uint8Array(Number(length)));
    }
    blockingWriteZeroesAndFlush(length: bigint) {
      log.write(stream, new Uint8Array(Number(length)));
    }
    subscribe() {
      return monotonicClock.subscribeDuration(0n);
    }
  }
  return new LogOutputStream();
}

function importsFor(config: RunnerConfig, log: CriLogWriter): Record<string, unknown> {
  const shim = new WASIShim({ sandbox: { preopens: {}, env: config.env, args: config.args, enableNetwork: false } });
  const imports = shim.getImportObject() as Record<string, unknown>;
  const stdout = logStream(log, "stdout");
  const stderr = logStream(log, "stderr");
  const fs = guardedFilesystem(config.preopens);
  const env = Object.entries(config.env);
  return {
    ...imports,
    "wasi:cli/stdout": { getStdout: () => stdout },
    "wasi:cli/stderr": { getStderr: () => stderr },
    "wasi:cli/environment": {
      getEnvironment: () => env,
      getArguments: () => config.args,
      // The shim would answer with the runner's own host directory.
      initialCwd: () => config.workingDir,
    },
    "wasi:cli/exit": {
      exit: (status: { tag: string }) => {
        throw new ProcExit(status.tag === "err" ? 1 : 0);
      },
      exitWithCode: (code: number) => {
        throw new ProcExit(code);
      },
    },
    "wasi:filesystem/types": fs.types,
    "wasi:filesystem/preopens": fs.preopens,
    // The shim's own refusal is a bare string the bindings cannot lower.
    "wasi:http/outgoing-handler": {
      handle() {
        throw { tag: "HTTP-request-denied" };
      },
    },
  };
}

export interface PreparedComponent {
  mode: "command" | "http";
  instantiate(): { exports: Exports; memories: WebAssembly.Memory[] };
  exportName: string;
}

export async function prepareComponent(bytes: Uint8Array, config: RunnerConfig, log: CriLogWriter): Promise<PreparedComponent> {
  const { dir, exports } = await transpiled(bytes, config);
  const http = exports.find((name) => name.startsWith("wasi:http/incoming-handler@"));
  const run = exports.find((name) => name.startsWith("wasi:cli/run@"));
  const exportName = http && config.listen ? http : run;
  if (!exportName) {
    throw new UnsupportedArtifact(
      http ? "the component exports wasi:http/incoming-handler but the container declares no containerPort" : "the component exports neither wasi:cli/run nor wasi:http/incoming-handler",
    );
  }
  const limit = config.memoryLimitBytes;
  const modules = new Map<string, WebAssembly.Module>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".wasm"))) {
    const core = new Uint8Array(readFileSync(join(dir, name)));
    modules.set(name, new WebAssembly.Module(limit === undefined ? core : capDefinedMemories(core, limit)));
  }
  const { instantiate } = (await import(join(dir, "component.js"))) as { instantiate: Instantiate };
  const imports = importsFor(config, log);
  return {
    mode: exportName === http ? "http" : "command",
    exportName,
    instantiate() {
      const memories: WebAssembly.Memory[] = [];
      const exported = instantiate(
        (name) => modules.get(name) ?? (() => { throw new Error(`missing core module ${name}`); })(),
        imports,
        (module, moduleImports) => {
          const instance = new WebAssembly.Instance(module, moduleImports);
          for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memories.push(value);
          return instance;
        },
      );
      return { exports: exported, memories };
    },
  };
}

/** wasi:cli/run: run() to completion. */
export function runCommand(component: PreparedComponent, memoryLimitBytes: number | undefined): Outcome {
  let memories: WebAssembly.Memory[] = [];
  try {
    const instance = component.instantiate();
    memories = instance.memories;
    instance.exports[component.exportName]!.run!();
    return { exitCode: 0, reason: ExitReason.Completed };
  } catch (error) {
    // jco throws a ComponentError when run() returns its error variant.
    if (error instanceof Error && error.name === "ComponentError") {
      return { exitCode: 1, reason: ExitReason.Error, message: "run returned an error" };
    }
    return outcomeOf(error, memories, memoryLimitBytes);
  }
}

interface HttpTypes {
  Fields: new () => object;
  OutgoingResponse: new (headers: object) => { setStatusCode(code: number): void; body(): object };
  OutgoingBody: { finish(body: object, trailers: undefined): void };
  ResponseOutparam: { set(param: object, response: { tag: string; val: unknown }): void };
}

/**
 * wasi:http/incoming-handler on podIP:containerPort, a fresh instance per
 * request as `wasmtime serve` and Spin do. The shim's server runs node:http on
 * its I/O worker thread and hands each request to this thread, one at a time.
 */
export async function serveHttp(
  component: PreparedComponent,
  listen: { hostname: string; port: number },
  log: CriLogWriter,
  around: { before(): void; after(): void },
): Promise<{ stop(): void }> {
  const { HTTPServer, types } = (await import("@bytecodealliance/preview2-shim/http")) as unknown as {
    HTTPServer: new (handler: { handle(request: object, out: object): void }) => { listen(port: number, host: string): void; stop(): void };
    types: HttpTypes;
  };
  const answered = new WeakSet<object>();
  const originalSet = types.ResponseOutparam.set.bind(types.ResponseOutparam);
  const internalError = (param: object) => {
    const response = new types.OutgoingResponse(new types.Fields());
    response.setStatusCode(500);
    const body = response.body();
    originalSet(param, { tag: "ok", val: response });
    types.OutgoingBody.finish(body, undefined);
  };
  // The shim answers a guest's error response by exiting the process; a pod must
  // survive a failed request, so an error becomes a 500 as in wasmtime serve.
  types.ResponseOutparam.set = (param, response) => {
    answered.add(param);
    if (response.tag === "ok") originalSet(param, response);
    else internalError(param);
  };
  const server = new HTTPServer({
    handle(request, out) {
      around.before();
      try {
        const instance = component.instantiate();
        instance.exports[component.exportName]!.handle!(request, out);
      } catch (error) {
        const outcome = outcomeOf(error, [], undefined);
        log.write("stderr", new TextEncoder().encode(`request failed: ${outcome.message ?? error}\n`));
      } finally {
        if (!answered.has(out)) internalError(out);
        around.after();
      }
    },
  });
  server.listen(listen.port, listen.hostname);
  return server;
}
