// Which Wasm engine runs a pod: the first offered unless its RuntimeClass names one.
import { describe, expect, test } from "bun:test";
import type { Pod } from "../../../schemas/index.ts";
import { RuntimeSelector, RuntimeSelectionError } from "./runtime-selector.ts";
import type { ArtifactKind, ResolvedImage, Runtime } from "./runtime.ts";

const engine = (name: string, kinds: ArtifactKind[]): Runtime => ({
  name,
  handles: (kind) => kinds.includes(kind),
  start: () => Promise.reject(new Error("not started in this test")),
});
const WASM: ArtifactKind[] = ["wasm-module", "wasm-component"];
const image: ResolvedImage = { reference: "localhost/x", digest: "sha256:00", kind: "wasm-component", path: "/x.wasm" };
const pod = (runtimeClassName?: string) => ({ spec: { containers: [], ...(runtimeClassName ? { runtimeClassName } : {}) } }) as unknown as Pod;
const classes: Record<string, string> = { wasm: "wasm", fast: "wasmtime", portable: "jco", oci: "runc" };
const objects = { runtimeClass: async (name: string) => (classes[name] ? { handler: classes[name] } : undefined) } as never;

describe("RuntimeSelector with two Wasm engines", () => {
  const both = new RuntimeSelector([engine("wasmtime", WASM), engine("jco", WASM)], objects);
  const jcoOnly = new RuntimeSelector([engine("jco", WASM)], objects);

  test.each([
    ["no RuntimeClass: the node's default (first) engine", both, undefined, "wasmtime"],
    ["handler wasm: the node's default engine", both, "wasm", "wasmtime"],
    ["handler wasm where only jco is built", jcoOnly, "wasm", "jco"],
    ["handler wasmtime", both, "fast", "wasmtime"],
    ["handler jco", both, "portable", "jco"],
    ["handler wasmtime where only jco is built", jcoOnly, "fast", "jco"],
  ] as const)("%s", async (_name, selector, className, expected) => {
    expect((await selector.select(pod(className), image)).name).toBe(expected);
  });

  test("a handler no runtime here serves is refused", async () => {
    await expect(both.select(pod("oci"), image)).rejects.toBeInstanceOf(RuntimeSelectionError);
  });
});
