// The public face of schemas/: resource types, the registry, validation,
// defaulting and the OpenAPI documents generated from the same schemas.
export * from "./schema-builders.ts";
export * from "./meta-v1.ts";
export * from "./core-v1-common.ts";
export * from "./core-v1-pod.ts";
export * from "./core-v1-service.ts";
export * from "./core-v1-node.ts";
export * from "./core-v1-config.ts";
export * from "./core-v1-event.ts";
export * as apps from "./apps-v1.ts";
export { DaemonSet, Deployment, ReplicaSet } from "./apps-v1.ts";
export { Lease } from "./coordination-v1.ts";
export * as discovery from "./discovery-v1.ts";
export { EndpointSlice } from "./discovery-v1.ts";
export { RuntimeClass } from "./node-v1.ts";
export { Eviction } from "./policy-v1.ts";
export { Scale } from "./autoscaling-v1.ts";
export * from "./field-selectors.ts";
export * from "./registry.ts";
export * from "./validate.ts";
export * from "./defaults.ts";
export * from "./openapi.ts";
