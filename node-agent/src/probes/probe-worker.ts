// One probe of one container instance, run on its schedule: first after
// initialDelaySeconds, then every periodSeconds, each attempt cut off at
// timeoutSeconds; the result flips only after successThreshold successes or
// failureThreshold failures in a row. Every failed attempt is an Unhealthy
// event, as the kubelet records them.
import type { Probe } from "../../../schemas/index.ts";
import { type Clock, isAbort } from "../clock.ts";
import type { ProbeResult } from "./probe-result.ts";

export type ProbeKind = "Liveness" | "Readiness" | "Startup";

export interface ProbeTimings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** The probe's timing fields with Kubernetes' defaults. */
export function timingsOf(probe: Probe, kind: ProbeKind): ProbeTimings {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, probe.periodSeconds ?? 10) * 1000,
    timeoutMs: Math.max(1, probe.timeoutSeconds ?? 1) * 1000,
    // Liveness and startup must use 1 (validation says so); readiness may ask for more.
    successThreshold: kind === "Readiness" ? Math.max(1, probe.successThreshold ?? 1) : 1,
    failureThreshold: Math.max(1, probe.failureThreshold ?? 3),
  };
}

export interface ProbeWorkerOptions {
  kind: ProbeKind;
  timings: ProbeTimings;
  attempt(timeoutMs: number): Promise<ProbeResult>;
  clock: Clock;
  signal: AbortSignal;
  /** Called when the probe's verdict changes (readiness), or once it is decided (startup, liveness). */
  verdict(healthy: boolean): void;
  unhealthy(message: string): void;
}

/**
 * Startup probes end at their first verdict; liveness probes end when they
 * fail for good; readiness probes run until the signal aborts.
 */
export async function runProbeWorker(options: ProbeWorkerOptions): Promise<void> {
  const { kind, timings, clock, signal } = options;
  let successes = 0;
  let failures = 0;
  let healthy: boolean | undefined;
  try {
    await clock.sleep(timings.initialDelayMs, signal);
    for (;;) {
      const result = await options.attempt(timings.timeoutMs);
      if (signal.aborted) return;
      if (result.ok) {
        successes++;
        failures = 0;
      } else {
        failures++;
        successes = 0;
        options.unhealthy(`${kind} probe failed: ${result.output}`);
      }
      if (successes >= timings.successThreshold && healthy !== true) {
        healthy = true;
        options.verdict(true);
        if (kind === "Startup") return;
      } else if (failures >= timings.failureThreshold && healthy !== false) {
        healthy = false;
        options.verdict(false);
        if (kind !== "Readiness") return;
      }
      await clock.sleep(timings.periodMs, signal);
    }
  } catch (error) {
    if (!isAbort(error, signal)) throw error;
  }
}
