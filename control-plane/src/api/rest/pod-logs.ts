// pods/log: Ledge has no agent log endpoint to proxy to yet, so a bound pod's
// logs are "not available" rather than silently empty.
import { badRequest, serviceUnavailable } from "../errors.ts";
import type { RestRequest } from "./context.ts";
import { fetchObject } from "./store-calls.ts";

export async function podLogs(req: RestRequest): Promise<Response> {
  const pod = await fetchObject(req);
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!nodeName) throw badRequest(`pod ${req.name} does not have a host assigned`);
  throw serviceUnavailable(`the agent of node ${nodeName} serves no logs yet`);
}
