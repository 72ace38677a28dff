// RuntimeFit (Ledge's own): a pod runs on a node only if the node's agent
// offers the pod's runtime. Agents advertise runtimes with node labels; a node
// that advertises none (hollow nodes, agents predating the labels) is taken
// to run anything.

import type { Pod } from "../../../../schemas/index.ts";
import { LABEL_RUNTIME_OCI, LABEL_RUNTIME_WASM } from "../../../../schemas/well-known-taints.ts";
import { type FilterPlugin, type PluginArgs, type PreFilterPlugin, SKIP, stateKey, stringListArg, SUCCESS, unresolvable } from "../framework.ts";

export const NAME = "RuntimeFit";

/** Node labels an agent sets to "true" for each runtime it can run (defined in schemas/, which the agent shares). */
export const WASM_RUNTIME_LABEL = LABEL_RUNTIME_WASM;
export const OCI_RUNTIME_LABEL = LABEL_RUNTIME_OCI;
/** Pod annotation (or label) naming the runtime when no RuntimeClass does: "wasm" or "oci". */
export const POD_RUNTIME_KEY = "ledge.dev/runtime";

export const ERR_REASON_NO_WASM = "node(s) didn't have the Wasm runtime";
export const ERR_REASON_NO_OCI = "node(s) didn't have the OCI runtime";

// Shared: statuses are immutable and a rejection must not allocate per node.
const NO_WASM = unresolvable(ERR_REASON_NO_WASM);
const NO_OCI = unresolvable(ERR_REASON_NO_OCI);

export const DEFAULT_WASM_RUNTIME_CLASSES = ["wasm", "wasmtime", "jco"] as const;
export const DEFAULT_OCI_RUNTIME_CLASSES = ["runc"] as const;

export type Runtime = "wasm" | "oci";

/**
 * The runtime a pod needs. A RuntimeClass Ledge knows decides; without one the
 * pod's ledge.dev/runtime annotation or label does (the image's media type is
 * out of the scheduler's sight), and otherwise it is an OCI pod. A
 * RuntimeClass Ledge does not know yields undefined: that class's own
 * scheduling.nodeSelector, merged into the pod at admission, places it.
 */
export function podRuntime(pod: Pod, wasmClasses: ReadonlySet<string>, ociClasses: ReadonlySet<string>): Runtime | undefined {
  const runtimeClass = pod.spec?.runtimeClassName;
  if (runtimeClass !== undefined && runtimeClass !== "") {
    if (wasmClasses.has(runtimeClass)) return "wasm";
    if (ociClasses.has(runtimeClass)) return "oci";
    return undefined;
  }
  const declared = pod.metadata?.annotations?.[POD_RUNTIME_KEY] ?? pod.metadata?.labels?.[POD_RUNTIME_KEY];
  return declared === "wasm" ? "wasm" : "oci";
}

const RUNTIME = stateKey<Runtime>("PreFilterRuntimeFit");

/** Args: wasmRuntimeClasses, ociRuntimeClasses (RuntimeClass names). */
export function create(args: PluginArgs = {}): PreFilterPlugin & FilterPlugin {
  const wasmClasses = new Set(stringListArg(args, "wasmRuntimeClasses", DEFAULT_WASM_RUNTIME_CLASSES));
  const ociClasses = new Set(stringListArg(args, "ociRuntimeClasses", DEFAULT_OCI_RUNTIME_CLASSES));
  return {
    name: NAME,
    events: ["NodeAdd", "NodeUpdate"],
    preFilter(state, pod) {
      const runtime = podRuntime(pod, wasmClasses, ociClasses);
      if (runtime === undefined) return SKIP;
      state.write(RUNTIME, runtime);
      return SUCCESS;
    },
    filter(state, _pod, nodeInfo) {
      const wasm = nodeInfo.labels?.[WASM_RUNTIME_LABEL];
      const oci = nodeInfo.labels?.[OCI_RUNTIME_LABEL];
      if (wasm === undefined && oci === undefined) return SUCCESS;
      if (state.read(RUNTIME) === "wasm") return wasm === "true" ? SUCCESS : NO_WASM;
      return oci === "true" ? SUCCESS : NO_OCI;
    },
  };
}
