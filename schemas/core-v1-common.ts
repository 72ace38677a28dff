// core/v1 types shared by several kinds (references, tolerations, taints).
import { type Static } from "@sinclair/typebox";
import { apiId, int64, named, opt, str, stringEnum, Time } from "./schema-builders.ts";

export const coreId = (name: string) => apiId("core", "v1", name);
export const CORE_V1 = { group: "", version: "v1" } as const;
export const coreGvk = (kindName: string) => [{ ...CORE_V1, kind: kindName }];

export const ObjectReference = named(
  coreId("ObjectReference"),
  "ObjectReference contains enough information to let you inspect or modify the referred object.",
  {
    kind: opt(str("Kind of the referent.")),
    namespace: opt(str("Namespace of the referent.")),
    name: opt(str("Name of the referent.")),
    uid: opt(str("UID of the referent.")),
    apiVersion: opt(str("API version of the referent.")),
    resourceVersion: opt(str("Specific resourceVersion to which this reference is made, if any.")),
    fieldPath: opt(str('If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].')),
  },
  { "x-kubernetes-map-type": "atomic" },
);
export type ObjectReference = Static<typeof ObjectReference>;

export const LocalObjectReference = named(
  coreId("LocalObjectReference"),
  "LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.",
  { name: opt(str("Name of the referent.")) },
  { "x-kubernetes-map-type": "atomic" },
);

export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

export const Taint = named(coreId("Taint"), "The node this Taint is attached to has the \"effect\" on any pod that does not tolerate the Taint.", {
  key: str("Required. The taint key to be applied to a node."),
  value: opt(str("The taint value corresponding to the taint key.")),
  effect: stringEnum(TAINT_EFFECTS, "Required. The effect of the taint on pods that do not tolerate the taint. Valid effects are NoSchedule, PreferNoSchedule and NoExecute."),
  timeAdded: opt(Time),
});
export type Taint = Static<typeof Taint>;

export const Toleration = named(
  coreId("Toleration"),
  "The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator <operator>.",
  {
    key: opt(str("Key is the taint key that the toleration applies to. Empty means match all taint keys. If the key is empty, operator must be Exists.")),
    operator: opt(stringEnum(["Exists", "Equal"], "Operator represents a key's relationship to the value. Valid operators are Exists and Equal. Defaults to Equal.")),
    value: opt(str("Value is the taint value the toleration matches to. If the operator is Exists, the value should be empty.")),
    effect: opt(stringEnum(["", ...TAINT_EFFECTS], "Effect indicates the taint effect to match. Empty means match all taint effects.")),
    tolerationSeconds: opt(int64("TolerationSeconds represents the period of time the toleration (which must be of effect NoExecute) tolerates the taint.")),
  },
);
export type Toleration = Static<typeof Toleration>;

export const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
/**
 * A port's protocol. Container and service ports declare Kubernetes'
 * `+default="TCP"`: they are list-map keys, and server-side apply must key an
 * applied port without a protocol as the TCP port it is stored as.
 */
export const protocol = (description: string, options: { default?: (typeof PROTOCOLS)[number] } = {}) =>
  stringEnum(PROTOCOLS, description, options);
