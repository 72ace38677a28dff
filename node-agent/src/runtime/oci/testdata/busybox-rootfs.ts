// The small Linux root file system the OCI tests run: Debian's static busybox with
// a symlink per applet the tests use, /etc/passwd and /etc/group with an
// unprivileged user, and a world-writable /tmp.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BUSYBOX = "/bin/busybox";

const APPLETS = ["sh", "echo", "cat", "env", "id", "ls", "sleep", "touch", "mkdir", "head", "dd", "true", "false", "kill", "printf", "pwd", "test", "tail", "wc", "rm", "grep", "tr"];

/** Builds the rootfs into `dir` (a new temp dir when absent) and returns it. */
export function buildBusyboxRootfs(dir = mkdtempSync(join(tmpdir(), "ledge-busybox-"))): string {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: apt-get install busybox-static`);
  for (const sub of ["bin", "etc", "tmp", "root", "home/app", "proc", "sys", "dev"]) mkdirSync(join(dir, sub), { recursive: true });
  chmodSync(join(dir, "tmp"), 0o1777);
  copyFileSync(BUSYBOX, join(dir, "bin/busybox"));
  chmodSync(join(dir, "bin/busybox"), 0o755);
  for (const applet of APPLETS) symlinkSync("busybox", join(dir, "bin", applet));
  writeFileSync(join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  writeFileSync(join(dir, "etc/group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n");
  return dir;
}
