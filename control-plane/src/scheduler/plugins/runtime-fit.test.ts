import { describe, expect, test } from "bun:test";
import type { Pod } from "../../../../schemas/index.ts";
import { makeNode, makePod } from "../builders.ts";
import { filterReasons, snapshotOf } from "../plugin-harness.ts";
import {
  create,
  DEFAULT_OCI_RUNTIME_CLASSES,
  DEFAULT_WASM_RUNTIME_CLASSES,
  ERR_REASON_NO_OCI,
  ERR_REASON_NO_WASM,
  OCI_RUNTIME_LABEL,
  POD_RUNTIME_KEY,
  podRuntime,
  type Runtime,
  WASM_RUNTIME_LABEL,
} from "./runtime-fit.ts";

const nodes = () =>
  snapshotOf([
    makeNode("wasm-only", { labels: { [WASM_RUNTIME_LABEL]: "true" } }),
    makeNode("oci-only", { labels: { [OCI_RUNTIME_LABEL]: "true" } }),
    makeNode("both", { labels: { [WASM_RUNTIME_LABEL]: "true", [OCI_RUNTIME_LABEL]: "true" } }),
    makeNode("wasm-off", { labels: { [WASM_RUNTIME_LABEL]: "false", [OCI_RUNTIME_LABEL]: "true" } }),
    makeNode("hollow"),
  ]);

const runtimeClass = (name: string): Pod => makePod("p", { spec: { runtimeClassName: name } });

describe("podRuntime", () => {
  const wasm = new Set<string>(DEFAULT_WASM_RUNTIME_CLASSES);
  const oci = new Set<string>(DEFAULT_OCI_RUNTIME_CLASSES);
  test.each<[string, Pod, Runtime | undefined]>([
    ["no runtime class: OCI", makePod("p"), "oci"],
    ["runtimeClassName wasm", runtimeClass("wasm"), "wasm"],
    ["runtimeClassName wasmtime", runtimeClass("wasmtime"), "wasm"],
    ["runtimeClassName jco", runtimeClass("jco"), "wasm"],
    ["runtimeClassName runc", runtimeClass("runc"), "oci"],
    ["an unknown runtime class is left to its own nodeSelector", runtimeClass("kata"), undefined],
    ["the annotation", makePod("p", { annotations: { [POD_RUNTIME_KEY]: "wasm" } }), "wasm"],
    ["the label", makePod("p", { labels: { [POD_RUNTIME_KEY]: "wasm" } }), "wasm"],
    ["a known runtime class beats the annotation", makePod("p", { annotations: { [POD_RUNTIME_KEY]: "wasm" }, spec: { runtimeClassName: "runc" } }), "oci"],
  ])("%s", (_, pod, expected) => {
    expect(podRuntime(pod, wasm, oci)).toBe(expected);
  });
});

describe("filter", () => {
  test.each<[string, Pod, Record<string, string>]>([
    ["a Wasm pod", runtimeClass("wasmtime"), { "wasm-only": "", "oci-only": ERR_REASON_NO_WASM, both: "", "wasm-off": ERR_REASON_NO_WASM, hollow: "" }],
    ["an OCI pod", makePod("p"), { "wasm-only": ERR_REASON_NO_OCI, "oci-only": "", both: "", "wasm-off": "", hollow: "" }],
    ["an annotated Wasm pod", makePod("p", { annotations: { [POD_RUNTIME_KEY]: "wasm" } }), { "wasm-only": "", "oci-only": ERR_REASON_NO_WASM, both: "", "wasm-off": ERR_REASON_NO_WASM, hollow: "" }],
    ["an unknown runtime class goes anywhere", runtimeClass("kata"), { "wasm-only": "", "oci-only": "", both: "", "wasm-off": "", hollow: "" }],
  ])("%s", (_, pod, expected) => {
    expect(filterReasons(create(), pod, nodes())).toEqual(expected);
  });

  test("runtime classes are configurable", () => {
    const plugin = create({ wasmRuntimeClasses: ["spin"] });
    expect(filterReasons(plugin, runtimeClass("spin"), nodes(), ["oci-only", "wasm-only"])).toEqual({ "oci-only": ERR_REASON_NO_WASM, "wasm-only": "" });
  });
});
