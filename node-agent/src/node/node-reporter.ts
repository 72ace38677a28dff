// Keeps the node known to the cluster: registers it (retrying while the API
// is away), renews its Lease every 10 s, and posts node status when a
// condition or fact changes and at least once a minute (the heartbeat the
// node lifecycle controller also listens to).
import { isNotFound } from "../../../client/errors.ts";
import { type KubeClient, resourceOf } from "../../../client/kube-client.ts";
import type { NodeStatus } from "../../../schemas/index.ts";
import { type ApiLink, isUnreachable } from "../api-link.ts";
import { type Clock, rfc3339 } from "../clock.ts";
import { every } from "../periodic.ts";
import { sameJson } from "../pods/merge-patch.ts";
import { renewLease } from "./lease.ts";
import type { MachineReadings } from "./machine.ts";
import { ensureRuntimeClasses, registerNode } from "./registration.ts";
import { type NodeFacts, nodeLabels, nodeStatus, type PressureThresholds } from "./node-status.ts";

const nodes = resourceOf("v1", "nodes");

export interface NodeReporterOptions {
  client: KubeClient;
  link: ApiLink;
  clock: Clock;
  readings: MachineReadings;
  facts: NodeFacts;
  thresholds: PressureThresholds;
  /** Lease renewal period (10 s). */
  leaseEveryMs?: number;
  /** How often readings are checked for a change (10 s, the kubelet's nodeStatusUpdateFrequency). */
  statusCheckEveryMs?: number;
  /** Status is posted at least this often (1 minute, nodeStatusReportFrequency). */
  statusReportEveryMs?: number;
  log(message: string): void;
}

export class NodeReporter {
  #uid: string | undefined;
  #posted: { status: NodeStatus; at: number } | undefined;
  readonly #stop = new AbortController();
  #loops: Promise<void>[] = [];
  #registered: Promise<void>;
  #markRegistered!: () => void;

  constructor(private readonly options: NodeReporterOptions) {
    this.#registered = new Promise((resolve) => (this.#markRegistered = resolve));
  }

  /** Resolves once the Node exists in the API (tests; the agent does not wait). */
  get registered(): Promise<void> {
    return this.#registered;
  }

  start(): void {
    const { leaseEveryMs = 10_000, statusCheckEveryMs = 10_000 } = this.options;
    const { clock } = this.options;
    const signal = this.#stop.signal;
    const onError = (error: unknown) => {
      if (!isUnreachable(error)) this.options.log(`agent: ${(error as Error).message}`);
    };
    this.#loops = [every(clock, statusCheckEveryMs, signal, () => this.#report(), onError), every(clock, leaseEveryMs, signal, () => this.#renew(), onError)];
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
  }

  async #renew(): Promise<void> {
    await renewLease(this.options.client, this.options.link, this.options.clock, this.options.facts.name, this.#uid);
  }

  async #report(): Promise<void> {
    const { client, link, clock, facts, readings, thresholds, statusReportEveryMs = 60_000 } = this.options;
    const now = clock.now();
    const status = nodeStatus(readings, facts, thresholds, this.#posted?.status, rfc3339(now));
    if (this.#uid === undefined) {
      this.#uid = await registerNode(client, link, facts.name, nodeLabels(facts), status);
      await ensureRuntimeClasses(client, link);
      this.#posted = { status, at: now };
      this.#markRegistered();
      return;
    }
    if (this.#posted && !changed(this.#posted.status, status) && now - this.#posted.at < statusReportEveryMs) return;
    try {
      await link.call(() => client.patch(nodes, undefined, facts.name, "merge", { status }, { subresource: "status" }));
      this.#posted = { status, at: now };
    } catch (error) {
      // Someone deleted the Node: register it again, as the kubelet does.
      if (!isNotFound(error)) throw error;
      this.#uid = undefined;
    }
  }
}

/** Whether anything but heartbeat times differs. */
function changed(before: NodeStatus, after: NodeStatus): boolean {
  const strip = (s: NodeStatus) => ({ ...s, conditions: s.conditions?.map(({ lastHeartbeatTime: _h, ...rest }) => rest) });
  return !sameJson(strip(before), strip(after));
}
