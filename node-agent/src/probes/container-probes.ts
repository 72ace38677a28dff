// The probes of one running container instance: the startup probe first (the
// others wait for it), then liveness and readiness side by side. Readiness
// feeds the container's `ready`; a liveness or startup probe that fails for
// good asks the caller to kill the instance.
import type { Container, Probe } from "../../../schemas/index.ts";
import type { Clock } from "../clock.ts";
import type { ContainerHandle } from "../runtime/runtime.ts";
import { execProbe } from "./exec.ts";
import { httpGetProbe } from "./http-get.ts";
import { failure, type ProbeResult, resolvePort } from "./probe-result.ts";
import { type ProbeKind, runProbeWorker, timingsOf } from "./probe-worker.ts";
import { tcpSocketProbe } from "./tcp-socket.ts";

export interface ProbeFailure {
  kind: "Liveness" | "Startup";
  /** The probe's own terminationGracePeriodSeconds, in ms, when it sets one. */
  graceMs?: number;
}

export interface InstanceProbes {
  /** Settles when a liveness or startup probe has failed for good. */
  readonly failed: Promise<ProbeFailure>;
  stop(): void;
}

export interface ProbeOptions {
  container: Container;
  podIP: string;
  handle: ContainerHandle;
  clock: Clock;
  started(): void;
  ready(ready: boolean): void;
  unhealthy(message: string): void;
}

export function startProbes(options: ProbeOptions): InstanceProbes {
  const { container, clock } = options;
  const controller = new AbortController();
  const signal = controller.signal;
  let fail!: (failure: ProbeFailure) => void;
  const failed = new Promise<ProbeFailure>((resolve) => (fail = resolve));
  const worker = (kind: ProbeKind, probe: Probe, verdict: (healthy: boolean) => void) =>
    runProbeWorker({
      kind,
      timings: timingsOf(probe, kind),
      attempt: (timeoutMs) => attempt(probe, options, timeoutMs),
      clock,
      signal,
      verdict,
      unhealthy: options.unhealthy,
    });
  const graceOf = (probe: Probe) => (probe.terminationGracePeriodSeconds === undefined ? undefined : probe.terminationGracePeriodSeconds * 1000);

  const afterStartup = () => {
    options.started();
    const liveness = container.livenessProbe;
    if (liveness) {
      void worker("Liveness", liveness, (healthy) => {
        if (!healthy) fail({ kind: "Liveness", graceMs: graceOf(liveness) });
      });
    }
    if (container.readinessProbe) void worker("Readiness", container.readinessProbe, options.ready);
    else options.ready(true);
  };

  const startup = container.startupProbe;
  if (startup) {
    void worker("Startup", startup, (healthy) => {
      if (signal.aborted) return;
      if (healthy) afterStartup();
      else fail({ kind: "Startup", graceMs: graceOf(startup) });
    });
  } else {
    afterStartup();
  }
  return { failed, stop: () => controller.abort() };
}

function attempt(probe: Probe, options: ProbeOptions, timeoutMs: number): Promise<ProbeResult> {
  const ports = options.container.ports ?? [];
  if (probe.exec) return execProbe(options.handle, probe.exec.command ?? [], timeoutMs);
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, ports);
    if (port === undefined) return Promise.resolve(failure(`port "${probe.httpGet.port}" is not a port of the container`));
    return httpGetProbe(
      { scheme: probe.httpGet.scheme ?? "HTTP", host: probe.httpGet.host || options.podIP, port, path: probe.httpGet.path ?? "/", headers: probe.httpGet.httpHeaders ?? [] },
      timeoutMs,
    );
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, ports);
    if (port === undefined) return Promise.resolve(failure(`port "${probe.tcpSocket.port}" is not a port of the container`));
    return tcpSocketProbe(probe.tcpSocket.host || options.podIP, port, timeoutMs);
  }
  if (probe.grpc) return Promise.resolve(failure("gRPC probes are not supported by Ledge's agent yet"));
  return Promise.resolve(failure("the probe names no action (exec, httpGet or tcpSocket)"));
}
