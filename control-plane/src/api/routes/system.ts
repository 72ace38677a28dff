// /version and the health endpoints.
import { Hono } from "hono";
import type { Store } from "../../storage/store.ts";

/** The Kubernetes version whose API Ledge speaks; kubectl warns on a skew of more than one minor. */
export const KUBERNETES_VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0-ledge" };

export function system(store: Store) {
  const ready = async (): Promise<string | undefined> => {
    try {
      await store.currentRevision();
      return undefined;
    } catch (error) {
      return `[-]storage failed: ${(error as Error).message}`;
    }
  };
  const health = (check: boolean) => async (c: { req: { query(k: string): string | undefined }; text(t: string, s?: 200 | 500): Response }) => {
    const failure = check ? await ready() : undefined;
    const verbose = c.req.query("verbose") !== undefined;
    if (failure) return c.text(`${failure}\n${check ? "readyz" : "healthz"} check failed\n`, 500);
    return c.text(verbose ? "[+]ping ok\n[+]storage ok\nhealthz check passed\n" : "ok");
  };
  return new Hono()
    .get("/version", (c) =>
      c.json({
        ...KUBERNETES_VERSION,
        gitCommit: "ledge",
        gitTreeState: "clean",
        buildDate: "2026-11-01T00:00:00Z",
        goVersion: `bun${Bun.version}`,
        compiler: "bun",
        platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
      }),
    )
    .get("/healthz", health(true))
    .get("/livez", health(false))
    .get("/readyz", health(true))
    .get("/healthz/*", (c) => c.text("ok"))
    .get("/livez/*", (c) => c.text("ok"))
    .get("/readyz/*", (c) => c.text("ok"));
}
