// policy/v1 Eviction, posted to pods/eviction.
import { type Static } from "@sinclair/typebox";
import { DeleteOptions, ObjectMeta, typeMeta } from "./meta-v1.ts";
import { apiId, kind, opt } from "./schema-builders.ts";

export const Eviction = kind(
  apiId("policy", "v1", "Eviction"),
  [{ group: "policy", version: "v1", kind: "Eviction" }],
  "Eviction evicts a pod from its node subject to certain policies and safety constraints. This is a subresource of Pod.",
  { ...typeMeta(), metadata: opt(ObjectMeta), deleteOptions: opt(DeleteOptions) },
);
export type Eviction = Static<typeof Eviction>;
