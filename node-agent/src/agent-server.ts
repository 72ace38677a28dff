// The agent's own HTTP endpoint (the kubelet's port 10250): container logs
// as the API server's pods/log proxies them, the node's resource summary
// (what metrics-server reads for `kubectl top`), and health.
import { LogLookupError, type LocatedLog } from "./logs/log-locator.ts";
import { type LogQuery, logStream } from "./logs/log-reader.ts";

export interface AgentEndpoints {
  locateLog(namespace: string, pod: string, container: string, previous: boolean): LocatedLog;
  summary(): unknown;
  pods(): unknown;
}

const text = (status: number, body: string) => new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

export function agentFetch(endpoints: AgentEndpoints): (request: Request) => Response {
  return (request) => {
    const url = new URL(request.url);
    if (request.method !== "GET") return text(405, "method not allowed");
    if (url.pathname === "/healthz") return text(200, "ok");
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
