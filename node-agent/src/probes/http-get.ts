// httpGet probes: a GET to the pod; any status from 200 to 399 passes, as in
// the kubelet (which does not follow redirects to other hosts either, so none
// are followed here: a redirect is itself a pass).
import type { ProbeResult } from "./probe-result.ts";
import { failure, success } from "./probe-result.ts";

export interface HttpGetTarget {
  scheme: "HTTP" | "HTTPS";
  host: string;
  port: number;
  path: string;
  headers: { name: string; value: string }[];
}

const MAX_BODY = 10 * 1024;

export async function httpGetProbe(target: HttpGetTarget, timeoutMs: number): Promise<ProbeResult> {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  const path = target.path.startsWith("/") ? target.path : `/${target.path}`;
  const url = `${target.scheme.toLowerCase()}://${host}:${target.port}${path}`;
  const headers = new Headers({ "user-agent": "kube-probe/1.32", accept: "*/*" });
  for (const header of target.headers) headers.set(header.name, header.value);
  try {
    const response = await fetch(url, {
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      // Probes do not check certificates, as the kubelet's do not.
      tls: { rejectUnauthorized: false },
    });
    const body = (await response.text()).slice(0, MAX_BODY);
    if (response.status >= 200 && response.status < 400) return success(body);
    return failure(`HTTP probe failed with statuscode: ${response.status}`);
  } catch (error) {
    if ((error as Error).name === "TimeoutError") {
      return failure(`Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
    }
    return failure(`Get "${url}": ${(error as Error).message}`);
  }
}
