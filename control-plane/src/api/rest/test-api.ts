// For tests beside the REST verbs: the API through app.request() on an in-memory PGlite store.
import { openStore } from "../../storage/open.ts";
import { createApp } from "../app.ts";
import { bootstrap } from "../bootstrap.ts";
import { DEFAULT_MAX_BODY_BYTES } from "../request-body.ts";

export type Json = Record<string, any>;

export interface TestResponse {
  status: number;
  json: Json;
  text: string;
  headers: Headers;
}

export interface TestApi {
  /** A request with a JSON (or, given a string, verbatim) body; content-type application/json unless `headers` says otherwise. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  /** A fresh namespace. */
  namespace(): Promise<string>;
  /** Errors the API answered with 500. */
  internalErrors: unknown[];
  close(): Promise<void>;
}

/** `overHttp`: requests go through a real Bun.serve, as clients' do, not app.request(). */
export async function startTestApi(options: { overHttp?: boolean } = {}): Promise<TestApi> {
  const store = await openStore();
  const internalErrors: unknown[] = [];
  const app = createApp({ store, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, onInternalError: (e) => internalErrors.push(e) });
  await bootstrap(app);
  const server = options.overHttp ? Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch }) : undefined;
  const send = (path: string, init: RequestInit): Promise<Response> =>
    server ? fetch(`http://127.0.0.1:${server.port}${path}`, init) : Promise.resolve(app.request(path, init));
  let counter = 0;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> => {
    const init: RequestInit = { method, headers: { "content-type": "application/json", ...headers } };
    if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
    const response = await send(path, init);
    const text = await response.text();
    let json: Json = {};
    try {
      json = JSON.parse(text);
    } catch {
      json = { text };
    }
    return { status: response.status, json, text, headers: response.headers };
  };
  return {
    call,
    internalErrors,
    async namespace() {
      const name = `t-${++counter}`;
      const r = await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
      if (r.status !== 201) throw new Error(`creating namespace ${name}: ${r.status} ${r.text}`);
      return name;
    },
    async close() {
      await server?.stop(true);
      await store.close();
    },
  };
}
