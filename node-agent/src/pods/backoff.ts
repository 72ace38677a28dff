// Exponential back-off as the kubelet applies it to restarts and pulls:
// 10 s, 20 s, 40 s … capped at 5 minutes, forgotten once a container has run
// well for twice the cap.

export interface BackoffPolicy {
  /** The first wait (10 s; tests shrink it). */
  initialMs: number;
  /** The longest wait (5 minutes). */
  maxMs: number;
  /** A container that ran this long before exiting starts over at initialMs (10 minutes). */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/** The wait before retry number `failures` (1 for the first failure). */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  const doublings = Math.max(0, failures - 1);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(doublings, 30));
}

/** A policy scaled from the defaults, for a base other than 10 s. */
export function backoffFrom(initialMs: number): BackoffPolicy {
  const scale = initialMs / DEFAULT_BACKOFF.initialMs;
  return { initialMs, maxMs: DEFAULT_BACKOFF.maxMs * scale, resetAfterMs: DEFAULT_BACKOFF.resetAfterMs * scale };
}
