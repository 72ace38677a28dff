// The Nodes bridge mode routes to, from an informer on the API: each node's
// name, pod CIDR and InternalIP. Changes are handed on at most once per turn
// of the event loop, so the first list of a large cluster is one call.
import type { KubeClient, KubeObject } from "../../../client/kube-client.ts";
import { resourceOf } from "../../../client/kube-client.ts";
import { Informer } from "../../../client/informer.ts";
import type { NodeView } from "./bridge-network.ts";
import type { NodeInfo } from "./bridge-plan.ts";

const nodesResource = resourceOf("v1", "nodes");

export function nodeInfoOf(node: KubeObject): NodeInfo {
  const spec = node.spec as { podCIDR?: string; podCIDRs?: string[] } | undefined;
  const addresses = (node.status as { addresses?: { type?: string; address?: string }[] } | undefined)?.addresses ?? [];
  const podCIDR = spec?.podCIDR || spec?.podCIDRs?.[0];
  const internalIP = addresses.find((a) => a.type === "InternalIP")?.address;
  return { name: node.metadata.name ?? "", ...(podCIDR ? { podCIDR } : {}), ...(internalIP ? { internalIP } : {}) };
}

export function apiNodeView(client: KubeClient, log: (message: string) => void): NodeView {
  const informer = new Informer(client, nodesResource, { onError: (error) => log(`bridge network: watching nodes: ${(error as Error).message ?? error}`) });
  return {
    start(onChange) {
      let scheduled = false;
      const changed = () => {
        if (scheduled) return;
        scheduled = true;
        queueMicrotask(() => {
          scheduled = false;
          onChange(informer.list().map(nodeInfoOf));
        });
      };
      informer.on({ add: changed, update: changed, delete: changed });
      void informer.start();
    },
    stop() {
      informer.stop();
    },
  };
}
