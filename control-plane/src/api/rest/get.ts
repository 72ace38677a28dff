import { negotiate, objectResponse } from "../negotiate.ts";
import { fetchObject } from "./store-calls.ts";
import type { RestRequest } from "./context.ts";

export async function get(req: RestRequest): Promise<Response> {
  const representation = negotiate(req.request.headers.get("accept"), req.query);
  return objectResponse(await fetchObject(req), representation);
}
