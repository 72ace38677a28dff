// Fields Kubernetes lets no update change, per kind.
import type { KubeObject } from "../../storage/store.ts";
import { type FieldError, fieldErrors, invalid } from "../errors.ts";
import type { RestRequest } from "./context.ts";

type Json = Record<string, unknown>;
const same = (a: unknown, b: unknown) => Bun.deepEquals(a ?? null, b ?? null);

export function validateUpdate(req: RestRequest, next: KubeObject, old: KubeObject): void {
  const errors: FieldError[] = [];
  // Kubernetes' ValidateObjectMetaUpdate, for every write: a uid (from a
  // patch; a PUT's is a precondition) may not change. An empty one is the old one.
  const uid = next.metadata.uid;
  if (uid !== undefined && uid !== "" && uid !== old.metadata.uid) {
    errors.push(fieldErrors.invalid("metadata.uid", uid, "field is immutable"));
  }
  if (req.subresource !== "status") validateSpecUpdate(req, next, old, errors);
  if (errors.length) throw invalid({ group: req.resource.group, kind: req.resource.kind }, next.metadata.name ?? "", errors);
}

function validateSpecUpdate(req: RestRequest, next: KubeObject, old: KubeObject, errors: FieldError[]): void {
  const spec = (o: KubeObject) => (o.spec ?? {}) as Json;
  switch (req.resource.kind) {
    case "Pod": {
      // Only images, activeDeadlineSeconds and added tolerations may change in a pod's spec.
      const strip = (s: Json) => {
        const copy = structuredClone(s);
        for (const list of ["containers", "initContainers"]) {
          for (const c of (copy[list] as Json[] | undefined) ?? []) delete c.image;
        }
        delete copy.activeDeadlineSeconds;
        delete copy.tolerations;
        delete copy.terminationGracePeriodSeconds;
        return copy;
      };
      if (!same(strip(spec(next)), strip(spec(old)))) {
        errors.push(
          fieldErrors.forbidden(
            "spec",
            "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
          ),
        );
      }
      break;
    }
    case "Deployment":
    case "ReplicaSet":
    case "DaemonSet":
      if (!same(spec(next).selector, spec(old).selector)) {
        errors.push({ ...fieldErrors.invalid("spec.selector", spec(next).selector, "field is immutable"), omitValue: false });
      }
      break;
    case "Service": {
      const oldIP = spec(old).clusterIP;
      if (oldIP && oldIP !== "None" && spec(next).clusterIP !== undefined && spec(next).clusterIP !== oldIP) {
        errors.push(fieldErrors.invalid("spec.clusterIP", spec(next).clusterIP, "field is immutable"));
      }
      break;
    }
    case "ConfigMap":
    case "Secret":
      if (old.immutable === true) {
        if (!same(next.data, old.data) || !same(next.binaryData, old.binaryData)) {
          errors.push(fieldErrors.forbidden("data", "field is immutable when `immutable` is set"));
        }
        if (next.immutable !== true) errors.push(fieldErrors.forbidden("immutable", "field is immutable when `immutable` is set"));
      }
      break;
  }
}
