import { describe, expect, test } from "bun:test";
import { capDefinedMemories, MemoryLimitError, moduleMemories, WASM_PAGE_BYTES } from "./memory-limit.ts";

const MiB = 1024 * 1024;

/** A minimal module: optionally an imported memory, then defined memories with (initial, maximum?) pages. */
function moduleWith(defined: [number, number?][], imported?: [number, number?]): Uint8Array {
  const limits = ([initial, maximum]: [number, number?]) => (maximum === undefined ? [0x00, initial] : [0x01, initial, maximum]);
  const sections: number[] = [];
  if (imported) {
    const body = [1, 3, ..."env".split("").map((c) => c.charCodeAt(0)), 6, ..."memory".split("").map((c) => c.charCodeAt(0)), 0x02, ...limits(imported)];
    sections.push(2, body.length, ...body);
  }
  if (defined.length > 0) {
    const body = [defined.length, ...defined.flatMap(limits)];
    sections.push(5, body.length, ...body);
  }
  // A custom section after the memory section must survive the rewrite.
  sections.push(0, 4, 3, 0x61, 0x62, 0x63);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...sections]);
}

describe("capDefinedMemories", () => {
  test.each([
    ["no maximum gets the limit", [[2]], 1 * MiB, [{ initial: 2, maximum: 16, shared: false }]],
    ["a larger maximum is lowered", [[2, 100]], 1 * MiB, [{ initial: 2, maximum: 16, shared: false }]],
    ["a smaller maximum is kept", [[2, 8]], 1 * MiB, [{ initial: 2, maximum: 8, shared: false }]],
    ["the limit rounds down to whole pages", [[1]], WASM_PAGE_BYTES * 3 + 1, [{ initial: 1, maximum: 3, shared: false }]],
  ] as const)("%s", (_name, defined, limit, expected) => {
    const capped = capDefinedMemories(moduleWith(defined.map((d) => [...d] as [number, number?])), limit);
    expect(moduleMemories(capped).defined).toEqual(expected.map((e) => ({ ...e })));
    expect(WebAssembly.validate(capped)).toBe(true);
  });

  test("a module that needs more memory at start than the limit cannot run", () => {
    expect(() => capDefinedMemories(moduleWith([[32]]), 1 * MiB)).toThrow(MemoryLimitError);
  });

  test("Bun enforces the rewritten maximum", () => {
    const capped = capDefinedMemories(moduleWith([[1]]), 2 * WASM_PAGE_BYTES);
    // The test module exports nothing, so grow a memory with the same limits instead.
    const [limits] = moduleMemories(capped).defined;
    const memory = new WebAssembly.Memory({ initial: limits!.initial, maximum: limits!.maximum });
    memory.grow(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  test("imported memories are reported, not rewritten", () => {
    const bytes = moduleWith([], [1, 10]);
    expect(moduleMemories(bytes).imported).toEqual([{ module: "env", name: "memory", initial: 1, maximum: 10, shared: false }]);
    expect(capDefinedMemories(bytes, MiB)).toBe(bytes);
  });

  test("non-modules are refused", () => {
    expect(() => moduleMemories(new TextEncoder().encode("not wasm at all"))).toThrow(MemoryLimitError);
  });
});
