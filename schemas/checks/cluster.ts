// Namespace, Node, ConfigMap, Secret, Lease, RuntimeClass, Event and Binding rules.
import type { Lease } from "../coordination-v1.ts";
import type { ConfigMap, Namespace, Secret } from "../core-v1-config.ts";
import type { Event } from "../core-v1-event.ts";
import type { Node } from "../core-v1-node.ts";
import type { Binding } from "../core-v1-pod.ts";
import type { RuntimeClass } from "../node-v1.ts";
import { child, duplicate, index, invalid, invalidEach, key, required, tooLong, type FieldCause } from "./field-errors.ts";
import { configMapKey, dns1123Label, isIP, labelValue, qualifiedName } from "./names.ts";

/** ConfigMaps and Secrets share etcd's object size ceiling. */
export const MAX_DATA_SIZE = 1024 * 1024;

const base64Length = (encoded: string) => Math.floor((encoded.replace(/[\r\n=]/g, "").length * 3) / 4);

function checkDataKeys(keys: Iterable<string>, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const k of keys) causes.push(...invalidEach(key(field, k), k, configMapKey(k)));
  return causes;
}

export function checkNamespace(namespace: Namespace): FieldCause[] {
  const causes: FieldCause[] = [];
  namespace.spec?.finalizers?.forEach((finalizer, i) => {
    causes.push(...invalidEach(index("spec.finalizers", i), finalizer, qualifiedName(finalizer)));
  });
  return causes;
}

export function checkConfigMap(configMap: ConfigMap): FieldCause[] {
  const data = configMap.data ?? {};
  const binary = configMap.binaryData ?? {};
  const causes = [...checkDataKeys(Object.keys(data), "data"), ...checkDataKeys(Object.keys(binary), "binaryData")];
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    size += k.length + Buffer.byteLength(v);
    if (Object.hasOwn(binary, k)) causes.push(invalid(key("data", k), k, "duplicate of key present in binaryData"));
  }
  for (const [k, v] of Object.entries(binary)) size += k.length + base64Length(v);
  if (size > MAX_DATA_SIZE) causes.push(tooLong("", MAX_DATA_SIZE));
  return causes;
}

/** Keys each well-known secret type must carry. */
const REQUIRED_SECRET_KEYS: Record<string, readonly string[]> = {
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
};

export function checkSecret(secret: Secret): FieldCause[] {
  const data = secret.data ?? {};
  const causes = [...checkDataKeys(Object.keys(data), "data"), ...checkDataKeys(Object.keys(secret.stringData ?? {}), "stringData")];
  let size = 0;
  for (const [k, v] of Object.entries(data)) size += k.length + base64Length(v);
  if (size > MAX_DATA_SIZE) causes.push(tooLong("data", MAX_DATA_SIZE));
  const type = secret.type ?? "Opaque";
  const present = new Set([...Object.keys(data), ...Object.keys(secret.stringData ?? {})]);
  for (const requiredKey of REQUIRED_SECRET_KEYS[type] ?? []) {
    if (!present.has(requiredKey)) causes.push(required(key("data", requiredKey)));
  }
  if (type === "kubernetes.io/service-account-token" && !secret.metadata?.annotations?.["kubernetes.io/service-account.name"]) {
    causes.push(required("metadata.annotations[kubernetes.io/service-account.name]"));
  }
  if (type === "kubernetes.io/basic-auth" && !present.has("username") && !present.has("password")) {
    causes.push(required("data[username]"), required("data[password]"));
  }
  return causes;
}

export function checkNode(node: Node): FieldCause[] {
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  node.spec?.taints?.forEach((taint, i) => {
    const path = index("spec.taints", i);
    causes.push(...invalidEach(child(path, "key"), taint.key, qualifiedName(taint.key)));
    if (taint.value) causes.push(...invalidEach(child(path, "value"), taint.value, labelValue(taint.value)));
    const id = `${taint.key}:${taint.effect}`;
    if (seen.has(id)) causes.push(duplicate(path, { key: taint.key, effect: taint.effect }));
    seen.add(id);
  });
  node.status?.addresses?.forEach((address, i) => {
    if ((address.type === "InternalIP" || address.type === "ExternalIP") && !isIP(address.address)) {
      causes.push(invalid(child(index("status.addresses", i), "address"), address.address, "must be a valid IP address"));
    }
  });
  return causes;
}

export function checkLease(lease: Lease): FieldCause[] {
  const spec = lease.spec;
  const causes: FieldCause[] = [];
  if (spec?.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    causes.push(invalid("spec.leaseDurationSeconds", spec.leaseDurationSeconds, "must be greater than 0"));
  }
  if (spec?.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    causes.push(invalid("spec.leaseTransitions", spec.leaseTransitions, "must be greater than or equal to 0"));
  }
  return causes;
}

export function checkRuntimeClass(runtimeClass: RuntimeClass): FieldCause[] {
  if (runtimeClass.handler === "") return [required("handler")];
  return invalidEach("handler", runtimeClass.handler, dns1123Label(runtimeClass.handler));
}

export function checkEvent(event: Event): FieldCause[] {
  const causes: FieldCause[] = [];
  const involved = event.involvedObject.namespace ?? "";
  const own = event.metadata.namespace ?? "";
  if (involved !== "" && own !== "" && involved !== own) {
    causes.push(invalid("involvedObject.namespace", involved, "does not match event.namespace"));
  }
  if (event.count !== undefined && event.count < 0) causes.push(invalid("count", event.count, "must be greater than or equal to 0"));
  return causes;
}

export function checkBinding(binding: Binding): FieldCause[] {
  const causes: FieldCause[] = [];
  if (!binding.target.name) causes.push(required("target.name"));
  if (binding.target.kind && binding.target.kind !== "Node") causes.push(invalid("target.kind", binding.target.kind, "must be empty or 'Node'"));
  return causes;
}
