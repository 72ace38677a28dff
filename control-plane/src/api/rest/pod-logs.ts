// pods/log: proxied to the agent of the pod's node, at the node's InternalIP
// and daemonEndpoints.kubeletEndpoint.Port, as kube-apiserver proxies to the
// kubelet's /containerLogs; the body streams through, so `kubectl logs -f`
// follows. The API server presents its agent token (the agents' --token-file)
// where kube-apiserver presents its kubelet client certificate. What can be
// answered from the pod alone (no container named, a container that never
// started) is answered here with Kubernetes' words.
import { isStoreError } from "../../storage/store.ts";
import { ApiError, badRequest, serviceUnavailable } from "../errors.ts";
import type { RestRequest } from "./context.ts";
import { fetchObject } from "./store-calls.ts";

type Json = Record<string, any>;

/** How long the agent may take to answer (its headers; a followed stream may then run for as long as it likes). */
const AGENT_TIMEOUT_MS = 10_000;

const PASSED_ON = ["follow", "previous", "timestamps", "sinceSeconds", "sinceTime", "tailLines", "limitBytes"] as const;
const NUMERIC = new Set(["sinceSeconds", "tailLines", "limitBytes"]);

export async function podLogs(req: RestRequest): Promise<Response> {
  const pod = (await fetchObject(req)) as Json;
  const name = req.name ?? "";
  const nodeName: string | undefined = pod.spec?.nodeName;
  const container = containerOf(pod, name, req.query.get("container"));
  for (const param of NUMERIC) {
    const value = req.query.get(param);
    if (value !== null && value !== "" && !/^-?\d+$/.test(value)) throw badRequest(`${param} must be an integer, not "${value}"`);
  }
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const previous = req.query.get("previous") === "true";
  const status = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s: Json) => s.name === container);
  if (previous && status && !status.lastState?.terminated) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
  if (!previous && status?.state?.waiting && !status.lastState?.terminated) {
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${status.state.waiting.reason ?? "ContainerCreating"}`);
  }

  const node = (await req.deps.store.get({ resource: "nodes", namespace: "", name: nodeName }).catch((error: unknown) => {
    if (isStoreError(error, "NotFound")) return undefined;
    throw error;
  })) as Json | undefined;
  const addresses: { type: string; address: string }[] = node?.status?.addresses ?? [];
  const address = (addresses.find((a) => a.type === "InternalIP") ?? addresses.find((a) => a.type === "Hostname"))?.address;
  const port: number | undefined = node?.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!address || !port) throw serviceUnavailable(`the agent of node ${nodeName} cannot be reached: the node reports no ${address ? "agent port" : "address"}`);

  const host = address.includes(":") ? `[${address}]` : address;
  const url = new URL(`http://${host}:${port}/containerLogs/${encodeURIComponent(req.namespace ?? "")}/${encodeURIComponent(name)}/${encodeURIComponent(container)}`);
  for (const param of PASSED_ON) {
    const value = req.query.get(param);
    if (value !== null && value !== "") url.searchParams.set(param, value);
  }
  const upstream = await reach(url, req.request.signal, nodeName, req.deps.agentToken);
  if (upstream.status !== 200) {
    const message = (await upstream.text()).trim() || `the agent of node ${nodeName} answered ${upstream.status}`;
    if (upstream.status === 404) throw new ApiError(404, "NotFound", message);
    if (upstream.status === 400) throw badRequest(message);
    if (upstream.status === 401 || upstream.status === 403) {
      const given = req.deps.agentToken === undefined ? "presents none (ledge server --agent-token-file)" : "presents is not the agent's (its --token-file)";
      throw serviceUnavailable(`the agent of node ${nodeName} refused the API server (${upstream.status}): the token the API server ${given}`);
    }
    throw serviceUnavailable(`the agent of node ${nodeName}: ${message}`);
  }
  return new Response(upstream.body, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** The container asked for, or the only one; Kubernetes' messages otherwise. */
function containerOf(pod: Json, name: string, asked: string | null): string {
  const containers: string[] = (pod.spec?.containers ?? []).map((c: Json) => c.name);
  const inits: string[] = (pod.spec?.initContainers ?? []).map((c: Json) => c.name);
  const ephemeral: string[] = (pod.spec?.ephemeralContainers ?? []).map((c: Json) => c.name);
  if (asked) {
    if (![...containers, ...inits, ...ephemeral].includes(asked)) throw badRequest(`container ${asked} is not valid for pod ${name}`);
    return asked;
  }
  if (containers.length === 1) return containers[0]!;
  let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`;
  if (inits.length > 0) message += ` or one of the init containers: [${inits.join(" ")}]`;
  throw badRequest(message);
}

/** Connects to the agent; the timeout covers only the wait for its answer, and the client hanging up ends the upstream too. */
async function reach(url: URL, clientSignal: AbortSignal, nodeName: string, token: string | undefined): Promise<Response> {
  const controller = new AbortController();
  const onClientGone = () => controller.abort();
  clientSignal.addEventListener("abort", onClientGone, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${AGENT_TIMEOUT_MS / 1000}s`)), AGENT_TIMEOUT_MS);
  try {
    return await fetch(url, { signal: controller.signal, ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }) });
  } catch (error) {
    clientSignal.removeEventListener("abort", onClientGone);
    const why = controller.signal.reason instanceof Error ? controller.signal.reason.message : (error as Error).message;
    throw serviceUnavailable(`the agent of node ${nodeName} cannot be reached at ${url.host}: ${why}`);
  } finally {
    clearTimeout(timer);
  }
}
