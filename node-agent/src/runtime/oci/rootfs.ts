// Each container's own root file system over the shared, read-only image rootfs:
// an overlay mount (image as lowerdir, a per-container upperdir in the bundle),
// so containers never see each other's writes and starting one copies nothing.
// Where overlayfs cannot be mounted (no kernel support, a data dir on a file
// system overlay refuses, a path overlay's option syntax cannot carry), the
// image is copied instead: slower and bigger, but the same isolation.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

export type RootfsMode = "overlay" | "copy";

async function run(argv: string[]): Promise<{ ok: boolean; output: string }> {
  const child = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { ok: code === 0, output: (out + err).trim() };
}

/** Makes bundle/rootfs from the image rootfs; says how. */
export async function prepareRootfs(bundle: string, image: string): Promise<RootfsMode> {
  const target = join(bundle, "rootfs");
  const upper = join(bundle, "upper");
  const work = join(bundle, "work");
  for (const dir of [target, upper, work]) mkdirSync(dir, { recursive: true });
  if (!/[,:\\]/.test(image + bundle)) {
    const mounted = await run(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${image},upperdir=${upper},workdir=${work}`, target]);
    if (mounted.ok) return "overlay";
  }
  const copied = await run(["cp", "-a", "--reflink=auto", `${image}/.`, target]);
  if (!copied.ok) throw new Error(`cannot make a rootfs from ${image}: ${copied.output}`);
  return "copy";
}

/** Unmounts (if need be) and deletes the container's rootfs and everything else in its bundle. */
export async function releaseBundle(bundle: string, mode: RootfsMode | undefined): Promise<void> {
  if (mode === "overlay") {
    const unmounted = await run(["umount", join(bundle, "rootfs")]);
    // Busy (a process of ours still has a file open there): detach it now, the kernel frees it later.
    if (!unmounted.ok && !/not mounted|no mount point/.test(unmounted.output)) await run(["umount", "-l", join(bundle, "rootfs")]);
  }
  rmSync(bundle, { recursive: true, force: true });
}
