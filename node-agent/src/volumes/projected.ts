// projected: ConfigMaps, Secrets and downward API items side by side in one
// directory. Ledge issues no service account tokens yet, so a token
// projection yields no file rather than failing pods copied from elsewhere.
import { join } from "node:path";
import type { Volume } from "../../../schemas/index.ts";
import { configMapFiles } from "./config-map.ts";
import { downwardApiFiles } from "./downward-api.ts";
import { DEFAULT_FILE_MODE, type ProjectedFile, writeProjection } from "./projection.ts";
import { secretFiles } from "./secret.ts";
import type { VolumePlugin } from "./volume-plugin.ts";

type Source = NonNullable<Volume["projected"]>;

export const projected: VolumePlugin<Source> = {
  readOnly: true,
  refreshes: true,
  async setUp(context, name, source) {
    const mode = source.defaultMode ?? DEFAULT_FILE_MODE;
    const files: ProjectedFile[] = [];
    for (const part of source.sources ?? []) {
      if (part.configMap) files.push(...(await configMapFiles(context, name, part.configMap, mode)));
      else if (part.secret) files.push(...(await secretFiles(context, name, part.secret, mode)));
      else if (part.downwardAPI) files.push(...downwardApiFiles(context, name, part.downwardAPI.items ?? [], mode));
    }
    const dir = join(context.podVolumesDir, "projected", name);
    writeProjection(dir, files);
    return dir;
  },
};
