// The engine-neutral Runtime contract on runc, with busybox stand-ins for the Wasm fixtures.
import { runtimeContract } from "../runtime.contract.ts";
import { RuncRuntime } from "./runc-runtime.ts";
import { ociWorkloads } from "./testdata/oci-workloads.ts";

runtimeContract({
  name: "runc",
  open: (scratchDir) => new RuncRuntime({ root: scratchDir }),
  workloads: ociWorkloads,
});
