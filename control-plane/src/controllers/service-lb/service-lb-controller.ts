// The built-in load balancer for type LoadBalancer Services (k3s ServiceLB's
// role): writes status.loadBalancer.ingress with the edge gateways'
// addresses (gateways.ts), ipMode Proxy since the gateway's proxy, not the
// network, delivers the traffic. Services with a loadBalancerClass belong to
// another implementation and are left alone; a Service that stops being a
// LoadBalancer has its ingress cleared.
import { isNotFound } from "../../../../client/errors.ts";
import type { Informer } from "../../../../client/informer.ts";
import { type KubeClient, type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import type { Controller, ControllerContext } from "../runtime/controller.ts";
import { type GatewayNode, gatewayIPs } from "./gateways.ts";

const servicesResource = resourceOf("v1", "services");
const nodesResource = resourceOf("v1", "nodes");

interface ServiceLike {
  metadata: { name?: string; namespace?: string };
  spec?: { type?: string; loadBalancerClass?: string; ports?: { port: number; protocol?: string }[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; ipMode?: string; ports?: unknown[] }[] } };
}

export class ServiceLBController implements Controller {
  readonly name = "service-lb";
  queue?: Controller["queue"];
  private client!: KubeClient;
  private services!: Informer;
  private nodes!: Informer;
  private lastIPs = "";

  setup(context: ControllerContext): void {
    this.client = context.client;
    this.services = context.informers.informer(servicesResource);
    this.nodes = context.informers.informer(nodesResource);
    this.services.on({
      add: (s) => this.queue?.add(keyOf(s)),
      update: (_, s) => this.queue?.add(keyOf(s)),
    });
    // A gateway that comes, goes or changes readiness changes every LoadBalancer's ingress.
    const onNodes = () => {
      const ips = JSON.stringify(this.ips());
      if (ips === this.lastIPs) return;
      this.lastIPs = ips;
      for (const service of this.services.list()) if ((service as ServiceLike).spec?.type === "LoadBalancer") this.queue?.add(keyOf(service));
    };
    this.nodes.on({ add: onNodes, update: onNodes, delete: onNodes });
  }

  private ips(): string[] {
    return gatewayIPs(this.nodes.list() as unknown as GatewayNode[]);
  }

  async sync(key: string): Promise<void> {
    const service = this.services.get(key) as ServiceLike | undefined;
    if (!service) return;
    const current = service.status?.loadBalancer?.ingress ?? [];
    let wanted: { ip: string; ipMode: string }[] = [];
    if (service.spec?.type === "LoadBalancer") {
      if (service.spec.loadBalancerClass) return;
      wanted = this.ips().map((ip) => ({ ip, ipMode: "Proxy" }));
    } else if (current.length === 0) {
      return;
    }
    if (JSON.stringify(current.map((i) => ({ ip: i.ip, ipMode: i.ipMode }))) === JSON.stringify(wanted)) return;
    const [namespace, name] = key.split("/") as [string, string];
    await this.client
      .patch(servicesResource, namespace, name, "merge", { status: { loadBalancer: { ingress: wanted.length ? wanted : null } } }, { subresource: "status" })
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
  }
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
