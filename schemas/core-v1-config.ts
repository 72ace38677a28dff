// core/v1 Namespace, ConfigMap, Secret and ServiceAccount.
import { Type, type Static } from "@sinclair/typebox";
import { ObjectMeta, typeMeta } from "./meta-v1.ts";
import { atomicList, bool, bytes, kind, mapList, mapOf, named, opt, str, stringEnum, stringMap, Time } from "./schema-builders.ts";
import { coreGvk, coreId, LocalObjectReference, ObjectReference } from "./core-v1-common.ts";

export const NamespaceCondition = named(coreId("NamespaceCondition"), "NamespaceCondition contains details about state of namespace.", {
  type: str("Type of namespace controller condition."),
  status: str("Status of the condition, one of True, False, Unknown."),
  lastTransitionTime: opt(Time),
  reason: opt(str("Unique, one-word, CamelCase reason for the condition's last transition.")),
  message: opt(str("Human-readable message indicating details about last transition.")),
});

export const Namespace = kind(
  coreId("Namespace"),
  coreGvk("Namespace"),
  "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
  {
    ...typeMeta(),
    metadata: opt(ObjectMeta),
    spec: opt(
      named(coreId("NamespaceSpec"), "NamespaceSpec describes the attributes on a Namespace.", {
        finalizers: opt(atomicList(Type.String(), "Finalizers is an opaque list of values that must be empty to permanently remove object from storage.")),
      }),
    ),
    status: opt(
      named(coreId("NamespaceStatus"), "NamespaceStatus is information about the current status of a Namespace.", {
        phase: opt(stringEnum(["Active", "Terminating"], "Phase is the current lifecycle phase of the namespace.")),
        conditions: opt(mapList(NamespaceCondition, ["type"], "Represents the latest available observations of a namespace's current state.", { mergeKey: "type" })),
      }),
    ),
  },
);
export type Namespace = Static<typeof Namespace>;

export const ConfigMap = kind(coreId("ConfigMap"), coreGvk("ConfigMap"), "ConfigMap holds configuration data for pods to consume.", {
  ...typeMeta(),
  metadata: opt(ObjectMeta),
  immutable: opt(bool("Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).")),
  data: opt(stringMap("Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'.")),
  binaryData: opt(mapOf(bytes("base64 data"), "BinaryData contains the binary data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Keys stored in BinaryData must not overlap with the ones in the Data field.")),
});
export type ConfigMap = Static<typeof ConfigMap>;

export const Secret = kind(coreId("Secret"), coreGvk("Secret"), "Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.", {
  ...typeMeta(),
  metadata: opt(ObjectMeta),
  immutable: opt(bool("Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).")),
  data: opt(mapOf(bytes("base64 data"), "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string.")),
  stringData: opt(stringMap("stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience. All keys and values are merged into the data field on write, overwriting any existing values.")),
  type: opt(str("Used to facilitate programmatic handling of secret data.")),
});
export type Secret = Static<typeof Secret>;

export const ServiceAccount = kind(
  coreId("ServiceAccount"),
  coreGvk("ServiceAccount"),
  "ServiceAccount binds together: * a name, understood by users, and perhaps by peripheral systems, for an identity * a principal that can be authenticated and authorized * a set of secrets",
  {
    ...typeMeta(),
    metadata: opt(ObjectMeta),
    secrets: opt(mapList(ObjectReference, ["name"], "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.", { mergeKey: "name" })),
    imagePullSecrets: opt(atomicList(LocalObjectReference, "ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.")),
    automountServiceAccountToken: opt(bool("AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted.")),
  },
);
export type ServiceAccount = Static<typeof ServiceAccount>;
