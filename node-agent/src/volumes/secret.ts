// secret: the Secret's keys (or the items chosen) as files.
import { join } from "node:path";
import type { Volume } from "../../../schemas/index.ts";
import { ObjectUnavailableError } from "../state/object-source.ts";
import { itemsOf } from "./config-map.ts";
import { DEFAULT_FILE_MODE, type ProjectedFile, writeProjection } from "./projection.ts";
import { MountError, type VolumeContext, type VolumePlugin } from "./volume-plugin.ts";

type Source = NonNullable<Volume["secret"]>;

/** The files a Secret projects; shared with projected volumes. */
export async function secretFiles(
  context: VolumeContext,
  volume: string,
  source: { name?: string; items?: Source["items"]; optional?: boolean },
  defaultMode: number,
): Promise<ProjectedFile[]> {
  const namespace = context.pod.metadata?.namespace ?? "default";
  const secret = await context.objects.secret(namespace, source.name ?? "").catch((error: unknown) => {
    if (error instanceof ObjectUnavailableError) throw new MountError(volume, error.message, { cause: error });
    throw error;
  });
  if (!secret) {
    if (source.optional) return [];
    throw new MountError(volume, `secret "${source.name}" not found`);
  }
  const contents = new Map<string, Uint8Array>();
  for (const [key, value] of Object.entries(secret.data ?? {})) contents.set(key, Buffer.from(value as string, "base64"));
  return itemsOf(volume, contents, source.items, defaultMode, source.optional ?? false, "references non-existent secret key");
}

export const secret: VolumePlugin<Source> = {
  readOnly: true,
  refreshes: true,
  async setUp(context, name, source) {
    const dir = join(context.podVolumesDir, "secret", name);
    writeProjection(dir, await secretFiles(context, name, { ...source, name: source.secretName }, source.defaultMode ?? DEFAULT_FILE_MODE));
    return dir;
  },
};
