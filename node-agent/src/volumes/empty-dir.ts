// emptyDir: a fresh directory for the pod's life; medium Memory puts it on tmpfs.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Volume } from "../../../schemas/index.ts";
import type { VolumePlugin } from "./volume-plugin.ts";

export const emptyDir: VolumePlugin<NonNullable<Volume["emptyDir"]>> = {
  readOnly: false,
  refreshes: false,
  async setUp(context, name, source) {
    const dir = source.medium === "Memory" ? join(context.memoryDir, name) : join(context.podVolumesDir, "empty-dir", name);
    mkdirSync(dir, { recursive: true, mode: 0o777 });
    return dir;
  },
};
