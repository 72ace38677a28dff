// The agent's own HTTP endpoint (the kubelet's port 10250): container logs
// as the API server's pods/log proxies them, the node's resource summary
// (what metrics-server reads for `kubectl top`), and health.
//
// Who may call it: the kubelet authenticates the API server by its client
// certificate and asks the API (SubjectAccessReview) whether the caller may
// read nodes/log or nodes/stats. Ledge has neither TLS nor users yet, so the
// endpoint takes the one credential the API server holds for its agents: a
// bearer token the operator gives both sides (`ledge up` makes its own).
// Every path but /healthz needs it. Over plain HTTP the token crosses the
// network in clear: this keeps other callers out, not eavesdroppers.
import { createHash, timingSafeEqual } from "node:crypto";
import { LogLookupError, type LocatedLog } from "./logs/log-locator.ts";
import { type LogQuery, logStream } from "./logs/log-reader.ts";

export interface AgentEndpoints {
  locateLog(namespace: string, pod: string, container: string, previous: boolean): LocatedLog;
  summary(): unknown;
  pods(): unknown;
}

const text = (status: number, body: string) => new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Whether the request carries `Authorization: Bearer <token>`; compared in constant time (of equal-length digests). */
function presents(request: Request, expected: Buffer): boolean {
  const match = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "");
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

/** The endpoint's handler; with `token`, every path but /healthz answers 401 to a request that does not present it. */
export function agentFetch(endpoints: AgentEndpoints, token?: string): (request: Request) => Response {
  const expected = token === undefined ? undefined : digest(token);
  return (request) => {
    const url = new URL(request.url);
    if (request.method !== "GET") return text(405, "method not allowed");
    if (url.pathname === "/healthz") return text(200, "ok");
    if (expected && !presents(request, expected)) {
      return new Response("Unauthorized", { status: 401, headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="ledge-agent"' } });
    }
    if (url.pathname === "/stats/summary") return Response.json(endpoints.summary());
    if (url.pathname === "/pods") return Response.json(endpoints.pods());
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!match) return text(404, "not found");
    const [namespace, pod, container] = match.slice(1).map(decodeURIComponent) as [string, string, string];
    let query: LogQuery;
    try {
      query = logQuery(url.searchParams);
    } catch (error) {
      return text(400, (error as Error).message);
    }
    let located: LocatedLog;
    try {
      located = endpoints.locateLog(namespace, pod, container, flag(url.searchParams, "previous"));
    } catch (error) {
      if (error instanceof LogLookupError) return text(error.status, error.message);
      throw error;
    }
    return new Response(logStream(located.pieces, query, located.done), { headers: { "content-type": "text/plain; charset=utf-8" } });
  };
}

const flag = (params: URLSearchParams, name: string) => params.has(name) && params.get(name) !== "false" && params.get(name) !== "0";

function number(params: URLSearchParams, name: string): number | undefined {
  const value = params.get(name);
  if (value === null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, not "${value}"`);
  return n;
}

export function logQuery(params: URLSearchParams): LogQuery {
  const sinceSeconds = number(params, "sinceSeconds");
  const sinceTime = params.get("sinceTime");
  if (sinceSeconds !== undefined && sinceSeconds < 1) throw new Error("sinceSeconds must be greater than 0");
  if (sinceTime && Number.isNaN(Date.parse(sinceTime))) throw new Error(`sinceTime must be an RFC 3339 time, not "${sinceTime}"`);
  const limitBytes = number(params, "limitBytes");
  if (limitBytes !== undefined && limitBytes < 1) throw new Error("limitBytes must be greater than 0");
  const tailLines = number(params, "tailLines");
  return {
    follow: flag(params, "follow"),
    timestamps: flag(params, "timestamps"),
    ...(tailLines !== undefined && tailLines >= 0 ? { tailLines } : {}),
    ...(sinceSeconds !== undefined ? { sinceMs: Date.now() - sinceSeconds * 1000 } : sinceTime ? { sinceMs: Date.parse(sinceTime) } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
}
