// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it:
// the holder renews every retry period; the others take over once they have
// seen the record unchanged for a whole lease duration. Expiry is judged by
// each candidate's own clock (when it last saw the record change), so clock
// skew between machines does not matter.
import { isConflict, isNotFound } from "../../../../client/errors.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";

const leases = resourceOf("coordination.k8s.io/v1", "leases");

export interface LeaderElectionOptions {
  client: KubeClient;
  name: string;
  namespace?: string;
  identity: string;
  leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down. */
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Starts the leader's work; returns how to stop it. */
  onStartedLeading: () => Promise<() => void | Promise<void>>;
  onStoppedLeading?: () => void;
  log?: (message: string) => void;
}

export interface LeaderElector {
  isLeader(): boolean;
  /** Stops competing; a leader stops its work and releases the lease so another takes over at once. */
  stop(): Promise<void>;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/**
 * The timings `ledge server` runs with. A candidate polls every retry period
 * (plus up to RETRY_JITTER of it), sees the dead leader's last renewal at
 * most one poll late, and takes over at the first poll after a whole lease
 * duration without change: takeoverBoundMs.
 */
export const DEFAULT_TIMINGS = { leaseDurationMs: 10_000, renewDeadlineMs: 8_000, retryPeriodMs: 1_500 } as const;
/** Candidates wait up to this fraction of the retry period more, so they do not collide on every round. */
const RETRY_JITTER = 0.2;

/** The longest a candidate waits, after the leader's last renewal, before it takes over (request times aside). */
export function takeoverBoundMs(timings: { leaseDurationMs: number; retryPeriodMs: number } = DEFAULT_TIMINGS): number {
  return timings.leaseDurationMs + 2 * timings.retryPeriodMs * (1 + RETRY_JITTER);
}

const microTime = (ms = Date.now()) => new Date(ms).toISOString().replace("Z", "000Z");

export function startLeaderElection(options: LeaderElectionOptions): LeaderElector {
  const namespace = options.namespace ?? "kube-system";
  const leaseDurationMs = options.leaseDurationMs ?? DEFAULT_TIMINGS.leaseDurationMs;
  const renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_TIMINGS.renewDeadlineMs;
  const retryPeriodMs = options.retryPeriodMs ?? DEFAULT_TIMINGS.retryPeriodMs;
  const log = options.log ?? (() => {});
  let leader = false;
  let stopped = false;
  let stopWork: (() => void | Promise<void>) | undefined;
  let lastRenew = 0;
  /** The record as last seen and when it was seen to change, by our clock. */
  let observed: { record: string; at: number } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;

  const spec = (identity: string, previous?: LeaseSpec): LeaseSpec => {
    const now = microTime();
    const taking = previous?.holderIdentity !== identity;
    return {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      acquireTime: taking ? now : (previous?.acquireTime ?? now),
      renewTime: now,
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (taking && previous?.holderIdentity ? 1 : 0),
    };
  };

  /** One attempt to become or stay leader; true when we hold the lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    let lease: KubeObject;
    try {
      lease = await options.client.get(leases, namespace, options.name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await options.client.create(leases, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: options.name, namespace },
        spec: spec(options.identity),
      });
      return true;
    }
    const current = (lease.spec ?? {}) as LeaseSpec;
    const record = JSON.stringify(current);
    if (observed?.record !== record) observed = { record, at: Date.now() };
    const held = current.holderIdentity && current.holderIdentity !== options.identity;
    const expired = Date.now() - observed.at > (current.leaseDurationSeconds ?? 0) * 1000;
    if (held && !expired) return false;
    try {
      // The resourceVersion makes two candidates taking an expired lease at once safe.
      await options.client.update(leases, { ...lease, spec: spec(options.identity, current) });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  };

  const stepDown = async (why: string) => {
    if (!leader) return;
    leader = false;
    log(`${options.name}: ${options.identity} stopped leading: ${why}`);
    const stop = stopWork;
    stopWork = undefined;
    await stop?.();
    options.onStoppedLeading?.();
  };

  const loop = async () => {
    while (!stopped) {
      try {
        if (await tryAcquireOrRenew()) {
          lastRenew = Date.now();
          if (!leader && !stopped) {
            leader = true;
            log(`${options.name}: ${options.identity} became leader`);
            try {
              stopWork = await options.onStartedLeading();
            } catch (error) {
              // Holding the lease with nothing running would stall the cluster: try again next round.
              leader = false;
              log(`${options.name}: starting the leader's work failed (will retry): ${(error as Error).message ?? error}`);
            }
          }
        } else if (leader) {
          await stepDown("another holder has the lease");
        }
      } catch (error) {
        log(`${options.name}: lease ${leader ? "renewal" : "acquisition"} failed: ${(error as Error).message ?? error}`);
        if (leader && Date.now() - lastRenew > renewDeadlineMs) await stepDown("could not renew within the deadline");
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, leader ? retryPeriodMs : retryPeriodMs * (1 + Math.random() * RETRY_JITTER));
      });
    }
  };
  const running = loop();

  return {
    isLeader: () => leader,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await running;
      const wasLeader = leader;
      await stepDown("stopping");
      if (!wasLeader) return;
      try {
        // Release: an empty holder lets the next candidate take over without waiting.
        const lease = await options.client.get(leases, namespace, options.name);
        const current = (lease.spec ?? {}) as LeaseSpec;
        if (current.holderIdentity === options.identity) {
          await options.client.update(leases, { ...lease, spec: { ...current, holderIdentity: "", renewTime: microTime(0) } });
        }
      } catch (error) {
        log(`${options.name}: releasing the lease failed: ${(error as Error).message ?? error}`);
      }
    },
  };
}
