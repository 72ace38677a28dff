// The node lifecycle controller: agents renew a Lease in kube-node-lease
// (named like the node) and post node status; a node heard from by neither
// within the grace period (default 40 s) goes Ready=Unknown with its other
// conditions, gets the unreachable NoExecute taint (not-ready for a node
// whose agent says Ready=False) and the NoSchedule taints its conditions
// call for, and its pods are marked not ready so Services stop sending them
// traffic. Evicting pods from tainted nodes is the taint eviction
// controller's part. When the agent reports Ready=True again, the taints go.
//
// "Heard from" is measured on this controller's clock when it sees the
// lease's renewTime or the Ready heartbeat change, never by comparing the
// agent's timestamps with ours: edge devices' clocks drift.
import { isConflict, isNotFound } from "../../../../client/errors.ts";
import type { Informer } from "../../../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { ObjectIndex } from "../replicaset/object-index.ts";
import { asPod, type Pod } from "../replicaset/types.ts";
import type { Controller, ControllerContext } from "../runtime/controller.ts";
import { type EventRecorder, eventRecorder } from "../runtime/events.ts";
import { desiredTaints, type NodeObject, readyCondition, readyStatus, unknownConditions } from "./node-health.ts";

const nodesResource = resourceOf("v1", "nodes");
const leasesResource = resourceOf("coordination.k8s.io/v1", "leases");
const podsResource = resourceOf("v1", "pods");

export const NODE_LEASE_NAMESPACE = "kube-node-lease";
export const NODE_NOT_READY = "NodeNotReady";
export const DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS = 40_000;
export const DEFAULT_NODE_MONITOR_PERIOD_MS = 5_000;

export interface NodeLifecycleOptions {
  /** How long a node may go unheard before it is Unknown (Kubernetes' node-monitor-grace-period). */
  gracePeriodMs?: number;
  /** How often each node is looked at (node-monitor-period). */
  monitorPeriodMs?: number;
  now?: () => number;
}

interface Health {
  /** When this controller last saw the node's agent alive (its clock). */
  probe: number;
  renewTime?: string;
  heartbeat?: string;
}

const asNode = (o: KubeObject) => o as unknown as NodeObject;

export class NodeLifecycleController implements Controller {
  readonly name = "node-lifecycle";
  readonly workers = 2;
  queue?: Controller["queue"];
  private client!: KubeClient;
  private recorder!: EventRecorder;
  private nodes!: Informer;
  private leases!: Informer;
  private podsByNode!: ObjectIndex;
  private readonly health = new Map<string, Health>();
  /** Nodes whose Ready condition is True, kept by the node handlers so "all nodes down" is O(1). */
  private readonly readyNodes = new Set<string>();
  private readonly gracePeriodMs: number;
  private readonly monitorPeriodMs: number;
  private readonly now: () => number;

  constructor(options: NodeLifecycleOptions = {}) {
    this.gracePeriodMs = options.gracePeriodMs ?? DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS;
    this.monitorPeriodMs = options.monitorPeriodMs ?? DEFAULT_NODE_MONITOR_PERIOD_MS;
    this.now = options.now ?? Date.now;
  }

  setup(context: ControllerContext): void {
    this.client = context.client;
    this.recorder = eventRecorder(context.client, "node-controller", context.log);
    this.nodes = context.informers.informer(nodesResource);
    this.leases = context.informers.informer(leasesResource, { namespace: NODE_LEASE_NAMESPACE });
    this.podsByNode = new ObjectIndex(context.informers.informer(podsResource), (pod) => [asPod(pod).spec?.nodeName || undefined]);
    const noteReadiness = (n: KubeObject) => {
      if (readyStatus(asNode(n)) === "True") this.readyNodes.add(n.metadata.name ?? "");
      else this.readyNodes.delete(n.metadata.name ?? "");
    };
    this.nodes.on({
      add: (n) => {
        noteReadiness(n);
        this.queue?.add(n.metadata.name ?? "");
      },
      update: (_, n) => {
        noteReadiness(n);
        this.queue?.add(n.metadata.name ?? "");
      },
      delete: (n) => {
        this.readyNodes.delete(n.metadata.name ?? "");
        this.health.delete(n.metadata.name ?? "");
      },
    });
    this.leases.on({
      add: (l) => this.queue?.add(l.metadata.name ?? ""),
      update: (_, l) => this.queue?.add(l.metadata.name ?? ""),
    });
  }

  /** Notes any sign of life since the last look; returns when the agent was last heard from. */
  private observe(name: string, node: NodeObject): Health {
    const now = this.now();
    const lease = this.leases.get(`${NODE_LEASE_NAMESPACE}/${name}`);
    const renewTime = (lease?.spec as { renewTime?: string } | undefined)?.renewTime;
    const heartbeat = readyCondition(node)?.lastHeartbeatTime;
    const previous = this.health.get(name);
    if (!previous) {
      // First sight (or a new leader): the node gets a full grace period.
      const fresh = { probe: now, renewTime, heartbeat };
      this.health.set(name, fresh);
      return fresh;
    }
    if ((renewTime && renewTime !== previous.renewTime) || (heartbeat && heartbeat !== previous.heartbeat)) {
      previous.probe = now;
    }
    previous.renewTime = renewTime;
    previous.heartbeat = heartbeat;
    return previous;
  }

  async sync(name: string): Promise<void> {
    const cached = this.nodes.get(name);
    if (!cached) {
      this.health.delete(name);
      return;
    }
    // Looked at again after a monitor period, heard from or not.
    this.queue?.addAfter(name, this.monitorPeriodMs);
    let node = asNode(cached);
    const health = this.observe(name, node);
    const now = this.now();
    const wasReady = readyStatus(node) === "True";
    if (now - health.probe > this.gracePeriodMs) {
      const conditions = unknownConditions(node, now);
      if (conditions) {
        node = await this.writeStatus(node, conditions);
        if (wasReady) this.recorder.event(cached, "Normal", NODE_NOT_READY, `Node ${name} status is now: ${NODE_NOT_READY}`);
      }
    }
    if (readyStatus(node) === "Unknown") await this.markPodsNotReady(name);
    const taints = desiredTaints(node, now, this.allNodesDown(node));
    if (taints) await this.writeTaints(node, taints);
  }

  /** With every node down, the control plane's own link is the likelier fault: no evictions then. */
  private allNodesDown(node: NodeObject): boolean {
    // This node as just decided (the cache may not show our write yet), every other as the cache says.
    const others = this.readyNodes.size - (this.readyNodes.has(node.metadata.name ?? "") ? 1 : 0);
    return others === 0 && readyStatus(node) !== "True";
  }

  private async writeStatus(node: NodeObject, conditions: NonNullable<NonNullable<NodeObject["status"]>["conditions"]>): Promise<NodeObject> {
    const next = { ...node, status: { ...node.status, conditions } };
    // resourceVersion from our cache: an agent that just wrote makes this a 409, and the retry sees its news.
    return asNode(await this.client.update(nodesResource, next as unknown as KubeObject, { subresource: "status" }));
  }

  private async writeTaints(node: NodeObject, taints: NonNullable<NonNullable<NodeObject["spec"]>["taints"]>): Promise<void> {
    await this.client.patch(nodesResource, undefined, node.metadata.name ?? "", "merge", {
      metadata: { resourceVersion: node.metadata.resourceVersion },
      spec: { taints: taints.length ? taints : null },
    });
  }

  /** MarkPodsNotReady: pods on a node nobody hears from are not ready, whatever they last said. */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const errors: unknown[] = [];
    for (const pod of this.podsByNode.list(nodeName).map(asPod)) {
      const conditions = pod.status?.conditions ?? [];
      const ready = conditions.find((c) => c.type === "Ready");
      if (ready?.status !== "True") continue;
      const at = new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
      const next: Pod = { ...pod, status: { ...pod.status, conditions: conditions.map((c) => (c.type === "Ready" ? { ...c, status: "False", lastTransitionTime: at } : c)) } };
      try {
        await this.client.update(podsResource, next as unknown as KubeObject, { subresource: "status" });
      } catch (error) {
        if (!isNotFound(error) && !isConflict(error)) errors.push(error);
      }
    }
    if (errors.length) throw errors[0];
  }
}
