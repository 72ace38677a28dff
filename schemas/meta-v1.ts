// apimachinery meta/v1 types shared by every kind and every API response.
import { Type, type Static } from "@sinclair/typebox";
import {
  atomicList,
  bool,
  int32,
  int64,
  kind,
  mapList,
  metaId,
  named,
  opt,
  setList,
  str,
  stringEnum,
  stringMap,
  Time,
  type GroupVersionKind,
} from "./schema-builders.ts";

export const API_VERSION_DESCRIPTION =
  "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.";
export const KIND_DESCRIPTION =
  "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.";

export const typeMeta = () => ({
  apiVersion: opt(str(API_VERSION_DESCRIPTION)),
  kind: opt(str(KIND_DESCRIPTION)),
});

/** Arbitrary JSON kept verbatim: pruning and strict decoding leave it alone. */
const preserved = (id: string, description: string) =>
  named(id, description, {}, { "x-kubernetes-preserve-unknown-fields": true });

export const FieldsV1 = preserved(
  metaId("FieldsV1"),
  "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.",
);

export const RawExtension = preserved(
  "io.k8s.apimachinery.pkg.runtime.RawExtension",
  "RawExtension is used to hold extensions in external versions: any complete API object.",
);

export const OwnerReference = named(
  metaId("OwnerReference"),
  "OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped, so there is no namespace field.",
  {
    apiVersion: str("API version of the referent."),
    kind: str("Kind of the referent."),
    name: str("Name of the referent."),
    uid: str("UID of the referent."),
    controller: opt(bool("If true, this reference points to the managing controller.")),
    blockOwnerDeletion: opt(
      bool(
        'If true, AND if the owner has the "foregroundDeletion" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed.',
      ),
    ),
  },
  { "x-kubernetes-map-type": "atomic" },
);

export const ManagedFieldsEntry = named(
  metaId("ManagedFieldsEntry"),
  "ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.",
  {
    manager: opt(str("Manager is an identifier of the workflow managing these fields.")),
    operation: opt(str("Operation is the type of operation which lead to this ManagedFieldsEntry being created: 'Apply' and 'Update'.")),
    apiVersion: opt(str("APIVersion defines the version of this resource that this field set applies to.")),
    time: opt(Time),
    fieldsType: opt(str('FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: "FieldsV1"')),
    fieldsV1: opt(FieldsV1),
    subresource: opt(str("Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.")),
  },
);

export const ObjectMeta = named(
  metaId("ObjectMeta"),
  "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
  {
    name: opt(str("Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Cannot be updated.")),
    generateName: opt(str("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.")),
    namespace: opt(str('Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the "default" namespace. Cannot be updated.')),
    selfLink: opt(str("Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.")),
    uid: opt(str("UID is the unique in time and space value for this object. Populated by the system. Read-only.")),
    resourceVersion: opt(str("An opaque value that represents the internal version of this object, used for optimistic concurrency, change detection, and the watch operation. Populated by the system. Read-only.")),
    generation: opt(int64("A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.")),
    creationTimestamp: opt(Time),
    deletionTimestamp: opt(Time),
    deletionGracePeriodSeconds: opt(int64("Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set.")),
    labels: opt(stringMap("Map of string keys and values that can be used to organize and categorize (scope and select) objects.")),
    annotations: opt(stringMap("Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.")),
    ownerReferences: opt(
      mapList(OwnerReference, ["uid"], "List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected.", { mergeKey: "uid" }),
    ),
    finalizers: opt(
      setList(Type.String(), "Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list.", "merge"),
    ),
    managedFields: opt(atomicList(ManagedFieldsEntry, "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.")),
  },
);
export type ObjectMeta = Static<typeof ObjectMeta>;

export const ListMeta = named(
  metaId("ListMeta"),
  "ListMeta describes metadata that synthetic resources must have, including lists and various status objects.",
  {
    selfLink: opt(str("Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.")),
    resourceVersion: opt(str("String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed.")),
    continue: opt(str("continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available.")),
    remainingItemCount: opt(int64("remainingItemCount is the number of subsequent items in the list which are not included in this list response.")),
  },
);
export type ListMeta = Static<typeof ListMeta>;

export const LabelSelectorRequirement = named(
  metaId("LabelSelectorRequirement"),
  "A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.",
  {
    key: str("key is the label key that the selector applies to."),
    operator: str("operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist."),
    values: opt(atomicList(Type.String(), "values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty.")),
  },
);

export const LabelSelector = named(
  metaId("LabelSelector"),
  "A label selector is a label query over a set of resources. The result of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects. A null label selector matches no objects.",
  {
    matchLabels: opt(stringMap("matchLabels is a map of {key,value} pairs; each is equivalent to an element of matchExpressions whose key field is \"key\", the operator is \"In\", and the values array contains only \"value\".")),
    matchExpressions: opt(atomicList(LabelSelectorRequirement, "matchExpressions is a list of label selector requirements. The requirements are ANDed.")),
  },
  { "x-kubernetes-map-type": "atomic" },
);
export type LabelSelector = Static<typeof LabelSelector>;

export const Condition = named(
  metaId("Condition"),
  "Condition contains details for one aspect of the current state of this API Resource.",
  {
    type: str("type of condition in CamelCase or in foo.example.com/CamelCase."),
    status: stringEnum(["True", "False", "Unknown"], "status of the condition, one of True, False, Unknown."),
    observedGeneration: opt(int64("observedGeneration represents the .metadata.generation that the condition was set based upon.")),
    lastTransitionTime: Time,
    reason: str("reason contains a programmatic identifier indicating the reason for the condition's last transition."),
    message: str("message is a human readable message indicating details about the transition."),
  },
);

export const StatusCause = named(
  metaId("StatusCause"),
  "StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.",
  {
    reason: opt(str("A machine-readable description of the cause of the error. If this value is empty there is no information available.")),
    message: opt(str("A human-readable description of the cause of the error. This field may be presented as-is to a reader.")),
    field: opt(str('The field of the resource that has caused this error, as named by its JSON serialization, e.g. "spec.containers[0].name".')),
  },
);

export const StatusDetails = named(
  metaId("StatusDetails"),
  "StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.",
  {
    name: opt(str("The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).")),
    group: opt(str("The group attribute of the resource associated with the status StatusReason.")),
    kind: opt(str("The kind attribute of the resource associated with the status StatusReason.")),
    uid: opt(str("UID of the resource. (when there is a single resource which can be described).")),
    causes: opt(atomicList(StatusCause, "The Causes array includes more details associated with the StatusReason failure.")),
    retryAfterSeconds: opt(int32("If specified, the time in seconds before the operation should be retried.")),
  },
);

const metaGvk = (kindName: string): GroupVersionKind[] => [{ group: "", version: "v1", kind: kindName }];

export const Status = kind(metaId("Status"), metaGvk("Status"), "Status is a return value for calls that don't return other objects.", {
  ...typeMeta(),
  metadata: opt(ListMeta),
  status: opt(str('Status of the operation. One of: "Success" or "Failure".')),
  message: opt(str("A human-readable description of the status of this operation.")),
  reason: opt(str('A machine-readable description of why this operation is in the "Failure" status.')),
  details: opt(StatusDetails),
  code: opt(int32("Suggested HTTP return code for this status, 0 if not set.")),
});
export type Status = Static<typeof Status>;

export const Preconditions = named(
  metaId("Preconditions"),
  "Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.",
  {
    uid: opt(str("Specifies the target UID.")),
    resourceVersion: opt(str("Specifies the target ResourceVersion")),
  },
);

/** Every group that serves kinds also accepts DeleteOptions and WatchEvent. */
export const SERVED_GROUP_VERSIONS = [
  { group: "", version: "v1" },
  { group: "apps", version: "v1" },
  { group: "coordination.k8s.io", version: "v1" },
  { group: "discovery.k8s.io", version: "v1" },
  { group: "node.k8s.io", version: "v1" },
  { group: "policy", version: "v1" },
  { group: "autoscaling", version: "v1" },
] as const;

const everyGroup = (kindName: string): GroupVersionKind[] =>
  SERVED_GROUP_VERSIONS.map(({ group, version }) => ({ group, version, kind: kindName }));

export const DeleteOptions = kind(metaId("DeleteOptions"), everyGroup("DeleteOptions"), "DeleteOptions may be provided when deleting an API object.", {
  ...typeMeta(),
  gracePeriodSeconds: opt(int64("The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately.")),
  preconditions: opt(Preconditions),
  orphanDependents: opt(bool("Deprecated: please use the PropagationPolicy. Should the dependent objects be orphaned.")),
  propagationPolicy: opt(str("Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'.")),
  dryRun: opt(atomicList(Type.String(), "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed")),
  ignoreStoreReadErrorWithClusterBreakingPotential: opt(bool("if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.")),
});
export type DeleteOptions = Static<typeof DeleteOptions>;

export const WatchEvent = kind(metaId("WatchEvent"), everyGroup("WatchEvent"), "Event represents a single event to a watched resource.", {
  type: str("ADDED, MODIFIED, DELETED, BOOKMARK or ERROR."),
  object: RawExtension,
});
export type WatchEvent = Static<typeof WatchEvent>;

export const Patch = named(
  metaId("Patch"),
  "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
  {},
  { "x-kubernetes-preserve-unknown-fields": true },
);

export const TableColumnDefinition = named(
  metaId("TableColumnDefinition"),
  "TableColumnDefinition contains information about a column returned in the Table.",
  {
    name: str("name is a human readable name for the column."),
    type: str("type is an OpenAPI type definition for this column, such as number, integer, string, or array."),
    format: str("format is an optional OpenAPI type modifier for this column, such as 'name' or 'date'."),
    description: str("description is a human readable description of this column."),
    priority: int32("priority is an integer defining the relative importance of this column compared to others. Lower numbers are considered higher priority."),
  },
);

export const TableRowCondition = named(metaId("TableRowCondition"), "TableRowCondition allows a row to be marked with additional information.", {
  type: str("Type of row condition. The only defined value is 'Completed'."),
  status: str("Status of the condition, one of True, False, Unknown."),
  reason: opt(str("(brief) machine readable reason for the condition's last transition.")),
  message: opt(str("Human readable message indicating details about last transition.")),
});

export const TableRow = named(metaId("TableRow"), "TableRow is an individual row in a table.", {
  cells: atomicList(Type.Unknown(), "cells will be as wide as the column definitions array and may contain strings, numbers, booleans, simple maps, lists, or null."),
  conditions: opt(atomicList(TableRowCondition, "conditions describe additional status of a row that are relevant for a human user.")),
  object: opt(RawExtension),
});

export const Table = kind(
  metaId("Table"),
  [
    { group: "meta.k8s.io", version: "v1", kind: "Table" },
    { group: "meta.k8s.io", version: "v1beta1", kind: "Table" },
  ],
  "Table is a tabular representation of a set of API resources. The server transforms the object into a set of preferred columns for quickly reviewing the objects.",
  {
    ...typeMeta(),
    metadata: opt(ListMeta),
    columnDefinitions: atomicList(TableColumnDefinition, "columnDefinitions describes each column in the returned items array."),
    rows: atomicList(TableRow, "rows is the list of items in the table."),
  },
);
export type Table = Static<typeof Table>;

export const PartialObjectMetadata = kind(
  metaId("PartialObjectMetadata"),
  [{ group: "meta.k8s.io", version: "v1", kind: "PartialObjectMetadata" }],
  "PartialObjectMetadata is a generic representation of any object with ObjectMeta.",
  { ...typeMeta(), metadata: opt(ObjectMeta) },
);
