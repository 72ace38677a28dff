// pods/binding (the scheduler's write) and pods/eviction.
import type { KubeObject } from "../../storage/store.ts";
import { badRequest, conflict, successStatus } from "../errors.ts";
import { json } from "../negotiate.ts";
import { readObject } from "../request-body.ts";
import { isDryRun, objectKey, type RestRequest } from "./context.ts";
import { storeOptions } from "./delete.ts";
import { fetchObject, translated } from "./store-calls.ts";

type Json = Record<string, unknown>;

export async function bind(req: RestRequest): Promise<Response> {
  const body = await readObject(req.request, req.deps.maxBodyBytes);
  const target = body.target as { kind?: string; name?: string } | undefined;
  if (!target?.name) throw badRequest("a Binding needs target.name, the node to bind to");
  if (target.kind && target.kind !== "Node") throw badRequest(`a pod can only be bound to a Node, not a ${target.kind}`);
  const bindingName = (body.metadata as Json | undefined)?.name;
  if (bindingName !== undefined && bindingName !== req.name) {
    throw badRequest(`the name of the binding (${String(bindingName)}) does not match the pod (${req.name})`);
  }
  const bindingGroupResource = { group: "", resource: "pods/binding" };
  await translated(req, () =>
    req.deps.store.guaranteedUpdate(objectKey(req), (pod) => {
      const spec = (pod.spec ?? {}) as Json;
      if (pod.metadata.deletionTimestamp) throw conflict(bindingGroupResource, req.name ?? "", `pod ${req.name} is being deleted, cannot be assigned to a host`);
      if (spec.nodeName) throw conflict(bindingGroupResource, req.name ?? "", `pod ${req.name} is already assigned to node "${String(spec.nodeName)}"`);
      const status = (pod.status ?? {}) as Json;
      const conditions = ((status.conditions as Json[] | undefined) ?? []).filter((c) => c.type !== "PodScheduled");
      conditions.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") });
      return { ...pod, spec: { ...spec, nodeName: target.name }, status: { ...status, conditions } } as KubeObject;
    }, { dryRun: isDryRun(req) }),
  );
  return json(successStatus({ name: req.name ?? "", kind: "pods" }), 201);
}

export async function evict(req: RestRequest): Promise<Response> {
  const body = await readObject(req.request, req.deps.maxBodyBytes);
  const deleteOptions = (body.deleteOptions ?? {}) as Json;
  const pod = await fetchObject(req);
  await translated(req, () =>
    req.deps.store.delete(
      objectKey(req),
      storeOptions(
        req,
        {
          gracePeriodSeconds: deleteOptions.gracePeriodSeconds as number | undefined,
          preconditions: deleteOptions.preconditions as { uid?: string; resourceVersion?: string } | undefined,
        },
        pod,
      ),
    ),
  );
  return json(successStatus({ name: req.name ?? "", kind: "pods" }), 201);
}
