// Time as the agent sees it. Everything that waits (back-off, probe periods,
// lease renewals, grace periods) waits through a Clock, so tests can move time
// by hand instead of sleeping.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};

/** Kubernetes' time format: RFC 3339 with whole seconds. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A runtime's timestamp (any ISO form) in Kubernetes' format; left alone when it does not parse. */
export function kubeTime(text: string): string {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : rfc3339(ms);
}

/** RFC 3339 with microseconds, as Lease renewTime (MicroTime) wants. */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace("Z", "000Z");

/** True when `error` is the rejection of an aborted wait, not a failure. */
export const isAbort = (error: unknown, signal: AbortSignal): boolean => signal.aborted && error === signal.reason;
