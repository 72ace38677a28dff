// Builders for valid objects of each kind; tests change one field at a time.

export const pod = (): Record<string, any> => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "default", labels: { app: "web" } },
  spec: {
    containers: [
      {
        name: "nginx",
        image: "nginx:1.27",
        ports: [{ name: "http", containerPort: 80 }],
        env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: 1, memory: "128Mi" } },
        volumeMounts: [{ name: "config", mountPath: "/etc/nginx/conf.d" }],
        readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5 },
      },
    ],
    volumes: [{ name: "config", configMap: { name: "nginx" } }],
  },
});

export const deployment = (): Record<string, any> => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } },
  },
});

export const replicaSet = (): Record<string, any> => ({ ...deployment(), kind: "ReplicaSet" });

export const daemonSet = (): Record<string, any> => {
  const { replicas: _replicas, ...spec } = deployment().spec;
  return { ...deployment(), kind: "DaemonSet", spec };
};

export const service = (): Record<string, any> => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web", namespace: "default" },
  spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
});

export const namespace = (): Record<string, any> => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } });

export const configMap = (): Record<string, any> => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "nginx", namespace: "default" },
  data: { "nginx.conf": "server {}" },
  binaryData: { "logo.png": "iVBORw0KGgo=" },
});

export const secret = (): Record<string, any> => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "creds", namespace: "default" },
  data: { password: "aHVudGVyMg==" },
});

export const node = (): Record<string, any> => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "edge-1", labels: { "kubernetes.io/hostname": "edge-1" } },
  spec: { podCIDR: "10.244.1.0/24", taints: [{ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }] },
  status: { capacity: { cpu: "4", memory: "8Gi", pods: "110" }, addresses: [{ type: "InternalIP", address: "192.0.2.10" }] },
});

export const endpoints = (): Record<string, any> => ({
  apiVersion: "v1",
  kind: "Endpoints",
  metadata: { name: "web", namespace: "default" },
  subsets: [{ addresses: [{ ip: "10.244.1.5", nodeName: "edge-1" }], ports: [{ port: 80 }] }],
});

export const endpointSlice = (): Record<string, any> => ({
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: { name: "web-abc", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
  addressType: "IPv4",
  endpoints: [{ addresses: ["10.244.1.5"], conditions: { ready: true, serving: true, terminating: false }, nodeName: "edge-1" }],
  ports: [{ name: "http", port: 80, protocol: "TCP" }],
});

export const lease = (): Record<string, any> => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name: "edge-1", namespace: "kube-node-lease" },
  spec: { holderIdentity: "edge-1", leaseDurationSeconds: 40, renewTime: "2025-01-02T03:04:05.123456Z" },
});

export const runtimeClass = (): Record<string, any> => ({
  apiVersion: "node.k8s.io/v1",
  kind: "RuntimeClass",
  metadata: { name: "wasm" },
  handler: "wasmtime",
  scheduling: { nodeSelector: { "ledge.dev/wasm": "true" } },
});

export const event = (): Record<string, any> => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: "web.17a2b", namespace: "default" },
  involvedObject: { kind: "Pod", namespace: "default", name: "web", uid: "u1" },
  reason: "Scheduled",
  message: "Successfully assigned default/web to edge-1",
  source: { component: "default-scheduler" },
  type: "Normal",
  count: 1,
});

export const serviceAccount = (): Record<string, any> => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "default" } });
