// The pod the benchmarks store and list: what a controller and an agent leave.
import type { KubeObject } from "../../control-plane/src/storage/store.ts";

/** A pod as a controller and an agent leave it: about 1.5 KB of JSON once stored. */
export function pod(namespace: string, name: string, i: number): KubeObject {
  const app = `app-${i % 50}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      labels: { app, tier: "backend", "pod-template-hash": "7d9f8c6b5" },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: `${app}-7d9f8c6b5`, uid: "5f0c6a3e-8f0b-4c1e-9d51-2b7f6f2f1a90", controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      nodeName: `edge-${i % 20}`,
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      serviceAccountName: "default",
      containers: [
        {
          name: "app",
          image: "registry.example.com/team/app:1.4.2",
          imagePullPolicy: "IfNotPresent",
          ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
          env: [
            { name: "LOG_LEVEL", value: "info" },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          ],
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 },
        },
      ],
    },
    status: {
      phase: "Running",
      hostIP: `192.168.1.${i % 20}`,
      podIP: `10.42.${(i >> 8) & 255}.${i & 255}`,
      startTime: "2026-11-01T10:00:02Z",
      conditions: ["Initialized", "Ready", "PodScheduled"].map((type) => ({
        type,
        status: "True",
        lastTransitionTime: "2026-11-01T10:00:05Z",
      })),
      containerStatuses: [{ name: "app", ready: true, restartCount: 0, image: "registry.example.com/team/app:1.4.2", started: true }],
    },
  };
}
