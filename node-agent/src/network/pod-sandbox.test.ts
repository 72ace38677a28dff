import { expect, test } from "bun:test";
import type { Pod } from "../../../schemas/index.ts";
import type { ArtifactKind, Runtime } from "../runtime/runtime.ts";
import { sandboxKindOf } from "./pod-sandbox.ts";

const runtime = (name: string, kinds: ArtifactKind[]) => ({ name, handles: (kind: ArtifactKind) => kinds.includes(kind) }) as unknown as Runtime;
const jco = runtime("jco", ["wasm-component", "wasm-module"]);
const runc = runtime("runc", ["oci-rootfs"]);
const classes: Record<string, string> = { wasm: "jco", wasmtime: "wasmtime", oci: "runc", custom: "jco" };
const pod = (runtimeClassName?: string) => ({ spec: { containers: [], ...(runtimeClassName ? { runtimeClassName } : {}) } }) as unknown as Pod;

test.each([
  ["a Wasm RuntimeClass", "wasm", [jco, runc], "host"],
  ["a Wasm handler this node lacks", "wasmtime", [jco, runc], "host"],
  ["an OCI RuntimeClass", "oci", [jco, runc], "netns"],
  ["no RuntimeClass on a node with runc", undefined, [jco, runc], "netns"],
  ["no RuntimeClass on a Wasm-only node", undefined, [jco], "host"],
  ["a RuntimeClass that does not exist", "missing", [jco, runc], "netns"],
] as const)("%s: %s", async (_, className, runtimes, kind) => {
  const inputs = { runtimes, runtimeClass: async (name: string) => (classes[name] ? { handler: classes[name] } : undefined) };
  expect(await sandboxKindOf(pod(className), inputs)).toBe(kind);
});
