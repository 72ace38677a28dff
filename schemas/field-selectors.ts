// The field selector keys Kubernetes accepts per kind, beyond metadata.name
// and metadata.namespace. Unset fields select as "" because clients rely on
// that (the scheduler lists unbound pods with `spec.nodeName=`).

export type FieldSelectorValue = (object: unknown) => string | undefined;
export type FieldSelectors = Readonly<Record<string, FieldSelectorValue>>;

/** Reads a dotted path; scalars become the strings Kubernetes compares against. */
function at(path: string): FieldSelectorValue {
  const segments = path.split(".");
  return (object) => {
    let value: unknown = object;
    for (const segment of segments) {
      if (value === null || typeof value !== "object") return "";
      value = (value as Record<string, unknown>)[segment];
    }
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return "";
  };
}

/** Booleans select as "false" when unset, as Go's zero value does. */
function flag(path: string): FieldSelectorValue {
  const read = at(path);
  return (object) => read(object) || "false";
}

/** Counters select as "0" when unset, as Go's zero value does. */
function counter(path: string): FieldSelectorValue {
  const read = at(path);
  return (object) => read(object) || "0";
}

const selectorsAt = (paths: readonly string[]): Record<string, FieldSelectorValue> =>
  Object.fromEntries(paths.map((path) => [path, at(path)]));

export const objectMetaFieldSelectors: FieldSelectors = selectorsAt(["metadata.name", "metadata.namespace"]);

export const podFieldSelectors: FieldSelectors = {
  ...objectMetaFieldSelectors,
  ...selectorsAt([
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ]),
  "spec.hostNetwork": flag("spec.hostNetwork"),
};

export const eventFieldSelectors: FieldSelectors = {
  ...objectMetaFieldSelectors,
  ...selectorsAt([
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "type",
  ]),
  // The selector is named for the whole source but compares its component.
  source: at("source.component"),
};

export const secretFieldSelectors: FieldSelectors = { ...objectMetaFieldSelectors, ...selectorsAt(["type"]) };
export const nodeFieldSelectors: FieldSelectors = { ...objectMetaFieldSelectors, "spec.unschedulable": flag("spec.unschedulable") };
export const namespaceFieldSelectors: FieldSelectors = { ...objectMetaFieldSelectors, ...selectorsAt(["status.phase"]) };
export const replicaSetFieldSelectors: FieldSelectors = { ...objectMetaFieldSelectors, "status.replicas": counter("status.replicas") };
export const serviceFieldSelectors: FieldSelectors = { ...objectMetaFieldSelectors, ...selectorsAt(["spec.clusterIP", "spec.type"]) };
