// OpenAPI documents, generated from schemas/ (the validator's source too).
import { Hono } from "hono";
import { openApiV2, openApiV3Document, openApiV3Hash, openApiV3Index } from "../../../../schemas/openapi.ts";
import { ApiError, notAcceptable } from "../errors.ts";

/** Documents never change while the process runs, so each is encoded once. */
const encoded = new Map<string, string>();
const once = (key: string, make: () => unknown): string => {
  let text = encoded.get(key);
  if (text === undefined) {
    text = JSON.stringify(make());
    encoded.set(key, text);
  }
  return text;
};

const acceptsJson = (accept: string | undefined) =>
  !accept || /application\/json|\*\/\*|application\/\*/.test(accept);

export const openapi = new Hono()
  .get("/openapi/v3", (c) => c.body(once("v3", openApiV3Index), 200, { "content-type": "application/json" }))
  .get("/openapi/v3/*", (c) => {
    const path = c.req.path.slice("/openapi/v3/".length).replace(/\/$/, "");
    const hash = openApiV3Hash(path);
    if (!hash) throw new ApiError(404, "NotFound", `no OpenAPI document for ${path}`, {});
    if (!acceptsJson(c.req.header("accept"))) throw notAcceptable(["application/json"]);
    const etag = `"${hash}"`;
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    const text = once(`v3:${path}`, () => openApiV3Document(path));
    // A request naming the hash may cache the document for good, as Kubernetes allows.
    const cache = c.req.query("hash") === hash ? "public, immutable, max-age=31536000" : "no-cache, private";
    return c.body(text, 200, { "content-type": "application/json", etag, "cache-control": cache });
  })
  .get("/openapi/v2", (c) => {
    if (!acceptsJson(c.req.header("accept"))) throw notAcceptable(["application/json"]);
    return c.body(once("v2", openApiV2), 200, { "content-type": "application/json" });
  });
