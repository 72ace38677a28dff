// The API server as a Hono app: discovery, system endpoints, OpenAPI and the
// resources. Errors of every route are rendered as Kubernetes Status objects here.
import { Hono } from "hono";
import type { Store } from "../storage/store.ts";
import { ApiError, statusResponse, toStatus } from "./errors.ts";
import { DEFAULT_MAX_BODY_BYTES } from "./request-body.ts";
import { type DefaultTolerationSeconds, DEFAULT_TOLERATION_SECONDS } from "./rest/default-toleration-seconds.ts";
import { discovery } from "./routes/discovery.ts";
import { openapi } from "./routes/openapi.ts";
import { openapiUi } from "./routes/openapi-ui.ts";
import { resources } from "./routes/resources.ts";
import { system } from "./routes/system.ts";
import { ServiceAllocator, type ServiceNetworkOptions } from "./services/allocator.ts";
import { withServiceAllocation } from "./services/allocating-store.ts";

export interface AppOptions {
  store: Store;
  maxBodyBytes?: number;
  /** Reports errors that became 500s (bugs), which the client sees only as InternalError. */
  onInternalError?: (error: unknown) => void;
  /** Service CIDRs and the NodePort range the API allocates from. */
  serviceNetwork?: ServiceNetworkOptions;
  /** How long pods tolerate a not-ready or unreachable node unless they say (default 300 s each). */
  defaultTolerationSeconds?: Partial<DefaultTolerationSeconds>;
  /** The bearer token pods/log presents to node agents' log endpoints. */
  agentToken?: string;
}

export function createApp(options: AppOptions) {
  const onInternalError = options.onInternalError ?? ((e) => console.error("internal error:", e));
  const deps = {
    // Services get their ClusterIPs and NodePorts in the write that stores them.
    store: withServiceAllocation(options.store, new ServiceAllocator(options.store, options.serviceNetwork), onInternalError),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    defaultTolerationSeconds: {
      notReady: options.defaultTolerationSeconds?.notReady ?? DEFAULT_TOLERATION_SECONDS,
      unreachable: options.defaultTolerationSeconds?.unreachable ?? DEFAULT_TOLERATION_SECONDS,
    },
    ...(options.agentToken === undefined ? {} : { agentToken: options.agentToken }),
  };
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
  app.route("/", openapiUi);
  app.route("/", resources(deps));
  return app;
}
