// configMap: the ConfigMap's keys (or the items chosen) as files.
import { join } from "node:path";
import type { Volume } from "../../../schemas/index.ts";
import { ObjectUnavailableError } from "../state/object-source.ts";
import { DEFAULT_FILE_MODE, type ProjectedFile, writeProjection } from "./projection.ts";
import { MountError, type VolumeContext, type VolumePlugin } from "./volume-plugin.ts";

type Source = NonNullable<Volume["configMap"]>;
type KeyToPath = NonNullable<Source["items"]>[number];

/** The files a ConfigMap projects; shared with projected volumes. */
export async function configMapFiles(
  context: VolumeContext,
  volume: string,
  source: { name?: string; items?: KeyToPath[]; optional?: boolean },
  defaultMode: number,
): Promise<ProjectedFile[]> {
  const namespace = context.pod.metadata?.namespace ?? "default";
  const configMap = await context.objects.configMap(namespace, source.name ?? "").catch((error: unknown) => {
    if (error instanceof ObjectUnavailableError) throw new MountError(volume, error.message, { cause: error });
    throw error;
  });
  if (!configMap) {
    if (source.optional) return [];
    throw new MountError(volume, `configmap "${source.name}" not found`);
  }
  const contents = new Map<string, Uint8Array>();
  for (const [key, value] of Object.entries(configMap.data ?? {})) contents.set(key, Buffer.from(value, "utf8"));
  for (const [key, value] of Object.entries(configMap.binaryData ?? {})) contents.set(key, Buffer.from(value as string, "base64"));
  return itemsOf(volume, contents, source.items, defaultMode, source.optional ?? false, "configmap references non-existent config key");
}

/** Every key as a file of its name, or just the items asked for. */
export function itemsOf(
  volume: string,
  contents: Map<string, Uint8Array>,
  items: KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
  missing: string,
): ProjectedFile[] {
  if (!items?.length) return [...contents].map(([key, data]) => ({ path: key, data, mode: defaultMode }));
  const files: ProjectedFile[] = [];
  for (const item of items) {
    const data = contents.get(item.key);
    if (data === undefined) {
      if (optional) continue;
      throw new MountError(volume, `${missing}: ${item.key}`);
    }
    files.push({ path: item.path, data, mode: item.mode ?? defaultMode });
  }
  return files;
}

export const configMap: VolumePlugin<Source> = {
  readOnly: true,
  refreshes: true,
  async setUp(context, name, source) {
    const dir = join(context.podVolumesDir, "configmap", name);
    writeProjection(dir, await configMapFiles(context, name, source, source.defaultMode ?? DEFAULT_FILE_MODE));
    return dir;
  },
};
