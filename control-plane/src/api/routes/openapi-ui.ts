// A human-readable API reference at /openapi/ui/: Swagger UI (swagger-ui-dist's
// static assets) over the same /openapi/v3 documents clients use, with a
// selector of group versions.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Hono } from "hono";
import { openApiV3Index } from "../../../../schemas/openapi.ts";
import { ApiError } from "../errors.ts";

const ASSET_DIR = dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));

/** The only files served from the package, with their types: nothing else under it is reachable. */
const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "index.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-16x16.png": "image/png",
  "favicon-32x32.png": "image/png",
};

export const UI_PATH = "/openapi/ui/";

/** Asset paths are absolute, so the page works at /openapi/ui and /openapi/ui/ alike. */
const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Ledge API reference</title>
    <link rel="stylesheet" type="text/css" href="${UI_PATH}swagger-ui.css" />
    <link rel="stylesheet" type="text/css" href="${UI_PATH}index.css" />
    <link rel="icon" type="image/png" href="${UI_PATH}favicon-32x32.png" sizes="32x32" />
    <link rel="icon" type="image/png" href="${UI_PATH}favicon-16x16.png" sizes="16x16" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${UI_PATH}swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="${UI_PATH}swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="${UI_PATH}initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;

/** One entry per served group version, core first, as /openapi/v3 indexes them. */
function initializer(): string {
  const urls = Object.entries(openApiV3Index().paths).map(([name, { serverRelativeURL }]) => ({ name, url: serverRelativeURL }));
  // validatorUrl null: Swagger UI would otherwise send every document to validator.swagger.io.
  const config = { urls, "urls.primaryName": urls[0]?.name, dom_id: "#swagger-ui", deepLinking: true, layout: "StandaloneLayout", validatorUrl: null };
  return `window.onload = function () {
  window.ui = SwaggerUIBundle(Object.assign(${JSON.stringify(config)}, {
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
  }));
};
`;
}

/** Files never change while the process runs: each is read once, when first asked for. */
const cache = new Map<string, Uint8Array | string>();
const once = (key: string, make: () => Uint8Array | string) => {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
};

const page = () => new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" } });

export const openapiUi = new Hono()
  .get("/openapi/ui", page)
  .get(UI_PATH, page)
  .get(`${UI_PATH}initializer.js`, () =>
    new Response(once("initializer.js", initializer), { headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" } }),
  )
  .get(`${UI_PATH}:asset`, (c) => {
    const name = c.req.param("asset");
    const type = ASSETS[name];
    if (!type) throw new ApiError(404, "NotFound", `no such file in the API reference: ${JSON.stringify(name)}`, {});
    const body = once(name, () => readFileSync(join(ASSET_DIR, name)));
    return new Response(body, { headers: { "content-type": type, "cache-control": "public, max-age=3600" } });
  });
