// `ledge image push|import`: publish a Wasm module or component, a root file
// system directory or a layer tar without other tools, to a registry or (for
// an air-gapped node) straight into an agent's local store. The control plane's
// CLI loads this module only for the `image` command (its usage text lives there).
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildImage } from "./build-image.ts";
import { credentialsFromDockerConfig, type Credentials } from "./credentials.ts";
import { ImageError } from "./errors.ts";
import { imageStoreRoot, OciImageService } from "./oci-image-service.ts";
import { pushImage } from "./push.ts";
import { parseReference } from "./reference.ts";

/** Bad arguments: the CLI prints usage and exits 2. */
export class ImageUsageError extends Error {}

const OPTIONS = {
  name: { type: "string" },
  "data-dir": { type: "string" },
  "plain-http": { type: "boolean" },
  username: { type: "string" },
  "password-stdin": { type: "boolean" },
} as const;

function checkedReference(text: string | undefined, what: string): string {
  if (!text) throw new ImageUsageError(`${what} is missing`);
  try {
    parseReference(text);
  } catch (error) {
    throw new ImageUsageError((error as Error).message);
  }
  return text;
}

async function loginFor(reference: string, username: string | undefined, passwordStdin: boolean | undefined): Promise<Credentials | undefined> {
  if (username !== undefined || passwordStdin) {
    if (!username || !passwordStdin) throw new ImageUsageError("--username and --password-stdin go together");
    const password = (await new Response(Bun.stdin.stream()).text()).replace(/\r?\n$/, "");
    return { username, password };
  }
  const dockerConfig = join(process.env.DOCKER_CONFIG ?? join(homedir(), ".docker"), "config.json");
  if (!existsSync(dockerConfig)) return undefined;
  return credentialsFromDockerConfig(JSON.parse(readFileSync(dockerConfig, "utf8")), parseReference(reference));
}

export async function runImageCommand(args: string[], out: { write(text: string): unknown } = process.stdout): Promise<void> {
  const [verb, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new ImageUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (verb === "push") {
    if (positionals.length !== 2) throw new ImageUsageError("ledge image push takes FILE_OR_DIR and REF");
    const [source, refText] = positionals as [string, string];
    const reference = checkedReference(refText, "REF");
    const credentials = await loginFor(reference, values.username, values["password-stdin"]);
    const registry = parseReference(reference).registry;
    const image = await buildImage(resolve(source));
    try {
      const pushed = await pushImage(image, reference, { credentials, plainHttpRegistries: values["plain-http"] ? [registry] : [] });
      out.write(`pushed ${reference} (${image.kind}) as ${pushed.digest}\n`);
    } catch (error) {
      if (error instanceof ImageError && error.code === "Unauthorized" && !credentials) {
        throw new ImageError("Unauthorized", `${error.message}; log in with --username U --password-stdin`, { cause: error });
      }
      throw error;
    } finally {
      image.dispose();
    }
    return;
  }
  if (verb === "import") {
    if (positionals.length !== 1) throw new ImageUsageError("ledge image import takes one FILE_OR_DIR, and --name REF");
    const reference = checkedReference(values.name, "--name REF");
    const dataDir = resolve(values["data-dir"] ?? join(homedir(), ".ledge", "agent"));
    const image = await buildImage(resolve(positionals[0]!));
    try {
      const resolved = await new OciImageService({ root: imageStoreRoot(dataDir) }).import(image, reference);
      out.write(`imported ${reference} (${resolved.kind}) as ${resolved.digest} into ${imageStoreRoot(dataDir)}\n`);
    } finally {
      image.dispose();
    }
    return;
  }
  throw new ImageUsageError(verb ? `unknown image command "${verb}"` : "ledge image needs push or import");
}
