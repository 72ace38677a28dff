// Enforces CPU and memory limits on pod processes from the outside, with one
// timer for all of them: no cgroups needed (the agent runs without root in
// loopback mode), only /proc and signals.
//
// - CPU throttling, like the CFS quota Kubernetes uses: a token bucket filled at
//   the limit's rate; a pod that overdraws it is SIGSTOPped until the bucket is
//   back above zero, then SIGCONTed. Other pods never notice.
// - Runaway guests: Wasm cannot be preempted, so a guest call (a command's run,
//   or one HTTP request) that burns more CPU than its limit allows over
//   `runawayWindowMs` is killed with reason CPULimitExceeded. Throttling alone
//   would keep an infinite loop alive forever at its quota.
// - Total memory: the process's resident set may not exceed the pod's memory
//   limit plus the runner's own overhead (linear memory is capped exactly inside
//   the runner; this catches everything else), else it is killed as OOMKilled.

export interface GovernorOptions {
  /** Sampling period; also the throttling granularity. */
  periodMs: number;
  /** 0 disables runaway kills (throttling only). */
  runawayWindowMs: number;
  /** Added to a pod's memory limit for the runner's own memory (the JS engine, compiled code). */
  processOverheadBytes: number;
  /** Memory is sampled every this many periods: /proc/<pid>/status is the dearer read. */
  memoryEveryPeriods: number;
  readCpuMillis(pid: number): number | undefined;
  readResidentBytes(pid: number): number | undefined;
  signal(pid: number, signal: "SIGSTOP" | "SIGCONT" | "SIGKILL"): void;
  /** Timer source; tests drive tick() by hand instead. */
  autoStart: boolean;
}

export interface GovernedLimits {
  cpuLimitMillis?: number;
  memoryLimitBytes?: number;
}

export type KillReason = "CPULimitExceeded" | "OOMKilled";

export interface Governed {
  /** A guest call started: its CPU counts towards the runaway budget from now. */
  busy(): void;
  idle(): void;
  /** Stops governing (and resumes the process if it was stopped). */
  release(): void;
}

interface Pod {
  pid: number;
  limits: GovernedLimits;
  onKill(reason: KillReason, message: string): void;
  lastCpu: number;
  tokens: number;
  stopped: boolean;
  busySinceCpu?: number;
}

export class LimitGovernor {
  readonly #options: GovernorOptions;
  readonly #pods = new Set<Pod>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastTick = performance.now();
  #ticks = 0;

  constructor(options: GovernorOptions) {
    this.#options = options;
  }

  govern(pid: number, limits: GovernedLimits, onKill: (reason: KillReason, message: string) => void): Governed {
    const noop: Governed = { busy() {}, idle() {}, release() {} };
    if (limits.cpuLimitMillis === undefined && limits.memoryLimitBytes === undefined) return noop;
    const pod: Pod = {
      pid,
      limits,
      onKill,
      lastCpu: this.#options.readCpuMillis(pid) ?? 0,
      tokens: this.#burst(limits),
      stopped: false,
    };
    this.#pods.add(pod);
    this.#schedule();
    return {
      busy: () => {
        pod.busySinceCpu = this.#options.readCpuMillis(pid) ?? pod.lastCpu;
      },
      idle: () => {
        pod.busySinceCpu = undefined;
      },
      release: () => {
        if (!this.#pods.delete(pod)) return;
        if (pod.stopped) this.#options.signal(pid, "SIGCONT");
        this.#schedule();
      },
    };
  }

  /** One sampling round; `now` in performance.now() milliseconds. */
  tick(now = performance.now()): void {
    const elapsed = Math.max(0, now - this.#lastTick);
    this.#lastTick = now;
    const sampleMemory = this.#ticks++ % this.#options.memoryEveryPeriods === 0;
    for (const pod of this.#pods) {
      const cpu = this.#options.readCpuMillis(pod.pid);
      if (cpu === undefined) continue; // exiting; its handle releases it
      const used = cpu - pod.lastCpu;
      pod.lastCpu = cpu;
      const { cpuLimitMillis, memoryLimitBytes } = pod.limits;
      if (cpuLimitMillis !== undefined) {
        const cores = cpuLimitMillis / 1000;
        pod.tokens = Math.min(pod.tokens + cores * elapsed - used, this.#burst(pod.limits));
        if (pod.tokens < 0 && !pod.stopped) {
          pod.stopped = true;
          this.#options.signal(pod.pid, "SIGSTOP");
        } else if (pod.tokens >= 0 && pod.stopped) {
          pod.stopped = false;
          this.#options.signal(pod.pid, "SIGCONT");
        }
        const budget = cores * this.#options.runawayWindowMs;
        if (budget > 0 && pod.busySinceCpu !== undefined && cpu - pod.busySinceCpu > budget) {
          this.#kill(pod, "CPULimitExceeded", `one guest call used ${Math.round(cpu - pod.busySinceCpu)} ms of CPU, over ${Math.round(budget)} ms (the ${cpuLimitMillis}m limit for ${this.#options.runawayWindowMs} ms)`);
          continue;
        }
      }
      if (memoryLimitBytes !== undefined && sampleMemory) {
        const resident = this.#options.readResidentBytes(pod.pid);
        const cap = memoryLimitBytes + this.#options.processOverheadBytes;
        if (resident !== undefined && resident > cap) {
          this.#kill(pod, "OOMKilled", `the pod process used ${resident} bytes, over ${cap} (limit ${memoryLimitBytes} + runner overhead)`);
        }
      }
    }
  }

  close(): void {
    for (const pod of this.#pods) if (pod.stopped) this.#options.signal(pod.pid, "SIGCONT");
    this.#pods.clear();
    this.#schedule();
  }

  #kill(pod: Pod, reason: KillReason, message: string): void {
    this.#pods.delete(pod);
    pod.onKill(reason, message);
    this.#options.signal(pod.pid, "SIGKILL");
    this.#schedule();
  }

  /** Up to one period's worth of CPU may be spent at once, as a CFS period allows. */
  #burst(limits: GovernedLimits): number {
    return ((limits.cpuLimitMillis ?? 0) / 1000) * this.#options.periodMs;
  }

  #schedule(): void {
    if (!this.#options.autoStart) return;
    if (this.#pods.size > 0 && !this.#timer) {
      this.#lastTick = performance.now();
      this.#timer = setInterval(() => this.tick(), this.#options.periodMs);
      this.#timer.unref();
    } else if (this.#pods.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
