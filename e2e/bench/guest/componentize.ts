// Child-process entry for bench:agent: turns the core module clang built from
// http-echo.c into a component (`wasm-tools component embed` + `new`, as jco
// ships them). A child of its own for the same reason as
// node-agent/src/runtime/testdata/build-component.ts: the WIT tooling is a
// transpiled component that reads the WIT folder only once "/" is preopened in
// the process-global preview2 shim.
import { componentEmbed, componentNew } from "@bytecodealliance/jco-transpile/wasm-tools";
import { _setPreopens } from "@bytecodealliance/preview2-shim/filesystem";

const [corePath, witPath, world, outPath] = process.argv.slice(2) as [string, string, string, string];
(_setPreopens as (preopens: Record<string, string>) => void)({ "/": "/" });
const embedded = await componentEmbed({ binary: new Uint8Array(await Bun.file(corePath).arrayBuffer()), witPath, world });
await Bun.write(outPath, await componentNew(embedded, []));
// The shim's I/O worker would otherwise keep this process alive.
process.exit(0);
