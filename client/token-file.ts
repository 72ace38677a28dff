// A bearer token kept in a file, as `--token-file` / `--agent-token-file` name
// it: the credential the API server presents to node agents' log endpoints.
import { readFileSync } from "node:fs";

/** The file's first line, trimmed; an unreadable or empty file is an error naming `flag`. */
export function readTokenFile(path: string, flag: string): string {
  let token: string;
  try {
    token = readFileSync(path, "utf8").split("\n", 1)[0]!.trim();
  } catch (error) {
    throw new Error(`cannot read ${flag} ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!token) throw new Error(`${flag} ${path} is empty (put a token in it, e.g. from \`openssl rand -hex 32\`)`);
  return token;
}
