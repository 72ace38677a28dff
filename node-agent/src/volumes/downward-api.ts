// downwardAPI: the pod's own metadata and its containers' resources as files.
import { join } from "node:path";
import type { Volume } from "../../../schemas/index.ts";
import { fieldValue, resourceValue } from "../pods/containers/env.ts";
import { DEFAULT_FILE_MODE, type ProjectedFile, writeProjection } from "./projection.ts";
import { MountError, type VolumeContext, type VolumePlugin } from "./volume-plugin.ts";

type Source = NonNullable<Volume["downwardAPI"]>;
type Item = NonNullable<Source["items"]>[number];

/** Fields a volume may show: metadata only, since status changes would rewrite files under the app (the kubelet's rule). */
const VOLUME_FIELDS = /^metadata\.(name|namespace|uid|labels|annotations)$|^metadata\.(labels|annotations)\['.+'\]$/;

export function downwardApiFiles(context: VolumeContext, volume: string, items: Item[], defaultMode: number): ProjectedFile[] {
  return items.map((item) => {
    let value: string;
    if (item.fieldRef) {
      if (!VOLUME_FIELDS.test(item.fieldRef.fieldPath)) throw new MountError(volume, `unsupported fieldPath in a downwardAPI volume: ${item.fieldRef.fieldPath}`);
      value = fieldValue(context.pod, item.fieldRef.fieldPath, context);
    } else if (item.resourceFieldRef) {
      const { containerName, resource, divisor } = item.resourceFieldRef;
      const container = context.pod.spec?.containers.find((c) => c.name === containerName);
      if (!container) throw new MountError(volume, `resourceFieldRef of ${item.path} names no container of the pod ("${containerName ?? ""}")`);
      value = String(resourceValue(container, resource, divisor, context.nodeAllocatable));
    } else {
      throw new MountError(volume, `item ${item.path} has neither fieldRef nor resourceFieldRef`);
    }
    return { path: item.path, data: Buffer.from(value, "utf8"), mode: item.mode ?? defaultMode };
  });
}

export const downwardApi: VolumePlugin<Source> = {
  readOnly: true,
  refreshes: true,
  async setUp(context, name, source) {
    const dir = join(context.podVolumesDir, "downward-api", name);
    writeProjection(dir, downwardApiFiles(context, name, source.items ?? [], source.defaultMode ?? DEFAULT_FILE_MODE));
    return dir;
  },
};
