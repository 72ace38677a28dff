// Manifests for e2e tests: the objects a user would write, with only the
// fields a test varies as parameters. Plain objects, so tests can tweak them.
import { stringify } from "yaml";

type Json = Record<string, unknown>;

/** A multi-document YAML file, as `kubectl apply -f` reads it. */
export const yamlDocuments = (...objects: Json[]): string => objects.map((o) => stringify(o)).join("---\n");

export const namespace = (name: string): Json => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });

export const configMap = (namespace: string, name: string, data: Record<string, string>, metadata: Json = {}): Json => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, ...metadata },
  data,
});

export const secret = (namespace: string, name: string, stringData: Record<string, string>): Json => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace },
  type: "Opaque",
  stringData,
});

export interface DeploymentParams {
  replicas?: number;
  image?: string;
  labels?: Record<string, string>;
  env?: Record<string, string>;
}

/** A Deployment of one container named like the deployment, selecting pods by `app: <name>`. */
export function deployment(namespace: string, name: string, params: DeploymentParams = {}): Json {
  const container: Json = { name, image: params.image ?? "nginx:1.27", ports: [{ containerPort: 80 }] };
  if (params.env) container.env = Object.entries(params.env).map(([key, value]) => ({ name: key, value }));
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: params.labels ?? { app: name } },
    spec: {
      replicas: params.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [container] } },
    },
  };
}

/** A ClusterIP Service selecting `app: <name>`; its port names no protocol, as most manifests do. */
export const service = (namespace: string, name: string, port = 80): Json => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace },
  spec: { selector: { app: name }, ports: [{ port, targetPort: port }] },
});

export interface Reference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

/** A core/v1 Event about `about`, as a controller records one. */
export const event = (namespace: string, about: Reference, reason: string, message: string): Json => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: `${about.name}.${reason.toLowerCase()}`, namespace },
  involvedObject: { ...about, namespace },
  reason,
  message,
  type: "Normal",
  source: { component: "e2e" },
  firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  count: 1,
});

/** An ownerReference to `owner`, as a controller sets it on what it creates. */
export const ownerReference = (owner: Reference, blockOwnerDeletion = false): Json => ({
  ...owner,
  controller: true,
  blockOwnerDeletion,
});
