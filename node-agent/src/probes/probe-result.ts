// One probe attempt's outcome, worded as the kubelet words it in Unhealthy events.
export interface ProbeResult {
  ok: boolean;
  /** Why it failed (or what it said), for the event. */
  output: string;
}

export const success = (output = ""): ProbeResult => ({ ok: true, output });
export const failure = (output: string): ProbeResult => ({ ok: false, output });

/** A probe's port: a number, or the name of one of the container's ports. */
export function resolvePort(port: string | number, ports: readonly { name?: string; containerPort: number }[]): number | undefined {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return ports.find((p) => p.name === port)?.containerPort;
}
