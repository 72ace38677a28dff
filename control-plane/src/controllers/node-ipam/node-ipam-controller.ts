// Node IPAM: gives every Node a pod CIDR from the cluster CIDR (spec.podCIDR
// and spec.podCIDRs), as kube-controller-manager's range allocator does;
// bridge-mode agents wait for it before they give pods addresses.
//
// A block is claimed before a node is given it: a Lease in kube-system named
// after the block (podcidr-10.244.3.0-24), held by the node and owned by it.
// Creating a name that exists fails, so two allocators that overlap (a leader
// change mid-allocation, or a leader that does not know yet it lost its
// lease) cannot hand one block to two nodes — the same trick the API's
// ClusterIP allocator plays with its IPAddress objects. What is taken is
// derived from the nodes' specs and the claims, both from informers, so a new
// leader starts from what the cluster says. A deleted node's claim is
// removed (here, and by the garbage collector through its owner reference),
// which frees the block.
import { isConflict, isNotFound } from "../../../../client/errors.ts";
import type { Informer } from "../../../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import type { Controller, ControllerContext } from "../runtime/controller.ts";
import { type EventRecorder, eventRecorder } from "../runtime/events.ts";
import { CidrSet } from "./cidr-set.ts";

const nodesResource = resourceOf("v1", "nodes");
const leasesResource = resourceOf("coordination.k8s.io/v1", "leases");

export const CLAIM_NAMESPACE = "kube-system";
export const CLAIM_LABEL = "ledge.dev/pod-cidr-claim";

/** Kubernetes' event reasons for the range allocator. */
export const CIDR_NOT_AVAILABLE = "CIDRNotAvailable";
export const CIDR_ASSIGNMENT_FAILED = "CIDRAssignmentFailed";

export interface NodeIpamOptions {
  /** The range node pod CIDRs are cut from, e.g. 10.244.0.0/16. */
  clusterCIDR: string;
  /** The size of each node's block (24 by default). */
  nodeMaskSize?: number;
}

interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
}

const podCIDROf = (node: KubeObject): string | undefined => (node.spec as NodeSpec | undefined)?.podCIDR || (node.spec as NodeSpec | undefined)?.podCIDRs?.[0];
const holderOf = (claim: KubeObject): string => (claim.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? "";
const cidrOfClaim = (claim: KubeObject): string => claim.metadata.annotations?.[CLAIM_LABEL] ?? "";
/** "10.244.3.0/24" → "podcidr-10.244.3.0-24", a valid object name. */
export const claimName = (cidr: string): string => `podcidr-${cidr.replace("/", "-")}`;

export class NodeIpamController implements Controller {
  readonly name = "node-ipam";
  readonly workers = 2;
  queue?: Controller["queue"];
  readonly cidrs: CidrSet;
  private client!: KubeClient;
  private recorder!: EventRecorder;
  private nodes!: Informer;
  private claims!: Informer;
  /** Blocks being claimed or claimed by this controller that its caches do not show yet: block → node. */
  private readonly pending = new Map<string, string>();

  constructor(options: NodeIpamOptions) {
    this.cidrs = new CidrSet(options.clusterCIDR, options.nodeMaskSize);
  }

  setup(context: ControllerContext): void {
    this.client = context.client;
    this.recorder = eventRecorder(context.client, "node-ipam-controller", context.log);
    this.nodes = context.informers.informer(nodesResource);
    this.claims = context.informers.informer(leasesResource, { namespace: CLAIM_NAMESPACE, labelSelector: `${CLAIM_LABEL}=true` });
    const enqueue = (name: string) => name && this.queue?.add(name);
    this.nodes.on({
      add: (node) => enqueue(node.metadata.name ?? ""),
      update: (_, node) => enqueue(node.metadata.name ?? ""),
      delete: (node) => enqueue(node.metadata.name ?? ""),
    });
    this.claims.on({
      add: (claim) => {
        if (this.pending.get(cidrOfClaim(claim)) === holderOf(claim)) this.pending.delete(cidrOfClaim(claim));
        enqueue(holderOf(claim));
      },
      delete: (claim) => enqueue(holderOf(claim)),
    });
  }

  /** Every block a node holds, a claim names, or this controller is claiming. */
  taken(): Set<string> {
    const taken = new Set(this.pending.keys());
    for (const claim of this.claims.list()) taken.add(cidrOfClaim(claim));
    for (const node of this.nodes.list()) {
      const spec = node.spec as NodeSpec | undefined;
      if (spec?.podCIDR) taken.add(spec.podCIDR);
      for (const cidr of spec?.podCIDRs ?? []) taken.add(cidr);
    }
    return taken;
  }

  async sync(name: string): Promise<void> {
    const node = this.nodes.get(name);
    const held = this.claims.list().filter((claim) => holderOf(claim) === name);
    if (!node) {
      for (const claim of held) await this.release(claim);
      return;
    }
    const current = podCIDROf(node);
    if (current) {
      // Claims this node holds for another block (a race another allocator won) are let go;
      // its own block gets a claim if it has none (set by hand, or before this controller ran).
      for (const claim of held) if (cidrOfClaim(claim) !== current) await this.release(claim);
      if (this.cidrs.indexOf(current) !== undefined && !held.some((claim) => cidrOfClaim(claim) === current) && !(await this.claim(node, current))) {
        this.recorder.event(node, "Warning", CIDR_ASSIGNMENT_FAILED, `Node ${name} has pod CIDR ${current}, which another node holds`);
      }
      return;
    }
    // A claim this node already holds (an allocation cut short) is finished rather than a new block taken.
    const cidr = held.map(cidrOfClaim).find(Boolean) ?? this.cidrs.firstFree(this.taken());
    if (!cidr) {
      this.recorder.event(node, "Normal", CIDR_NOT_AVAILABLE, `Node ${name} status is now: ${CIDR_NOT_AVAILABLE} (every /${this.cidrs.nodeMaskSize} of ${this.cidrs.clusterCIDR} is in use)`);
      throw new Error(`no pod CIDR left in ${this.cidrs.clusterCIDR} for node ${name}`);
    }
    if (!held.some((claim) => cidrOfClaim(claim) === cidr) && !(await this.claim(node, cidr))) {
      throw new Error(`pod CIDR ${cidr} was claimed by another allocator first; node ${name} will get another`);
    }
    try {
      await this.assign(node, cidr);
    } catch (error) {
      // The claim stays with the node: the retry finishes it.
      if (isNotFound(error)) return;
      if (!isConflict(error)) this.recorder.event(node, "Warning", CIDR_ASSIGNMENT_FAILED, `Node ${name}: assigning pod CIDR ${cidr} failed: ${(error as Error).message}`);
      throw error;
    }
  }

  /**
   * Writes the block into the node's spec, only while it has none (the
   * resourceVersion is the precondition). Agents post status often, so a 409
   * is read again at once rather than left to the queue's back-off.
   */
  private async assign(node: KubeObject, cidr: string): Promise<void> {
    let current = node;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.patch(nodesResource, undefined, current.metadata.name ?? "", "merge", {
          metadata: { resourceVersion: current.metadata.resourceVersion },
          spec: { podCIDR: cidr, podCIDRs: [cidr] },
        });
        return;
      } catch (error) {
        if (!isConflict(error) || attempt >= 5) throw error;
        current = await this.client.get(nodesResource, undefined, current.metadata.name ?? "");
        if (podCIDROf(current)) return;
      }
    }
  }

  /** Creates the claim; false when the block is someone else's already. The block counts as taken from before the first await. */
  private async claim(node: KubeObject, cidr: string): Promise<boolean> {
    const name = node.metadata.name ?? "";
    this.pending.set(cidr, name);
    try {
      await this.client.create(leasesResource, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: {
          name: claimName(cidr),
          namespace: CLAIM_NAMESPACE,
          labels: { [CLAIM_LABEL]: "true" },
          annotations: { [CLAIM_LABEL]: cidr },
          ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata.uid ?? "" }],
        },
        spec: { holderIdentity: name },
      });
      return true;
    } catch (error) {
      if (!isConflict(error)) {
        this.pending.delete(cidr);
        throw error;
      }
      // Someone else's: it stays in `pending` until the claims informer shows the claim, so the retry picks another block.
      const existing = await this.client.get(leasesResource, CLAIM_NAMESPACE, claimName(cidr)).catch((lookup: unknown) => {
        // Released again in the meantime: the block is free, and the retry may take it.
        if (isNotFound(lookup)) return undefined;
        this.pending.delete(cidr);
        throw lookup;
      });
      const holder = existing ? holderOf(existing) : undefined;
      if (holder === name) return true;
      if (holder !== undefined) this.pending.set(cidr, holder);
      else this.pending.delete(cidr);
      return false;
    }
  }

  private async release(claim: KubeObject): Promise<void> {
    try {
      await this.client.delete(leasesResource, CLAIM_NAMESPACE, claim.metadata.name ?? "", { preconditions: { uid: claim.metadata.uid } });
    } catch (error) {
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }
}
