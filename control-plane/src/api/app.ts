// The API server as a Hono app: discovery, system endpoints, OpenAPI and the
// resources. Errors of every route are rendered as Kubernetes Status objects here.
import { Hono } from "hono";
import type { Store } from "../storage/store.ts";
import { ApiError, statusResponse, toStatus } from "./errors.ts";
import { DEFAULT_MAX_BODY_BYTES } from "./request-body.ts";
import { discovery } from "./routes/discovery.ts";
import { openapi } from "./routes/openapi.ts";
import { resources } from "./routes/resources.ts";
import { system } from "./routes/system.ts";

export interface AppOptions {
  store: Store;
  maxBodyBytes?: number;
  /** Reports errors that became 500s (bugs), which the client sees only as InternalError. */
  onInternalError?: (error: unknown) => void;
}

export function createApp(options: AppOptions) {
  const deps = { store: options.store, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES };
  const onInternalError = options.onInternalError ?? ((e) => console.error("internal error:", e));
  const app = new Hono();
  app.onError((error) => {
    const status = toStatus(error);
    if (status.code === 500) onInternalError(error);
    return statusResponse(status);
  });
  app.notFound(() => statusResponse(new ApiError(404, "NotFound", "the server could not find the requested resource", {}).toStatus()));
  app.route("/", system(options.store));
  app.route("/", discovery);
  app.route("/", openapi);
  app.route("/", resources(deps));
  return app;
}
