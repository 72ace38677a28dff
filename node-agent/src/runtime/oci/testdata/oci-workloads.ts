// The engine-neutral contract fixtures (../../testdata/c/{hello,fs,spin}.c) as busybox
// shell scripts in a Linux image, printing what the Wasm builds print, so the
// Runtime contract runs on runc too.
import type { NeutralFixture, Workload } from "../../runtime.contract.ts";
import type { ResolvedImage } from "../../runtime.ts";
import { buildBusyboxRootfs } from "./busybox-rootfs.ts";

const HELLO = `
echo "arg[0]=$0"; i=1
for a in "$@"; do echo "arg[$i]=$a"; i=$((i+1)); done
for name in $(echo "$SHOW" | tr , ' '); do eval "v=\\\${$name-(unset)}"; echo "env $name=$v"; done
echo "to stderr" >&2
exit "\${EXIT_CODE:-0}"`;

const FS = `
op=$1; p=$2
fail() { echo "error $op $p: failed"; exit 1; }
case "$op" in
  read) c=$(cat "$p" 2>/dev/null) || fail; echo "ok read $p: $c" ;;
  write) { printf %s "$3" >"$p"; } 2>/dev/null || fail; echo "ok write $p" ;;
  ls) l=$(ls -A "$p" 2>/dev/null) || fail; echo "ok ls $p: "$l ;;
  *) echo "unknown operation $op"; exit 2 ;;
esac`;

const SPIN = `trap '' TERM; while :; do :; done`;

export async function ociWorkloads(scratchDir: string): Promise<Record<NeutralFixture, Workload>> {
  const image: ResolvedImage = { reference: "localhost/ledge-test/busybox:latest", digest: "sha256:0", kind: "oci-rootfs", path: buildBusyboxRootfs(scratchDir) };
  // sh -c SCRIPT NAME: the name is $0 (argv[0] of the Wasm build), the container's args follow.
  return {
    hello: { image, command: ["/bin/sh", "-c", HELLO, "hello"] },
    fs: { image, command: ["/bin/sh", "-c", FS, "fs"] },
    spin: { image, command: ["/bin/sh", "-c", SPIN, "spin"] },
  };
}
