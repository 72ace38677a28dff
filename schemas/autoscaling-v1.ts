// autoscaling/v1 Scale, the body of every scale subresource.
import { type Static } from "@sinclair/typebox";
import { ObjectMeta, typeMeta } from "./meta-v1.ts";
import { apiId, int32, kind, named, opt, str } from "./schema-builders.ts";

const autoscalingId = (name: string) => apiId("autoscaling", "v1", name);

export const Scale = kind(
  autoscalingId("Scale"),
  [{ group: "autoscaling", version: "v1", kind: "Scale" }],
  "Scale represents a scaling request for a resource.",
  {
    ...typeMeta(),
    metadata: opt(ObjectMeta),
    spec: opt(
      named(autoscalingId("ScaleSpec"), "ScaleSpec describes the attributes of a scale subresource.", {
        replicas: opt(int32("replicas is the desired number of instances for the scaled object.")),
      }),
    ),
    status: opt(
      named(autoscalingId("ScaleStatus"), "ScaleStatus represents the current status of a scale subresource.", {
        replicas: int32("replicas is the actual number of observed instances of the scaled object."),
        selector: opt(str("selector is the label query over pods that should match the replicas count, in the string form kubectl and HPA read.")),
      }),
    ),
  },
);
export type Scale = Static<typeof Scale>;
