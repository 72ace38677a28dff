// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for
// (Accept: application/json;as=Table;v=v1;g=meta.k8s.io). kubectl draws what
// we send, so columns and cells follow Kubernetes 1.32's printers
// (pkg/printers/internalversion) cell for cell. Like the real server we print
// every column and leave it to kubectl to hide priority-1 columns without -o wide.
//
// Printers read stored objects, which Kubernetes would have defaulted on
// decode; where a default decides a cell (Service type, port protocol,
// replicas) the printer applies it so an undefaulted object prints the same.

import type { Container, Pod, PodTemplateSpec } from "../../../schemas/core-v1-pod.ts";
import type { LabelSelector, ListMeta, ObjectMeta, Table as MetaV1Table } from "../../../schemas/meta-v1.ts";
import type { KubeObject } from "../storage/store.ts";
import { formatLabels, formatLabelSelector, labelSelectorToString, SelectorError } from "./selectors.ts";

export type IncludeObject = "None" | "Metadata" | "Object";

export type TableColumnDefinition = MetaV1Table["columnDefinitions"][number];
export type TableRowCondition = NonNullable<MetaV1Table["rows"][number]["conditions"]>[number];

export interface PartialObjectMetadata {
  kind: "PartialObjectMetadata";
  apiVersion: "meta.k8s.io/v1";
  metadata: KubeObject["metadata"];
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** Absent for includeObject=None. */
  object?: KubeObject | PartialObjectMetadata;
}

export interface Table extends MetaV1Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: ListMeta;
  rows: TableRow[];
}

export interface RowOptions {
  /** What each row carries besides its cells; Kubernetes' default is Metadata. */
  includeObject?: IncludeObject;
  /** Every column, as the real server sends (default). False drops priority > 0 columns. */
  wide?: boolean;
  /** The clock AGE is measured against; defaults to now. */
  now?: number | Date;
}

export interface TableOptions extends RowOptions {
  /** Leave columnDefinitions empty, as watch events after the first do. */
  noHeaders?: boolean;
  /** Of the list, or of the object for a single GET. */
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

// ---------------------------------------------------------------------------
// Time

/** Kubernetes' duration.HumanDuration: ~2-3 significant figures ("5s", "3m20s", "2d3h"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  // Up to two seconds in the future is clock skew and reads as now.
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

const parseTime = (timestamp: string | undefined | null): number | undefined => {
  if (!timestamp) return undefined;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : ms;
};

/** How long ago `timestamp` was, or "<unknown>" when it is missing. */
export function translateTimestampSince(timestamp: string | undefined | null, now: number): string {
  const ms = parseTime(timestamp);
  return ms === undefined ? "<unknown>" : humanDuration(now - ms);
}

// ---------------------------------------------------------------------------
// Column definitions

// Descriptions are not shown by kubectl; these say what the column holds.
const NAME_DESCRIPTION = "Name must be unique within a namespace.";
const AGE_DESCRIPTION = "CreationTimestamp is a timestamp representing the server time when this object was created.";

const column = (name: string, type: string, description: string, extra: { priority?: number; format?: string } = {}): TableColumnDefinition => ({
  name,
  type,
  format: extra.format ?? "",
  description,
  priority: extra.priority ?? 0,
});
const nameColumn = (priority = 0): TableColumnDefinition => column("Name", "string", NAME_DESCRIPTION, { format: "name", priority });
const ageColumn = (): TableColumnDefinition => column("Age", "string", AGE_DESCRIPTION);
const wide = (name: string, type: string, description: string): TableColumnDefinition => column(name, type, description, { priority: 1 });
const templateColumns = (): TableColumnDefinition[] => [
  wide("Containers", "string", "Names of each container in the template."),
  wide("Images", "string", "Images referenced by each container in the template."),
  wide("Selector", "string", "Label query over pods that this workload manages."),
];

// ---------------------------------------------------------------------------
// Printers

interface PrintContext {
  now: number;
  wide: boolean;
}

interface Printer {
  readonly columns: readonly TableColumnDefinition[];
  /** One cell per column, in column order. */
  cells(object: KubeObject, context: PrintContext): unknown[];
  conditions?(object: KubeObject): TableRowCondition[] | undefined;
}

// Local views of kinds schemas/ does not type yet: only what the printers read.
interface ObjectWithMeta {
  metadata?: ObjectMeta;
}
interface Namespace extends ObjectWithMeta {
  status?: { phase?: string };
}
interface NodeView extends ObjectWithMeta {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}
interface ServiceView extends ObjectWithMeta {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    ports?: { port: number; nodePort?: number; protocol?: string }[];
    selector?: Record<string, string>;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}
interface EndpointsView extends ObjectWithMeta {
  subsets?: { addresses?: { ip: string }[]; ports?: { name?: string; port: number }[] }[];
}
interface EndpointSliceView extends ObjectWithMeta {
  addressType?: string;
  ports?: { name?: string; port?: number }[] | null;
  endpoints?: { addresses?: string[] }[] | null;
}
interface ConfigMapView extends ObjectWithMeta {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}
interface SecretView extends ObjectWithMeta {
  type?: string;
  data?: Record<string, string>;
}
interface ServiceAccountView extends ObjectWithMeta {
  secrets?: unknown[];
}
interface EventView extends ObjectWithMeta {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}
interface WorkloadView extends ObjectWithMeta {
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplateSpec };
}
interface DeploymentView extends WorkloadView {
  status?: { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
}
interface ReplicaSetView extends WorkloadView {
  status?: { replicas?: number; readyReplicas?: number };
}
interface DaemonSetView extends WorkloadView {
  status?: {
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}
interface LeaseView extends ObjectWithMeta {
  spec?: { holderIdentity?: string | null };
}
interface RuntimeClassView extends ObjectWithMeta {
  handler?: string;
}
interface ScaleView extends ObjectWithMeta {
  spec?: { replicas?: number };
  status?: { replicas?: number };
}

// The printers receive any stored object; the views above describe what they may find.
const as = <T>(object: KubeObject): T => object as unknown as T;
const nameOf = (object: KubeObject): string => object.metadata.name ?? "";
const ageOf = (object: KubeObject, context: PrintContext): string =>
  translateTimestampSince(object.metadata.creationTimestamp, context.now);

function containerCells(containers: readonly Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(","), list.map((c) => c.image ?? "").join(",")];
}

// "a,b,c + 2 more..." with at most three shown, as Kubernetes' list printers do.
const MAX_LISTED = 3;
function listWithMore(list: string[], count: number, empty: string): string {
  const shown = list.join(",");
  if (count > MAX_LISTED) return `${shown} + ${count - MAX_LISTED} more...`;
  return shown === "" ? empty : shown;
}

// ----- Pod

const POD_COMPLETED: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
];
const POD_FAILED: TableRowCondition[] = [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];

type ContainerStatus = NonNullable<NonNullable<Pod["status"]>["containerStatuses"]>[number];

const finishedAt = (status: ContainerStatus): number => parseTime(status.lastState?.terminated?.finishedAt) ?? 0;

function terminatedReason(terminated: { reason?: string; signal?: number; exitCode: number }, prefix: string): string {
  if (terminated.reason) return prefix + terminated.reason;
  return terminated.signal ? `${prefix}Signal:${terminated.signal}` : `${prefix}ExitCode:${terminated.exitCode ?? 0}`;
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** READY, STATUS and RESTARTS as kubectl shows them. */
export function summarizePod(pod: Pod, now: number): PodSummary {
  const spec = pod.spec;
  const status = pod.status ?? {};
  const conditions = status.conditions ?? [];
  const phase = status.phase ?? "";
  let reason: string = status.reason || phase;
  if (conditions.some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) reason = "SchedulingGated";

  // Sidecars (init containers that restart) count as containers of the pod.
  const sidecars = new Set((spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").map((c) => c.name));
  const totalContainers = (spec?.containers ?? []).length + sidecars.size;
  let readyContainers = 0;
  let restarts = 0;
  let lastRestart = 0;
  let sidecarRestarts = 0;
  let lastSidecarRestart = 0;

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i] as ContainerStatus;
    restarts += container.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finishedAt(container));
    const isSidecar = sidecars.has(container.name);
    if (isSidecar) {
      sidecarRestarts += container.restartCount ?? 0;
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(container));
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (isSidecar && container.started === true) {
      if (container.ready) readyContainers++;
      continue;
    }
    if (terminated) reason = terminatedReason(terminated, "Init:");
    else if (waiting?.reason && waiting.reason !== "PodInitializing") reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${(spec?.initContainers ?? []).length}`;
    initializing = true;
    break;
  }

  const initialized = conditions.some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Backwards, so the first container's state decides STATUS, as in kubectl.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i] as ContainerStatus;
      restarts += container.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, finishedAt(container));
      const { waiting, terminated, running } = container.state ?? {};
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated) reason = terminatedReason(terminated, "");
      else if (container.ready && running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = conditions.some((c) => c.type === "Ready" && c.status === "True") ? "Running" : "NotReady";
    }
  }

  if (pod.metadata?.deletionTimestamp) {
    if (status.reason === "NodeLost") reason = "Unknown";
    else if (phase !== "Succeeded" && phase !== "Failed") reason = "Terminating";
  }

  const restartText =
    restarts !== 0 && lastRestart !== 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartText };
}

const podPrinter: Printer = {
  columns: [
    nameColumn(),
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
    ageColumn(),
    wide("IP", "string", "The IP address allocated to the pod."),
    wide("Node", "string", "The node the pod is scheduled to."),
    wide("Nominated Node", "string", "The node the pod is expected to run on after preempting others."),
    wide("Readiness Gates", "string", "How many of the pod's readiness gates are true."),
  ],
  cells(object, context) {
    const pod = as<Pod>(object);
    const summary = summarizePod(pod, context.now);
    const conditions = pod.status?.conditions ?? [];
    const gates = pod.spec?.readinessGates ?? [];
    const gatesTrue = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === "True").length;
    return [
      nameOf(object),
      summary.ready,
      summary.status,
      summary.restarts,
      ageOf(object, context),
      pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || "<none>",
      pod.spec?.nodeName || "<none>",
      pod.status?.nominatedNodeName || "<none>",
      gates.length > 0 ? `${gatesTrue}/${gates.length}` : "<none>",
    ];
  },
  conditions(object) {
    const phase = as<Pod>(object).status?.phase;
    return phase === "Succeeded" ? POD_COMPLETED : phase === "Failed" ? POD_FAILED : undefined;
  },
};

// ----- Namespace, Node

const namespacePrinter: Printer = {
  columns: [nameColumn(), column("Status", "string", "The status of the namespace"), ageColumn()],
  // Kubernetes defaults an empty phase to Active.
  cells: (object, context) => [nameOf(object), as<Namespace>(object).status?.phase || "Active", ageOf(object, context)],
};

const NODE_ROLE_PREFIX = "node-role.kubernetes.io/";
const NODE_ROLE_LABEL = "kubernetes.io/role";

function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.startsWith(NODE_ROLE_PREFIX) && key.length > NODE_ROLE_PREFIX.length) roles.add(key.slice(NODE_ROLE_PREFIX.length));
    else if (key === NODE_ROLE_LABEL && value !== "") roles.add(value);
  }
  return [...roles].sort().join(",") || "<none>";
}

const nodeAddress = (node: NodeView, type: string): string =>
  node.status?.addresses?.find((a) => a.type === type)?.address ?? "<none>";

const nodePrinter: Printer = {
  columns: [
    nameColumn(),
    column("Status", "string", "The status of the node"),
    column("Roles", "string", "The roles of the node"),
    ageColumn(),
    column("Version", "string", "Kubelet Version reported by the node."),
    wide("Internal-IP", "string", "The node's internal address."),
    wide("External-IP", "string", "The node's external address."),
    wide("OS-Image", "string", "OS Image reported by the node."),
    wide("Kernel-Version", "string", "Kernel Version reported by the node."),
    wide("Container-Runtime", "string", "ContainerRuntime Version reported by the node."),
  ],
  cells(object, context) {
    const node = as<NodeView>(object);
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    const status = [ready === undefined ? "Unknown" : ready.status === "True" ? "Ready" : "NotReady"];
    if (node.spec?.unschedulable) status.push("SchedulingDisabled");
    const info = node.status?.nodeInfo ?? {};
    return [
      nameOf(object),
      status.join(","),
      nodeRoles(object.metadata.labels),
      ageOf(object, context),
      info.kubeletVersion ?? "",
      nodeAddress(node, "InternalIP"),
      nodeAddress(node, "ExternalIP"),
      info.osImage || "<unknown>",
      info.kernelVersion || "<unknown>",
      info.containerRuntimeVersion || "<unknown>",
    ];
  },
};

// ----- Service, Endpoints, EndpointSlice

const LOAD_BALANCER_WIDTH = 16;

function loadBalancerAddresses(service: ServiceView, wideOutput: boolean): string {
  const addresses = new Set<string>();
  for (const ingress of service.status?.loadBalancer?.ingress ?? []) {
    if (ingress.ip) addresses.add(ingress.ip);
    else if (ingress.hostname) addresses.add(ingress.hostname);
  }
  const text = [...addresses].sort().join(",");
  return !wideOutput && text.length > LOAD_BALANCER_WIDTH ? `${text.slice(0, LOAD_BALANCER_WIDTH - 3)}...` : text;
}

function serviceExternalIP(service: ServiceView, type: string, wideOutput: boolean): string {
  const externalIPs = service.spec?.externalIPs ?? [];
  switch (type) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerAddresses(service, wideOutput);
      if (externalIPs.length > 0) return [...(lb ? lb.split(",") : []), ...externalIPs].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return service.spec?.externalName ?? "";
    default:
      return "<unknown>";
  }
}

const servicePorts = (service: ServiceView): string =>
  (service.spec?.ports ?? [])
    .map((p) => {
      const protocol = p.protocol || "TCP";
      return p.nodePort ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(",") || "<none>";

const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    column("Type", "string", "How the Service is exposed."),
    column("Cluster-IP", "string", "The cluster-internal address of the service."),
    column("External-IP", "string", "Addresses outside the cluster that reach the service."),
    column("Port(s)", "string", "The ports the service exposes."),
    ageColumn(),
    wide("Selector", "string", "The labels of the pods the service routes to."),
  ],
  cells(object, context) {
    const service = as<ServiceView>(object);
    const type = service.spec?.type || "ClusterIP";
    const clusterIP = service.spec?.clusterIPs?.[0] ?? (service.spec?.clusterIP || "<none>");
    return [
      nameOf(object),
      type,
      clusterIP,
      serviceExternalIP(service, type, context.wide),
      servicePorts(service),
      ageOf(object, context),
      formatLabels(service.spec?.selector),
    ];
  },
};

// net.JoinHostPort: IPv6 addresses are bracketed.
const joinHostPort = (host: string, port: number): string => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);

function formatEndpoints(endpoints: EndpointsView): string {
  const subsets = endpoints.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  let count = 0;
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    const ports = subset.ports ?? [];
    // Headless services may have no ports: list bare addresses.
    const pairs = ports.length === 0 ? [undefined] : ports;
    for (const port of pairs) {
      count += addresses.length;
      for (const address of addresses) {
        if (list.length === MAX_LISTED) break;
        list.push(port === undefined ? address.ip : joinHostPort(address.ip, port.port));
      }
    }
  }
  return listWithMore(list, count, "");
}

const endpointsPrinter: Printer = {
  columns: [nameColumn(), column("Endpoints", "string", "The addresses and ports of the service's endpoints."), ageColumn()],
  cells: (object, context) => [nameOf(object), formatEndpoints(as<EndpointsView>(object)), ageOf(object, context)],
};

function formatSlicePorts(slice: EndpointSliceView): string {
  const ports = slice.ports ?? [];
  const list = ports.slice(0, MAX_LISTED).map((p) => (p.port != null ? String(p.port) : (p.name ?? "*")));
  return listWithMore(list, ports.length, "<unset>");
}

function formatSliceEndpoints(slice: EndpointSliceView): string {
  const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return listWithMore(addresses.slice(0, MAX_LISTED), addresses.length, "<unset>");
}

const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn(),
    column("AddressType", "string", "The type of address carried by this slice."),
    column("Ports", "string", "The ports of the endpoints in this slice."),
    column("Endpoints", "string", "The addresses in this slice."),
    ageColumn(),
  ],
  cells(object, context) {
    const slice = as<EndpointSliceView>(object);
    return [nameOf(object), slice.addressType ?? "", formatSlicePorts(slice), formatSliceEndpoints(slice), ageOf(object, context)];
  },
};

// ----- ConfigMap, Secret, ServiceAccount, Lease, RuntimeClass

const countKeys = (map: Record<string, unknown> | undefined): number => (map ? Object.keys(map).length : 0);

const configMapPrinter: Printer = {
  columns: [nameColumn(), column("Data", "string", "The number of keys in data and binaryData."), ageColumn()],
  cells(object, context) {
    const configMap = as<ConfigMapView>(object);
    return [nameOf(object), countKeys(configMap.data) + countKeys(configMap.binaryData), ageOf(object, context)];
  },
};

const secretPrinter: Printer = {
  columns: [nameColumn(), column("Type", "string", "The type of the secret."), column("Data", "string", "The number of keys in data."), ageColumn()],
  cells(object, context) {
    const secret = as<SecretView>(object);
    // Kubernetes defaults an empty type to Opaque.
    return [nameOf(object), secret.type || "Opaque", countKeys(secret.data), ageOf(object, context)];
  },
};

const serviceAccountPrinter: Printer = {
  columns: [nameColumn(), column("Secrets", "string", "The number of secrets listed by the service account."), ageColumn()],
  cells: (object, context) => [nameOf(object), (as<ServiceAccountView>(object).secrets ?? []).length, ageOf(object, context)],
};

const leasePrinter: Printer = {
  columns: [nameColumn(), column("Holder", "string", "The identity of the current holder of the lease."), ageColumn()],
  cells: (object, context) => [nameOf(object), as<LeaseView>(object).spec?.holderIdentity ?? "", ageOf(object, context)],
};

const runtimeClassPrinter: Printer = {
  columns: [nameColumn(), column("Handler", "string", "The runtime handler that runs pods of this class."), ageColumn()],
  cells: (object, context) => [nameOf(object), as<RuntimeClassView>(object).handler ?? "", ageOf(object, context)],
};

// `kubectl get <workload> --subresource=scale` reads an autoscaling/v1 Scale.
const scalePrinter: Printer = {
  columns: [
    nameColumn(),
    column("Desired", "integer", "The desired number of instances for the scaled object."),
    column("Available", "integer", "The actual number of observed instances of the scaled object."),
  ],
  cells(object) {
    const scale = as<ScaleView>(object);
    return [nameOf(object), scale.spec?.replicas ?? 0, scale.status?.replicas ?? 0];
  },
};

// ----- Event

function eventCells(object: KubeObject, context: PrintContext): unknown[] {
  const event = as<EventView>(object);
  const firstSeen = parseTime(event.firstTimestamp)
    ? translateTimestampSince(event.firstTimestamp, context.now)
    : translateTimestampSince(event.eventTime, context.now);
  let lastSeen = parseTime(event.lastTimestamp) ? translateTimestampSince(event.lastTimestamp, context.now) : firstSeen;
  let count = event.count ?? 0;
  if (event.series) {
    lastSeen = translateTimestampSince(event.series.lastObservedTime, context.now);
    count = event.series.count ?? 0;
  } else if (count === 0) {
    // Events from events.k8s.io leave count unset for a single occurrence.
    count = 1;
  }
  const involved = event.involvedObject ?? {};
  const kind = (involved.kind ?? "").toLowerCase();
  const target = involved.name ? `${kind}/${involved.name}` : kind;
  const component = event.source?.component || event.reportingComponent || "";
  const host = event.source?.host || event.reportingInstance || "";
  return [
    lastSeen,
    event.type ?? "",
    event.reason ?? "",
    target,
    involved.fieldPath ?? "",
    host ? `${component}, ${host}` : component,
    (event.message ?? "").trim(),
    firstSeen,
    count,
    nameOf(object),
  ];
}

const eventPrinter: Printer = {
  columns: [
    column("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
    column("Type", "string", "Type of this event (Normal, Warning)."),
    column("Reason", "string", "Why the event was recorded."),
    column("Object", "string", "The object that this event is about."),
    wide("Subobject", "string", "The part of the object the event is about."),
    wide("Source", "string", "The component reporting this event."),
    column("Message", "string", "A human-readable description of the event."),
    wide("First Seen", "string", "The time at which the event was first recorded."),
    wide("Count", "string", "The number of times this event has occurred."),
    nameColumn(1),
  ],
  cells: eventCells,
};

// ----- Deployment, ReplicaSet, DaemonSet

// Kubernetes defaults replicas to 1.
const desiredReplicas = (workload: WorkloadView): number => workload.spec?.replicas ?? 1;

// A Deployment prints its selector raw ("" when empty); the others go through
// FormatLabelSelector ("<none>"). Kubernetes differs here, so we do too.
function deploymentSelector(selector: LabelSelector | undefined): string {
  try {
    return labelSelectorToString(selector);
  } catch (e) {
    if (e instanceof SelectorError) return "<invalid>";
    throw e;
  }
}

const deploymentPrinter: Printer = {
  columns: [
    nameColumn(),
    column("Ready", "string", "Number of the pod with ready state"),
    column("Up-to-date", "string", "Total number of pods that have the desired template."),
    column("Available", "string", "Total number of available pods."),
    ageColumn(),
    ...templateColumns(),
  ],
  cells(object, context) {
    const deployment = as<DeploymentView>(object);
    const status = deployment.status ?? {};
    const [containers, images] = containerCells(deployment.spec?.template?.spec?.containers);
    return [
      nameOf(object),
      `${status.readyReplicas ?? 0}/${desiredReplicas(deployment)}`,
      status.updatedReplicas ?? 0,
      status.availableReplicas ?? 0,
      ageOf(object, context),
      containers,
      images,
      deploymentSelector(deployment.spec?.selector),
    ];
  },
};

const replicaSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column("Desired", "integer", "Number of desired pods."),
    column("Current", "integer", "The most recently observed number of replicas."),
    column("Ready", "integer", "The number of pods with a Ready condition."),
    ageColumn(),
    ...templateColumns(),
  ],
  cells(object, context) {
    const replicaSet = as<ReplicaSetView>(object);
    const [containers, images] = containerCells(replicaSet.spec?.template?.spec?.containers);
    return [
      nameOf(object),
      desiredReplicas(replicaSet),
      replicaSet.status?.replicas ?? 0,
      replicaSet.status?.readyReplicas ?? 0,
      ageOf(object, context),
      containers,
      images,
      formatLabelSelector(replicaSet.spec?.selector),
    ];
  },
};

const daemonSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column("Desired", "integer", "The number of nodes that should be running the daemon pod."),
    column("Current", "integer", "The number of nodes running at least one daemon pod that should."),
    column("Ready", "integer", "The number of nodes whose daemon pod is ready."),
    column("Up-to-date", "integer", "The number of nodes running the updated daemon pod."),
    column("Available", "integer", "The number of nodes whose daemon pod is available."),
    column("Node Selector", "string", "The node labels the daemon pods are restricted to."),
    ageColumn(),
    ...templateColumns(),
  ],
  cells(object, context) {
    const daemonSet = as<DaemonSetView>(object);
    const status = daemonSet.status ?? {};
    const template = daemonSet.spec?.template?.spec;
    const [containers, images] = containerCells(template?.containers);
    return [
      nameOf(object),
      status.desiredNumberScheduled ?? 0,
      status.currentNumberScheduled ?? 0,
      status.numberReady ?? 0,
      status.updatedNumberScheduled ?? 0,
      status.numberAvailable ?? 0,
      formatLabels(template?.nodeSelector),
      ageOf(object, context),
      containers,
      images,
      formatLabelSelector(daemonSet.spec?.selector),
    ];
  },
};

// ----- Anything else

// What Kubernetes serves for a custom resource without printer columns: the
// name and an "Age" column of type date, null when there is no timestamp.
const defaultPrinter: Printer = {
  columns: [nameColumn(), column("Age", "date", AGE_DESCRIPTION)],
  cells(object, context) {
    const created = object.metadata.creationTimestamp;
    if (!created) return [nameOf(object), null];
    const ms = parseTime(created);
    return [nameOf(object), ms === undefined ? "<invalid>" : humanDuration(context.now - ms)];
  },
};

const PRINTERS: ReadonlyMap<string, Printer> = new Map([
  ["Pod", podPrinter],
  ["Namespace", namespacePrinter],
  ["Node", nodePrinter],
  ["Service", servicePrinter],
  ["Endpoints", endpointsPrinter],
  ["ConfigMap", configMapPrinter],
  ["Secret", secretPrinter],
  ["Event", eventPrinter],
  ["ServiceAccount", serviceAccountPrinter],
  ["Deployment", deploymentPrinter],
  ["ReplicaSet", replicaSetPrinter],
  ["DaemonSet", daemonSetPrinter],
  ["Lease", leasePrinter],
  ["EndpointSlice", endpointSlicePrinter],
  ["RuntimeClass", runtimeClassPrinter],
  ["Scale", scalePrinter],
]);

const printerFor = (kind: string): Printer => PRINTERS.get(kind) ?? defaultPrinter;

// ---------------------------------------------------------------------------
// Tables

/** The columns of `kind`; without `wide`, only those kubectl shows by default. */
export function tableColumns(kind: string, wideOutput = true): TableColumnDefinition[] {
  const columns = printerFor(kind).columns;
  return (wideOutput ? columns : columns.filter((c) => c.priority === 0)).map((c) => ({ ...c }));
}

const clock = (now: number | Date | undefined): number =>
  now === undefined ? Date.now() : typeof now === "number" ? now : now.getTime();

function rowObject(object: KubeObject, include: IncludeObject): KubeObject | PartialObjectMetadata | undefined {
  switch (include) {
    case "None":
      return undefined;
    case "Object":
      return object;
    case "Metadata":
      return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: object.metadata };
  }
}

function printRow(printer: Printer, object: KubeObject, context: PrintContext, include: IncludeObject): TableRow {
  let cells = printer.cells(object, context);
  if (!context.wide) cells = cells.filter((_, i) => printer.columns[i]?.priority === 0);
  const row: TableRow = { cells };
  const conditions = printer.conditions?.(object);
  if (conditions) row.conditions = conditions.map((c) => ({ ...c }));
  const attached = rowObject(object, include);
  if (attached !== undefined) row.object = attached;
  return row;
}

/**
 * One object's row with the same columns as its list; a watch with
 * as=Table wraps it in a Table per event (see toTable's noHeaders).
 */
export function toTableRow(kind: string, object: KubeObject, options: RowOptions = {}): TableRow {
  const context = { now: clock(options.now), wide: options.wide ?? true };
  return printRow(printerFor(kind), object, context, options.includeObject ?? "Metadata");
}

/** The meta.k8s.io/v1 Table for `objects`, all of kind `kind`. */
export function toTable(kind: string, objects: readonly KubeObject[], options: TableOptions = {}): Table {
  const printer = printerFor(kind);
  const context = { now: clock(options.now), wide: options.wide ?? true };
  const include = options.includeObject ?? "Metadata";
  return {
    ...tableHead(kind, context.wide, options),
    rows: objects.map((object) => printRow(printer, object, context, include)),
  };
}

function tableHead(kind: string, wideOutput: boolean, options: TableOptions): Omit<Table, "rows"> {
  const metadata: ListMeta = {};
  if (options.resourceVersion) metadata.resourceVersion = options.resourceVersion;
  if (options.continue) metadata.continue = options.continue;
  if (options.remainingItemCount !== undefined) metadata.remainingItemCount = options.remainingItemCount;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
    columnDefinitions: options.noHeaders ? [] : tableColumns(kind, wideOutput),
  };
}

/**
 * `JSON.stringify(toTable(kind, objects))` for objects given as their JSON
 * text. The object or metadata a row carries is spliced from the text rather
 * than re-serialised, and the printers get the object parsed without its
 * managedFields, which they never read: for a 10,000-pod table those were most
 * of the time.
 */
export function toTableJson(kind: string, texts: readonly string[], options: TableOptions = {}): string {
  const printer = printerFor(kind);
  const context = { now: clock(options.now), wide: options.wide ?? true };
  const include = options.includeObject ?? "Metadata";
  const rows = texts.map((text) => {
    const { object, metadata } = readForPrinting(text);
    const json = JSON.stringify(printRow(printer, object, context, "None"));
    switch (include) {
      case "None":
        return json;
      case "Object":
        return `${json.slice(0, -1)},"object":${text}}`;
      case "Metadata":
        return `${json.slice(0, -1)},"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":${metadata()}}}`;
    }
  });
  const head = JSON.stringify(tableHead(kind, context.wide, options));
  return `${head.slice(0, -1)},"rows":[${rows.join(",")}]}`;
}

/**
 * The object in `text` as far as printers read it, and its metadata's text.
 * The store writes apiVersion, kind and metadata first, without spaces, so
 * metadata is found by walking its members; text in any other layout (written
 * before the store kept text) is parsed whole and its metadata re-serialised.
 */
function readForPrinting(text: string): { object: KubeObject; metadata: () => string } {
  const start = metadataStart(text);
  if (start === undefined) {
    const object = JSON.parse(text) as KubeObject;
    return { object, metadata: () => JSON.stringify(object.metadata) };
  }
  let i = start + 1;
  let managedFields: [number, number] | undefined;
  while (text.charCodeAt(i) !== CLOSE_BRACE) {
    const keyEnd = closingQuote(text, i);
    const valueEnd = endOfValue(text, keyEnd + 2);
    if (keyEnd - i === MANAGED_FIELDS.length + 1 && text.startsWith(MANAGED_FIELDS, i + 1)) managedFields = [i, valueEnd];
    i = text.charCodeAt(valueEnd) === COMMA ? valueEnd + 1 : valueEnd;
  }
  const end = i + 1;
  let parsed = text;
  if (managedFields) {
    const [from, to] = managedFields;
    // With the comma after it, or before it when it is the last member.
    parsed =
      text.charCodeAt(to) === COMMA
        ? text.slice(0, from) + text.slice(to + 1)
        : text.slice(0, text.charCodeAt(from - 1) === COMMA ? from - 1 : from) + text.slice(to);
  }
  return { object: JSON.parse(parsed) as KubeObject, metadata: () => text.slice(start, end) };
}

const MANAGED_FIELDS = "managedFields";
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Where metadata's `{` is in text written as the store writes objects: `{"apiVersion":"…","kind":"…","metadata":{`. */
function metadataStart(text: string): number | undefined {
  let i = 1;
  for (const key of ['"apiVersion":', '"kind":']) {
    if (text.startsWith(key, i) && text.charCodeAt(i + key.length) === QUOTE) i = closingQuote(text, i + key.length) + 2;
  }
  return text.startsWith('"metadata":{', i) ? i + 11 : undefined;
}

/** The index of the quote that closes the string opening at `start`: the next one not escaped by an odd run of backslashes. */
function closingQuote(text: string, start: number): number {
  let i = start;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i < 0) throw new Error("unterminated JSON string");
    let slashes = 0;
    while (text.charCodeAt(i - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return i;
  }
}

/** Where the JSON value that starts at `start` of `text` (compact, valid JSON) ends, exclusive. */
function endOfValue(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return closingQuote(text, start) + 1;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = closingQuote(text, i);
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      // A number, true, false or null ends at the bracket of its container.
      if (depth === 0) return i;
      if (--depth === 0) return i + 1;
    } else if (c === COMMA && depth === 0) return i;
  }
  throw new Error("unterminated JSON value");
}
