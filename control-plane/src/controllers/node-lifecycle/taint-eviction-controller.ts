// The taint eviction controller (Kubernetes' NoExecuteTaintManager): a pod on
// a node with NoExecute taints is deleted at once if it does not tolerate
// them, after the smallest tolerationSeconds of the tolerations it uses if it
// does (300 s unless the pod says otherwise: the API's DefaultTolerationSeconds),
// and never if it tolerates them forever (DaemonSet pods). A taint removed
// in time (the node came back) cancels the eviction. Evicted pods are
// deleted through the API, gracefully; a node that returns finds its pods
// terminating and stops them, and their controllers have replaced them.
import { isNotFound } from "../../../../client/errors.ts";
import type { Informer } from "../../../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import type { Taint } from "../../../../schemas/index.ts";
import { ObjectIndex } from "../replicaset/object-index.ts";
import { Requeue } from "../replicaset/requeue.ts";
import { asPod, keyOf, parseTime, type Pod } from "../replicaset/types.ts";
import type { Controller, ControllerContext } from "../runtime/controller.ts";
import { type EventRecorder, eventRecorder } from "../runtime/events.ts";
import { evictionTime, type NodeObject, noExecuteTaints } from "./node-health.ts";

const nodesResource = resourceOf("v1", "nodes");
const podsResource = resourceOf("v1", "pods");

export const TAINT_MANAGER_EVICTION = "TaintManagerEviction";
export const DEFAULT_EVICTION_CHECK_MS = 30_000;

export interface TaintEvictionOptions {
  /** The longest a pod due for eviction waits before it is looked at again (clock changes, missed timers). */
  evictionCheckMs?: number;
  now?: () => number;
}

export class TaintEvictionController implements Controller {
  readonly name = "taint-eviction";
  readonly workers = 4;
  queue?: Controller["queue"];
  private client!: KubeClient;
  private recorder!: EventRecorder;
  private nodes!: Informer;
  private pods!: Informer;
  private podsByNode!: ObjectIndex;
  private readonly now: () => number;
  private readonly evictionCheckMs: number;
  private readonly requeue: Requeue;
  /** node|key|effect → when this controller first saw a NoExecute taint that carries no timeAdded. */
  private readonly firstSeen = new Map<string, number>();

  constructor(options: TaintEvictionOptions = {}) {
    this.now = options.now ?? Date.now;
    this.evictionCheckMs = options.evictionCheckMs ?? DEFAULT_EVICTION_CHECK_MS;
    this.requeue = new Requeue(() => this.queue, this.now);
  }

  setup(context: ControllerContext): void {
    this.client = context.client;
    this.recorder = eventRecorder(context.client, "taint-eviction-controller", context.log);
    this.nodes = context.informers.informer(nodesResource);
    this.pods = context.informers.informer(podsResource);
    this.podsByNode = new ObjectIndex(this.pods, (pod) => [asPod(pod).spec?.nodeName || undefined]);
    const onNode = (old: KubeObject | undefined, node: KubeObject) => {
      const taints = noExecuteTaints(node as unknown as NodeObject);
      if (old && Bun.deepEquals(noExecuteTaints(old as unknown as NodeObject), taints)) return;
      // A taint that went away starts afresh if it comes back.
      const current = new Set(taints.map((t) => `${node.metadata.name}|${t.key}|${t.effect}`));
      for (const seen of this.firstSeen.keys()) if (seen.startsWith(`${node.metadata.name}|`) && !current.has(seen)) this.firstSeen.delete(seen);
      for (const pod of this.podsByNode.list(node.metadata.name ?? "")) this.queue?.add(keyOf(pod.metadata));
    };
    this.nodes.on({ add: (n) => onNode(undefined, n), update: onNode });
    this.pods.on({
      add: (p) => this.onPod(undefined, asPod(p)),
      update: (old, p) => this.onPod(asPod(old), asPod(p)),
    });
  }

  private onPod(old: Pod | undefined, pod: Pod): void {
    if (!pod.spec?.nodeName || pod.metadata.deletionTimestamp) return;
    if (old && old.spec?.nodeName === pod.spec.nodeName && Bun.deepEquals(old.spec?.tolerations ?? [], pod.spec.tolerations ?? [])) return;
    this.queue?.add(keyOf(pod.metadata));
  }

  private taintSince(node: string, taint: Taint): number {
    const added = parseTime(taint.timeAdded);
    if (added !== undefined) return added;
    const key = `${node}|${taint.key}|${taint.effect}`;
    let seen = this.firstSeen.get(key);
    if (seen === undefined) this.firstSeen.set(key, (seen = this.now()));
    return seen;
  }

  async sync(key: string): Promise<void> {
    const cached = this.pods.get(key);
    if (!cached) return;
    const pod = asPod(cached);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || pod.metadata.deletionTimestamp) return;
    const taints = noExecuteTaints(this.nodes.get(nodeName) as unknown as NodeObject | undefined);
    if (taints.length === 0) return;
    const at = evictionTime(pod.spec?.tolerations, taints, (taint) => this.taintSince(nodeName, taint));
    if (at === undefined) return;
    const now = this.now();
    if (at > now) {
      this.requeue.at(key, Math.min(at, now + this.evictionCheckMs));
      return;
    }
    this.recorder.event(cached, "Normal", TAINT_MANAGER_EVICTION, `Marking for deletion Pod ${key}`);
    await this.client
      .delete(podsResource, pod.metadata.namespace, pod.metadata.name ?? "", { preconditions: { uid: pod.metadata.uid } })
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
  }
}
