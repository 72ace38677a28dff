// The API reference page: its HTML and assets through app.request(), then the
// page as a person sees it, rendered by headless Chromium against a real server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../storage/open.ts";
import type { SqlStore } from "../../storage/sql/sql-store.ts";
import { createApp } from "../app.ts";

let store: SqlStore;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  store = await openStore();
  app = createApp({ store });
});
afterAll(() => store.close());

describe("/openapi/ui/", () => {
  test.each(["/openapi/ui/", "/openapi/ui"])("%s is an HTML page that loads Swagger UI", async (path) => {
    const response = await app.request(path);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/html");
    const html = await response.text();
    expect(html).toContain('<div id="swagger-ui">');
    expect(html).toContain('src="/openapi/ui/swagger-ui-bundle.js"');
  });

  test("every asset the page names answers 200 with its type", async () => {
    const html = await (await app.request("/openapi/ui/")).text();
    const assets = [...html.matchAll(/(?:href|src)="(\/openapi\/ui\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBe(7);
    for (const asset of assets) {
      const response = await app.request(asset);
      expect(response.status, asset).toBe(200);
      const type = response.headers.get("content-type") ?? "";
      const expected = asset.endsWith(".css") ? "text/css" : asset.endsWith(".js") ? "text/javascript" : "image/png";
      expect(type, asset).toStartWith(expected);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
  });

  test("the initializer offers every /openapi/v3 document, core first", async () => {
    const script = await (await app.request("/openapi/ui/initializer.js")).text();
    const index = (await (await app.request("/openapi/v3")).json()) as { paths: Record<string, { serverRelativeURL: string }> };
    const urls = JSON.parse(/\{"urls":(\[.*?\])/.exec(script)![1]!) as { name: string; url: string }[];
    expect(urls.map((u) => u.name)).toEqual(Object.keys(index.paths));
    expect(urls[0]).toEqual({ name: "api/v1", url: index.paths["api/v1"]!.serverRelativeURL });
    for (const { url } of urls) expect((await app.request(url)).status).toBe(200);
  });

  test("anything else under it is a 404 Status, and nothing outside the package is reachable", async () => {
    for (const path of ["/openapi/ui/package.json", "/openapi/ui/..%2F..%2Fpackage.json", "/openapi/ui/swagger-ui.js.map"]) {
      const response = await app.request(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ kind: "Status", code: 404, reason: "NotFound" });
    }
  });
});

describe("in a browser", () => {
  test("headless Chromium renders the operations of the core group", async () => {
    const chromium = Bun.which("chromium") ?? Bun.which("chromium-browser");
    if (!chromium) throw new Error("chromium is not installed: .ci/run installs it (apt-get install chromium)");
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
    const dir = mkdtempSync(join(tmpdir(), "ledge-openapi-ui-"));
    try {
      const url = `http://127.0.0.1:${server.port}/openapi/ui/`;
      const flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        // The page must need nothing but this server: every other host fails to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        `--user-data-dir=${join(dir, "profile")}`,
        "--window-size=1280,2000",
        "--virtual-time-budget=20000",
      ];
      // The DOM after Swagger UI rendered the document; then a picture of it, for a person to look at.
      const dumped = Bun.spawn([chromium, ...flags, "--dump-dom", url], { stdout: "pipe", stderr: "ignore" });
      const [dom] = await Promise.all([new Response(dumped.stdout).text(), dumped.exited]);
      expect(dom).toContain("opblock-summary");
      expect(dom).toContain("/api/v1/namespaces/{namespace}/configmaps");
      expect(dom).toContain("createCoreV1NamespacedConfigMap");
      const screenshot = join(dir, "openapi-ui.png");
      const shot = Bun.spawn([chromium, ...flags, `--screenshot=${screenshot}`, url], { stdout: "ignore", stderr: "ignore" });
      await shot.exited;
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    } finally {
      await server.stop(true);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
