// A wasi:cli/run command: prints its arguments and GREETING, and exits with
// an error status when FAIL is set, so components run through the same exit
// code, env and log checks as preview-1 modules.
import { getArguments, getEnvironment } from "wasi:cli/environment@0.2.10";
import { exit } from "wasi:cli/exit@0.2.10";

export const run = {
  run() {
    const env = Object.fromEntries(getEnvironment());
    console.log(`component args=${getArguments().join(",")} greeting=${env.GREETING ?? ""}`);
    if (env.FAIL) exit({ tag: "err", val: undefined });
  },
};
