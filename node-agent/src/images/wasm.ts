// Telling a Wasm component from a core module by its preamble: "\0asm", then a
// 16-bit version and a 16-bit layer; layer 0 is a core module (version 1),
// layer 1 a component (version 0x0d during the component model's pre-1.0 life).
import type { ArtifactKind } from "../runtime/runtime.ts";

export function wasmKindOf(bytes: Uint8Array): Extract<ArtifactKind, "wasm-module" | "wasm-component"> | undefined {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return undefined;
  const layer = bytes[6]! | (bytes[7]! << 8);
  if (layer === 0) return "wasm-module";
  if (layer === 1) return "wasm-component";
  return undefined;
}

/** Reads just the preamble of a file. */
export async function wasmKindOfFile(path: string): Promise<ReturnType<typeof wasmKindOf>> {
  return wasmKindOf(new Uint8Array(await Bun.file(path).slice(0, 8).arrayBuffer()));
}
