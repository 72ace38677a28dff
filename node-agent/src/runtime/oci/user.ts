// Who the container's process runs as: securityContext.runAsUser/runAsGroup over
// the image config's User ("name", "uid", "name:group", "uid:gid"), names looked
// up in the image's own /etc/passwd and /etc/group, as Docker and containerd do.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeError } from "../runtime.ts";

export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function readDb(rootfs: string, file: string): string[][] {
  let text = "";
  try {
    text = readFileSync(join(rootfs, "etc", file), "utf8");
  } catch {
    return []; // an image without /etc/passwd (scratch) has only numeric users
  }
  return text
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => line.split(":"));
}

const isNumeric = (s: string) => /^\d+$/.test(s);

export function resolveUser(rootfs: string, imageUser: string | undefined, runAsUser?: number, runAsGroup?: number): ProcessUser {
  const passwd: PasswdEntry[] = readDb(rootfs, "passwd").map((f) => ({ name: f[0] ?? "", uid: Number(f[2]), gid: Number(f[3]), home: f[5] || "/" }));
  const groups = readDb(rootfs, "group").map((f) => ({ name: f[0] ?? "", gid: Number(f[2]), members: (f[3] ?? "").split(",").filter(Boolean) }));
  const [userPart, groupPart] = (imageUser ?? "").split(":", 2) as [string, string | undefined];
  let entry: PasswdEntry | undefined;
  let uid = 0;
  if (runAsUser !== undefined) {
    uid = runAsUser;
    entry = passwd.find((p) => p.uid === uid);
  } else if (userPart) {
    entry = isNumeric(userPart) ? passwd.find((p) => p.uid === Number(userPart)) : passwd.find((p) => p.name === userPart);
    if (!entry && !isNumeric(userPart)) throw new RuntimeError("InvalidImage", `user "${userPart}" of the image is not in its /etc/passwd`);
    uid = entry?.uid ?? Number(userPart);
  } else {
    entry = passwd.find((p) => p.uid === 0);
  }
  let gid = entry?.gid ?? 0;
  if (runAsGroup !== undefined) gid = runAsGroup;
  else if (groupPart && runAsUser === undefined) {
    const group = isNumeric(groupPart) ? { gid: Number(groupPart) } : groups.find((g) => g.name === groupPart);
    if (!group) throw new RuntimeError("InvalidImage", `group "${groupPart}" of the image is not in its /etc/group`);
    gid = group.gid;
  }
  // The primary group first, then the user's memberships, as containerd passes them.
  const memberships = entry ? groups.filter((g) => g.members.includes(entry.name) && g.gid !== gid).map((g) => g.gid) : [];
  const additionalGids = [gid, ...memberships];
  return { uid, gid, additionalGids, home: entry?.home ?? "/" };
}
