// Small hand-written schemas mirroring Kubernetes' own extensions, built with
// TypeBox as `schemas/` does, for the tests in this folder.

import { Type, type TSchema } from "@sinclair/typebox";
import type { SchemaNode } from "./schema-node.ts";

const str = Type.String();
const int = Type.Integer();
const intOrString = Type.Union([Type.Integer(), Type.String()], { "x-kubernetes-int-or-string": true });
const stringMap = Type.Record(Type.String(), Type.String());
const atomicStringMap = Type.Record(Type.String(), Type.String(), { "x-kubernetes-map-type": "atomic" });

function mapList(item: TSchema, mergeKey: string, keys: string[], strategy = "merge"): TSchema {
  return Type.Array(item, {
    "x-kubernetes-patch-merge-key": mergeKey,
    "x-kubernetes-patch-strategy": strategy,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": keys,
  });
}

const objectMeta = Type.Object({
  name: Type.Optional(str),
  generateName: Type.Optional(str),
  namespace: Type.Optional(str),
  uid: Type.Optional(str),
  resourceVersion: Type.Optional(str),
  generation: Type.Optional(int),
  creationTimestamp: Type.Optional(str),
  labels: Type.Optional(stringMap),
  annotations: Type.Optional(stringMap),
  finalizers: Type.Optional(
    Type.Array(str, { "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set" }),
  ),
  ownerReferences: Type.Optional(
    mapList(
      Type.Object({ apiVersion: str, kind: str, name: str, uid: str, controller: Type.Optional(Type.Boolean()) }),
      "uid",
      ["uid"],
    ),
  ),
  managedFields: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
});

const envVar = Type.Object({
  name: str,
  value: Type.Optional(str),
  valueFrom: Type.Optional(
    Type.Object({
      fieldRef: Type.Optional(Type.Object({ fieldPath: str }, { "x-kubernetes-map-type": "atomic" })),
      secretKeyRef: Type.Optional(Type.Object({ name: str, key: str }, { "x-kubernetes-map-type": "atomic" })),
    }),
  ),
});

const containerPort = Type.Object({
  name: Type.Optional(str),
  containerPort: int,
  protocol: Type.Optional(Type.String({ default: "TCP" })),
});

const container = Type.Object({
  name: str,
  image: Type.Optional(str),
  imagePullPolicy: Type.Optional(str),
  command: Type.Optional(Type.Array(str, { "x-kubernetes-list-type": "atomic" })),
  args: Type.Optional(Type.Array(str, { "x-kubernetes-list-type": "atomic" })),
  ports: Type.Optional(mapList(containerPort, "containerPort", ["containerPort", "protocol"])),
  env: Type.Optional(mapList(envVar, "name", ["name"])),
  resources: Type.Optional(
    Type.Object({
      limits: Type.Optional(Type.Record(Type.String(), intOrString)),
      requests: Type.Optional(Type.Record(Type.String(), intOrString)),
    }),
  ),
  volumeMounts: Type.Optional(
    mapList(Type.Object({ name: str, mountPath: str, readOnly: Type.Optional(Type.Boolean()) }), "mountPath", ["mountPath"]),
  ),
});

const volume = Type.Object({
  name: str,
  emptyDir: Type.Optional(Type.Object({ medium: Type.Optional(str), sizeLimit: Type.Optional(intOrString) })),
  configMap: Type.Optional(Type.Object({ name: Type.Optional(str), defaultMode: Type.Optional(int) })),
  hostPath: Type.Optional(Type.Object({ path: str, type: Type.Optional(str) })),
});

const toleration = Type.Object({
  key: Type.Optional(str),
  operator: Type.Optional(str),
  value: Type.Optional(str),
  effect: Type.Optional(str),
});

const podSpec = Type.Object({
  containers: mapList(container, "name", ["name"]),
  initContainers: Type.Optional(mapList(container, "name", ["name"])),
  volumes: Type.Optional(mapList(volume, "name", ["name"], "merge,retainKeys")),
  // Kubernetes gives tolerations no list type or patch strategy: atomic.
  tolerations: Type.Optional(Type.Array(toleration)),
  nodeSelector: Type.Optional(atomicStringMap),
  restartPolicy: Type.Optional(str),
  serviceAccountName: Type.Optional(str),
});

const podTemplate = Type.Object({ metadata: Type.Optional(objectMeta), spec: Type.Optional(podSpec) });

export const podSchema: SchemaNode = Type.Object({
  apiVersion: Type.Optional(str),
  kind: Type.Optional(str),
  metadata: Type.Optional(objectMeta),
  spec: Type.Optional(podSpec),
  status: Type.Optional(
    Type.Object({
      phase: Type.Optional(str),
      conditions: Type.Optional(mapList(Type.Object({ type: str, status: str }), "type", ["type"])),
    }),
  ),
});

export const deploymentSchema: SchemaNode = Type.Object({
  apiVersion: Type.Optional(str),
  kind: Type.Optional(str),
  metadata: Type.Optional(objectMeta),
  spec: Type.Optional(
    Type.Object({
      replicas: Type.Optional(int),
      selector: Type.Optional(
        Type.Object({ matchLabels: Type.Optional(stringMap) }, { "x-kubernetes-map-type": "atomic" }),
      ),
      template: Type.Optional(podTemplate),
      strategy: Type.Optional(
        Type.Object(
          {
            type: Type.Optional(str),
            rollingUpdate: Type.Optional(
              Type.Object({ maxSurge: Type.Optional(intOrString), maxUnavailable: Type.Optional(intOrString) }),
            ),
          },
          { "x-kubernetes-patch-strategy": "retainKeys" },
        ),
      ),
      paused: Type.Optional(Type.Boolean()),
    }),
  ),
  status: Type.Optional(Type.Object({ replicas: Type.Optional(int), readyReplicas: Type.Optional(int) })),
});

export const serviceSchema: SchemaNode = Type.Object({
  apiVersion: Type.Optional(str),
  kind: Type.Optional(str),
  metadata: Type.Optional(objectMeta),
  spec: Type.Optional(
    Type.Object({
      type: Type.Optional(str),
      clusterIP: Type.Optional(str),
      selector: Type.Optional(atomicStringMap),
      ports: Type.Optional(
        mapList(
          Type.Object({
            name: Type.Optional(str),
            port: int,
            targetPort: Type.Optional(intOrString),
            protocol: Type.Optional(Type.String({ default: "TCP" })),
            nodePort: Type.Optional(int),
          }),
          "port",
          ["port", "protocol"],
        ),
      ),
    }),
  ),
});

/** A custom resource whose spec keeps unknown fields, as CRDs with preserve-unknown-fields do. */
export const widgetSchema: SchemaNode = Type.Object({
  apiVersion: Type.Optional(str),
  kind: Type.Optional(str),
  metadata: Type.Optional(objectMeta),
  spec: Type.Optional(Type.Object({}, { "x-kubernetes-preserve-unknown-fields": true })),
});
