// Writes pods' status to the API through the status subresource, only when
// what the agent computes differs from what the API holds. Level-triggered:
// a pod is marked dirty when its state changes and whenever its object
// changes in the API (so a status the node controller overwrote while the
// link was down is put right), and each write is computed afresh from the
// worker's record. While the API is unreachable, writes wait for the link.
import { isNotFound } from "../../../client/errors.ts";
import { type KubeClient, resourceOf } from "../../../client/kube-client.ts";
import type { Pod, PodStatus } from "../../../schemas/index.ts";
import { type ApiLink, isUnreachable } from "../api-link.ts";
import { type Clock, rfc3339 } from "../clock.ts";
import { mergePatch, sameJson } from "./merge-patch.ts";
import { statusToWrite } from "./status.ts";

const pods = resourceOf("v1", "pods");

export interface StatusSource {
  /** The pod object as the API last showed it (undefined: not seen, or gone). */
  current(uid: string): Pod | undefined;
  /** The status the agent computes now (undefined: the agent no longer runs the pod). */
  desired(uid: string): PodStatus | undefined;
}

export class StatusReporter {
  readonly #dirty = new Set<string>();
  #wake: (() => void) | undefined;
  #idle: (() => void)[] = [];
  #stopped = false;
  #busy = false;
  #loop: Promise<void> | undefined;
  /** What was last written for each pod, and over which version: the cache lags a write by one watch event. */
  readonly #written = new Map<string, { over: string | undefined; status: PodStatus }>();

  constructor(
    private readonly client: KubeClient,
    private readonly link: ApiLink,
    private readonly source: StatusSource,
    private readonly clock: Clock,
    private readonly log: (message: string) => void,
    private readonly retryMs = 1000,
  ) {
    link.onReconnect(() => this.#wake?.());
  }

  /** The pod is gone for good: nothing more to write. */
  forget(uid: string): void {
    this.#dirty.delete(uid);
    this.#written.delete(uid);
  }

  mark(uid: string): void {
    this.#dirty.add(uid);
    this.#wake?.();
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
  }

  /** Resolves once every pod marked so far has been written or found up to date (tests). */
  settled(): Promise<void> {
    if (this.#dirty.size === 0 && !this.#busy) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const next = this.link.online ? this.#dirty.values().next() : undefined;
      if (!next || next.done) {
        for (const resolve of this.#idle.splice(0)) resolve();
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      const uid = next.value;
      this.#dirty.delete(uid);
      this.#busy = true;
      try {
        await this.#write(uid);
      } catch (error) {
        this.#dirty.add(uid);
        if (!isUnreachable(error)) {
          this.log(`agent: writing the status of pod ${uid} failed: ${(error as Error).message}`);
          await this.clock.sleep(this.retryMs).catch(() => undefined);
        }
      } finally {
        this.#busy = false;
      }
    }
  }

  async #write(uid: string): Promise<void> {
    const desired = this.source.desired(uid);
    const current = this.source.current(uid);
    if (!desired || !current || current.metadata?.uid !== uid) return;
    const status = statusToWrite(desired, current.status, rfc3339(this.clock.now()));
    const patch = mergePatch(current.status ?? {}, status);
    if (patch === undefined) return;
    const written = this.#written.get(uid);
    if (written && written.over === current.metadata?.resourceVersion && sameJson(written.status, status)) return;
    try {
      await this.link.call(() =>
        this.client.patch(pods, current.metadata?.namespace, current.metadata?.name ?? "", "merge", { status: patch }, { subresource: "status" }),
      );
      this.#written.set(uid, { over: current.metadata?.resourceVersion, status });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }
}
