// The Endpoints and EndpointSlice controllers against the in-process API:
// pods are given addresses and readiness through the status subresource, as
// a node agent reports them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { InformerFactory } from "../../../../client/informer-factory.ts";
import { type KubeObject, resourceOf } from "../../../../client/kube-client.ts";
import { EndpointSliceController } from "../endpointslice/endpointslice-controller.ts";
import { GarbageCollector } from "../garbage-collector/garbage-collector.ts";
import { runControllers } from "../runtime/controller.ts";
import { eventually, testCluster } from "../test-cluster.ts";
import { EndpointsController } from "./endpoints-controller.ts";

const namespaces = resourceOf("v1", "namespaces");
const pods = resourceOf("v1", "pods");
const services = resourceOf("v1", "services");
const endpoints = resourceOf("v1", "endpoints");
const slices = resourceOf("discovery.k8s.io/v1", "endpointslices");

let cluster: Awaited<ReturnType<typeof testCluster>>;
let stop: () => void;
beforeAll(async () => {
  cluster = await testCluster();
  const controllers = [new EndpointsController(), new EndpointSliceController({ maxEndpointsPerSlice: 3 }), new GarbageCollector()];
  stop = await runControllers(controllers, { client: cluster.client, informers: new InformerFactory(cluster.client), log: () => {} });
}, 60_000);
afterAll(async () => {
  stop();
  await cluster.close();
});

let counter = 0;
async function namespace(): Promise<string> {
  const name = `ep-${++counter}`;
  await cluster.client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
}

const service = (ns: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web", namespace: ns, labels: { team: "edge" } },
  spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }], ...spec },
});

async function pod(ns: string, name: string, options: { port?: number; node?: string; labels?: Record<string, string> } = {}): Promise<void> {
  await cluster.client.create(pods, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, labels: options.labels ?? { app: "web" } },
    spec: { nodeName: options.node ?? "edge-1", containers: [{ name: "c", image: "busybox", ports: [{ name: "http", containerPort: options.port ?? 8080 }] }] },
  });
}

/** What the node agent reports: an address, Running, and Ready as told. */
async function report(ns: string, name: string, ip: string, ready: boolean): Promise<void> {
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  await cluster.client.patch(
    pods,
    ns,
    name,
    "merge",
    { status: { phase: "Running", podIP: ip, podIPs: [{ ip }], conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: at }] } },
    { subresource: "status" },
  );
}

const getEndpoints = (ns: string) => cluster.client.get(endpoints, ns, "web").catch(() => undefined);
const listSlices = async (ns: string) => (await cluster.client.list(slices, { namespace: ns, labelSelector: "kubernetes.io/service-name=web" })).items;
type Subset = { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[]; ports?: { port: number }[] };
const ipsOf = (list: { ip: string }[] | undefined) => (list ?? []).map((a) => a.ip).sort();
type SliceEndpoint = { addresses: string[]; conditions: { ready: boolean; serving: boolean; terminating: boolean } };

describe("endpoints controller", () => {
  test("ready pods are addresses, unready ones notReadyAddresses, with the named port resolved", async () => {
    const ns = await namespace();
    await cluster.client.create(services, service(ns));
    await pod(ns, "a");
    await pod(ns, "b");
    await pod(ns, "other", { labels: { app: "other" } });
    await report(ns, "a", "10.244.0.1", true);
    await report(ns, "b", "10.244.0.2", false);
    await report(ns, "other", "10.244.0.3", true);
    const subsets = await eventually("endpoints with both pods", async () => {
      const e = await getEndpoints(ns);
      const s = (e?.subsets as Subset[] | undefined)?.[0];
      return s?.addresses?.length === 1 && s.notReadyAddresses?.length === 1 ? (e!.subsets as Subset[]) : undefined;
    });
    expect(subsets).toHaveLength(1);
    expect(ipsOf(subsets[0]!.addresses)).toEqual(["10.244.0.1"]);
    expect(ipsOf(subsets[0]!.notReadyAddresses)).toEqual(["10.244.0.2"]);
    expect(subsets[0]!.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" } as never]);
    const e = await getEndpoints(ns);
    expect(e?.metadata.labels).toEqual({ team: "edge" });
    expect((e?.subsets as { addresses: { nodeName: string; targetRef: { name: string } }[] }[])[0]!.addresses[0]).toMatchObject({ nodeName: "edge-1", targetRef: { kind: "Pod", name: "a" } });

    // b becomes ready, a is deleted: the endpoints follow.
    await report(ns, "b", "10.244.0.2", true);
    await cluster.client.delete(pods, ns, "a", { gracePeriodSeconds: 0 });
    await eventually("only b, ready", async () => {
      const s = ((await getEndpoints(ns))?.subsets as Subset[] | undefined)?.[0];
      return s && Bun.deepEquals(ipsOf(s.addresses), ["10.244.0.2"]) && !s.notReadyAddresses;
    });
  });

  test("publishNotReadyAddresses lists unready pods as addresses", async () => {
    const ns = await namespace();
    await cluster.client.create(services, service(ns, { publishNotReadyAddresses: true }));
    await pod(ns, "a");
    await report(ns, "a", "10.244.1.1", false);
    await eventually("the unready pod listed as ready", async () => {
      const s = ((await getEndpoints(ns))?.subsets as Subset[] | undefined)?.[0];
      return s && Bun.deepEquals(ipsOf(s.addresses), ["10.244.1.1"]);
    });
  });

  test("a service without a selector is left alone, and its Endpoints go with the service", async () => {
    const ns = await namespace();
    await cluster.client.create(services, { ...service(ns), spec: { ports: [{ port: 80 }] } });
    const manual = { apiVersion: "v1", kind: "Endpoints", metadata: { name: "web", namespace: ns }, subsets: [{ addresses: [{ ip: "192.168.1.10" }], ports: [{ port: 80 }] }] };
    await cluster.client.create(endpoints, manual);
    await pod(ns, "a");
    await report(ns, "a", "10.244.2.1", true);
    // Give the controllers a chance to (wrongly) act: a slice placeholder would appear for a selector service.
    await cluster.client.create(services, { ...service(ns), metadata: { name: "probe", namespace: ns } });
    await eventually("the probe service's endpoints", async () => (await cluster.client.get(endpoints, ns, "probe").catch(() => undefined)) !== undefined);
    expect(ipsOf(((await getEndpoints(ns))?.subsets as Subset[])[0]!.addresses)).toEqual(["192.168.1.10"]);
    expect(await listSlices(ns)).toEqual([]);
    await cluster.client.delete(services, ns, "web");
    await eventually("the endpoints to go with the service", async () => (await getEndpoints(ns)) === undefined);
  });
});

describe("endpointslice controller", () => {
  test("slices carry the service's endpoints with conditions, labels and owner, split at the slice size", async () => {
    const ns = await namespace();
    const svc = await cluster.client.create(services, service(ns));
    for (const name of ["a", "b", "c", "d"]) await pod(ns, name);
    await report(ns, "a", "10.244.3.1", true);
    await report(ns, "b", "10.244.3.2", true);
    await report(ns, "c", "10.244.3.3", true);
    await report(ns, "d", "10.244.3.4", false);
    const found = await eventually("4 endpoints in slices of at most 3", async () => {
      const items = await listSlices(ns);
      const count = items.reduce((n, s) => n + (s.endpoints as unknown[]).length, 0);
      return count === 4 ? items : undefined;
    });
    expect(found.map((s) => (s.endpoints as unknown[]).length).sort()).toEqual([1, 3]);
    for (const slice of found) {
      expect(slice.metadata.labels).toEqual({ team: "edge", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" });
      expect(slice.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Service", name: "web", uid: svc.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }]);
      expect(slice.addressType).toBe("IPv4");
      expect(slice.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    }
    const d = found.flatMap((s) => s.endpoints as SliceEndpoint[]).find((e) => e.addresses[0] === "10.244.3.4");
    expect(d?.conditions).toEqual({ ready: false, serving: false, terminating: false });

    // A pod being deleted is terminating (its node still has to stop it): serving, not ready.
    await cluster.client.delete(pods, ns, "a", { gracePeriodSeconds: 30 });
    await eventually("a terminating", async () => {
      const a = (await listSlices(ns)).flatMap((s) => s.endpoints as SliceEndpoint[]).find((e) => e.addresses[0] === "10.244.3.1");
      return a && Bun.deepEquals(a.conditions, { ready: false, serving: true, terminating: true });
    });
  });

  test("a service with no pods has one empty placeholder slice; deleting the service removes its slices", async () => {
    const ns = await namespace();
    await cluster.client.create(services, service(ns));
    const placeholder = await eventually("a placeholder slice", async () => {
      const items = await listSlices(ns);
      return items.length === 1 ? items[0] : undefined;
    });
    expect(placeholder.endpoints).toEqual([]);
    await pod(ns, "a");
    await report(ns, "a", "10.244.4.1", true);
    await eventually("one slice with the pod", async () => {
      const items = await listSlices(ns);
      return items.length === 1 && (items[0]!.endpoints as SliceEndpoint[]).length === 1;
    });
    await cluster.client.delete(services, ns, "web");
    await eventually("the slices to be collected with the service", async () => (await listSlices(ns)).length === 0);
  });
});
