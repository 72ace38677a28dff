import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../storage/store.ts";
import { humanDuration, summarizePod, tableColumns, toTable, toTableJson, toTableRow, translateTimestampSince } from "./tables.ts";
import type { Pod } from "../../../schemas/core-v1-pod.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ago = (ms: number): string => new Date(NOW - ms).toISOString();

const object = (kind: string, name: string, fields: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind,
  metadata: { name, namespace: "default", creationTimestamp: ago(5 * MINUTE), uid: `uid-${name}`, resourceVersion: "7", ...metadata },
  ...fields,
});

/** The cells of one row, every column included. */
const cells = (kind: string, o: KubeObject): unknown[] => toTableRow(kind, o, { now: NOW }).cells;

describe("humanDuration", () => {
  test.each([
    [0, "0s"],
    [-1500, "0s"],
    [-2500, "<invalid>"],
    [5 * SECOND, "5s"],
    [119 * SECOND, "119s"],
    [2 * MINUTE, "2m"],
    [200 * SECOND, "3m20s"],
    [10 * MINUTE, "10m"],
    [179 * MINUTE, "179m"],
    [3 * HOUR, "3h"],
    [3 * HOUR + 5 * MINUTE, "3h5m"],
    [8 * HOUR, "8h"],
    [47 * HOUR, "47h"],
    [2 * DAY, "2d"],
    [2 * DAY + 3 * HOUR, "2d3h"],
    [8 * DAY, "8d"],
    [729 * DAY, "729d"],
    [730 * DAY, "2y"],
    [740 * DAY, "2y10d"],
    [8 * 365 * DAY, "8y"],
  ])("%d ms is %p", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  test("a missing timestamp is <unknown>", () => {
    expect(translateTimestampSince(undefined, NOW)).toBe("<unknown>");
    expect(translateTimestampSince(ago(90 * SECOND), NOW)).toBe("90s");
  });
});

describe("columns", () => {
  test.each([
    ["Pod", "Name Ready Status Restarts Age", "IP Node Nominated_Node Readiness_Gates"],
    ["Namespace", "Name Status Age", ""],
    ["Node", "Name Status Roles Age Version", "Internal-IP External-IP OS-Image Kernel-Version Container-Runtime"],
    ["Service", "Name Type Cluster-IP External-IP Port(s) Age", "Selector"],
    ["Endpoints", "Name Endpoints Age", ""],
    ["ConfigMap", "Name Data Age", ""],
    ["Secret", "Name Type Data Age", ""],
    ["Event", "Last_Seen Type Reason Object Message", "Subobject Source First_Seen Count Name"],
    ["ServiceAccount", "Name Secrets Age", ""],
    ["Deployment", "Name Ready Up-to-date Available Age", "Containers Images Selector"],
    ["ReplicaSet", "Name Desired Current Ready Age", "Containers Images Selector"],
    ["DaemonSet", "Name Desired Current Ready Up-to-date Available Node_Selector Age", "Containers Images Selector"],
    ["Lease", "Name Holder Age", ""],
    ["EndpointSlice", "Name AddressType Ports Endpoints Age", ""],
    ["RuntimeClass", "Name Handler Age", ""],
    ["Scale", "Name Desired Available", ""],
    ["Widget", "Name Age", ""],
  ])("%s shows %p and adds %p with -o wide", (kind, normal, extra) => {
    const names = (list: { name: string }[]) => list.map((c) => c.name.replaceAll(" ", "_")).join(" ");
    const all = tableColumns(kind);
    expect(names(tableColumns(kind, false))).toBe(normal);
    expect(names(all.filter((c) => c.priority === 1))).toBe(extra);
    expect(all.every((c) => c.priority === 0 || c.priority === 1)).toBe(true);
  });

  test("every column has the full definition and the name column is marked", () => {
    for (const c of tableColumns("Pod")) {
      expect(Object.keys(c).sort()).toEqual(["description", "format", "name", "priority", "type"]);
      expect(c.format).toBe(c.name === "Name" ? "name" : "");
    }
    expect(tableColumns("Widget")[1]).toMatchObject({ name: "Age", type: "date" });
    expect(tableColumns("ReplicaSet").slice(1, 4).map((c) => c.type)).toEqual(["integer", "integer", "integer"]);
  });
});

describe("pod status", () => {
  const running = { running: { startedAt: ago(HOUR) } };
  const status = (name: string, state: object, extra: object = {}) => ({
    name,
    image: "img",
    imageID: "",
    ready: false,
    restartCount: 0,
    state,
    ...extra,
  });
  const pod = (spec: object, podStatus: object, metadata: object = {}): Pod =>
    ({ metadata: { name: "p", ...metadata }, spec: { containers: [{ name: "app", image: "img" }], ...spec }, status: podStatus }) as Pod;

  test.each<[string, Pod, string, string, string]>([
    ["pending without statuses", pod({}, { phase: "Pending" }), "0/1", "Pending", "0"],
    ["no status at all", pod({}, {}), "0/1", "", "0"],
    [
      "pulling the image",
      pod({}, { phase: "Pending", containerStatuses: [status("app", { waiting: { reason: "ContainerCreating" } })] }),
      "0/1",
      "ContainerCreating",
      "0",
    ],
    [
      "running and ready",
      pod({}, { phase: "Running", containerStatuses: [status("app", running, { ready: true })] }),
      "1/1",
      "Running",
      "0",
    ],
    [
      "crash looping",
      pod(
        {},
        {
          phase: "Running",
          containerStatuses: [
            status(
              "app",
              { waiting: { reason: "CrashLoopBackOff" } },
              { restartCount: 5, lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(5 * MINUTE) } } },
            ),
          ],
        },
      ),
      "0/1",
      "CrashLoopBackOff",
      "5 (5m ago)",
    ],
    [
      "restarted without a recorded finish",
      pod({}, { phase: "Running", containerStatuses: [status("app", running, { ready: true, restartCount: 3 })] }),
      "1/1",
      "Running",
      "3",
    ],
    [
      "completed",
      pod({}, { phase: "Succeeded", containerStatuses: [status("app", { terminated: { exitCode: 0, reason: "Completed" } })] }),
      "0/1",
      "Completed",
      "0",
    ],
    [
      "exited without a reason",
      pod({}, { phase: "Failed", containerStatuses: [status("app", { terminated: { exitCode: 2 } })] }),
      "0/1",
      "ExitCode:2",
      "0",
    ],
    [
      "killed by a signal",
      pod({}, { phase: "Failed", containerStatuses: [status("app", { terminated: { exitCode: 137, signal: 9 } })] }),
      "0/1",
      "Signal:9",
      "0",
    ],
    [
      "one container done, one still running and ready",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True" }],
          containerStatuses: [status("a", { terminated: { exitCode: 0, reason: "Completed" } }), status("b", running, { ready: true })],
        },
      ),
      "1/2",
      "Running",
      "0",
    ],
    [
      "one container done, the pod not ready",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        {
          phase: "Running",
          containerStatuses: [status("a", { terminated: { exitCode: 0, reason: "Completed" } }), status("b", running, { ready: true })],
        },
      ),
      "1/2",
      "NotReady",
      "0",
    ],
    [
      "terminating",
      pod({}, { phase: "Running", containerStatuses: [status("app", running, { ready: true })] }, { deletionTimestamp: ago(SECOND) }),
      "1/1",
      "Terminating",
      "0",
    ],
    [
      "deleted after completing",
      pod(
        {},
        { phase: "Succeeded", containerStatuses: [status("app", { terminated: { exitCode: 0, reason: "Completed" } })] },
        { deletionTimestamp: ago(SECOND) },
      ),
      "0/1",
      "Completed",
      "0",
    ],
    ["deleted on a lost node", pod({}, { phase: "Running", reason: "NodeLost" }, { deletionTimestamp: ago(SECOND) }), "0/1", "Unknown", "0"],
    ["evicted", pod({}, { phase: "Failed", reason: "Evicted" }), "0/1", "Evicted", "0"],
    [
      "scheduling gated",
      pod({}, { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] }),
      "0/1",
      "SchedulingGated",
      "0",
    ],
    [
      "first init container starting",
      pod(
        { initContainers: [{ name: "init" }] },
        { phase: "Pending", initContainerStatuses: [status("init", { waiting: { reason: "PodInitializing" } })] },
      ),
      "0/1",
      "Init:0/1",
      "0",
    ],
    [
      "second init container running",
      pod(
        { initContainers: [{ name: "i1" }, { name: "i2" }] },
        {
          phase: "Pending",
          initContainerStatuses: [status("i1", { terminated: { exitCode: 0, reason: "Completed" } }), status("i2", running)],
        },
      ),
      "0/1",
      "Init:1/2",
      "0",
    ],
    [
      "init container crash looping",
      pod(
        { initContainers: [{ name: "init" }] },
        {
          phase: "Pending",
          initContainerStatuses: [
            status(
              "init",
              { waiting: { reason: "CrashLoopBackOff" } },
              { restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * MINUTE) } } },
            ),
          ],
        },
      ),
      "0/1",
      "Init:CrashLoopBackOff",
      "4 (2m ago)",
    ],
    [
      "init container failed",
      pod({ initContainers: [{ name: "init" }] }, { phase: "Pending", initContainerStatuses: [status("init", { terminated: { exitCode: 1, reason: "Error" } })] }),
      "0/1",
      "Init:Error",
      "0",
    ],
    [
      "init container exited without a reason",
      pod({ initContainers: [{ name: "init" }] }, { phase: "Pending", initContainerStatuses: [status("init", { terminated: { exitCode: 3 } })] }),
      "0/1",
      "Init:ExitCode:3",
      "0",
    ],
    [
      "init container signalled",
      pod({ initContainers: [{ name: "init" }] }, { phase: "Pending", initContainerStatuses: [status("init", { terminated: { exitCode: 137, signal: 9 } })] }),
      "0/1",
      "Init:Signal:9",
      "0",
    ],
    [
      "a started sidecar counts as a ready container",
      pod(
        { initContainers: [{ name: "proxy", restartPolicy: "Always" }] },
        {
          phase: "Running",
          conditions: [{ type: "Initialized", status: "True" }],
          initContainerStatuses: [status("proxy", running, { ready: true, started: true, restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(HOUR) } } })],
          containerStatuses: [status("app", running, { ready: true, restartCount: 2 })],
        },
      ),
      "2/2",
      "Running",
      "3 (60m ago)",
    ],
  ])("%s", (_, p, ready, statusText, restarts) => {
    expect(summarizePod(p, NOW)).toEqual({ ready, status: statusText, restarts });
  });

  test("wide cells: IP, node, nominated node, readiness gates", () => {
    const p = object("Pod", "web", {
      spec: { nodeName: "n1", containers: [{ name: "app" }], readinessGates: [{ conditionType: "a" }, { conditionType: "b" }] },
      status: {
        phase: "Running",
        podIP: "10.0.0.9",
        podIPs: [{ ip: "10.0.0.9" }, { ip: "fd00::9" }],
        nominatedNodeName: "n2",
        conditions: [
          { type: "a", status: "True" },
          { type: "b", status: "False" },
        ],
        containerStatuses: [status("app", running, { ready: true })],
      },
    });
    expect(cells("Pod", p)).toEqual(["web", "1/1", "Running", "0", "5m", "10.0.0.9", "n1", "n2", "1/2"]);
    expect(cells("Pod", object("Pod", "new", { spec: { containers: [{ name: "app" }] }, status: { phase: "Pending" } }))).toEqual([
      "new",
      "0/1",
      "Pending",
      "0",
      "5m",
      "<none>",
      "<none>",
      "<none>",
      "<none>",
    ]);
  });

  test.each([
    ["Succeeded", [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }]],
    ["Failed", [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }]],
    ["Running", undefined],
  ])("a %s pod's row carries conditions %p", (phase, conditions) => {
    expect(toTableRow("Pod", object("Pod", "p", { status: { phase } }), { now: NOW }).conditions).toEqual(conditions);
  });
});

describe("cells", () => {
  test.each<[string, string, KubeObject, unknown[]]>([
    ["Namespace", "active", object("Namespace", "prod", { status: { phase: "Active" } }), ["prod", "Active", "5m"]],
    ["Namespace", "terminating", object("Namespace", "old", { status: { phase: "Terminating" } }), ["old", "Terminating", "5m"]],
    ["Namespace", "not yet defaulted", object("Namespace", "new"), ["new", "Active", "5m"]],
    [
      "Node",
      "ready, cordoned, with roles",
      object(
        "Node",
        "n1",
        {
          spec: { unschedulable: true },
          status: {
            conditions: [
              { type: "MemoryPressure", status: "False" },
              { type: "Ready", status: "True" },
            ],
            addresses: [
              { type: "Hostname", address: "n1" },
              { type: "InternalIP", address: "10.0.0.1" },
            ],
            nodeInfo: { kubeletVersion: "v1.32.0", osImage: "Debian GNU/Linux 12", kernelVersion: "6.1.0", containerRuntimeVersion: "ledge://0.1.0" },
          },
        },
        { labels: { "node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/": "", "kubernetes.io/role": "edge" } },
      ),
      ["n1", "Ready,SchedulingDisabled", "control-plane,edge", "5m", "v1.32.0", "10.0.0.1", "<none>", "Debian GNU/Linux 12", "6.1.0", "ledge://0.1.0"],
    ],
    [
      "Node",
      "not ready, nothing reported",
      object("Node", "n2", { status: { conditions: [{ type: "Ready", status: "Unknown" }] } }),
      ["n2", "NotReady", "<none>", "5m", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"],
    ],
    ["Node", "no conditions", object("Node", "n3", {}), ["n3", "Unknown", "<none>", "5m", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]],
    [
      "Service",
      "ClusterIP",
      object("Service", "web", {
        spec: { type: "ClusterIP", clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ports: [{ port: 80, protocol: "TCP" }, { port: 53, protocol: "UDP" }], selector: { tier: "web", app: "x" } },
      }),
      ["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "5m", "app=x,tier=web"],
    ],
    [
      "Service",
      "not yet defaulted",
      object("Service", "bare", { spec: { clusterIP: "10.96.0.11", ports: [{ port: 8080 }] } }),
      ["bare", "ClusterIP", "10.96.0.11", "<none>", "8080/TCP", "5m", "<none>"],
    ],
    [
      "Service",
      "headless without ports",
      object("Service", "db", { spec: { type: "ClusterIP", clusterIPs: ["None"], externalIPs: ["1.2.3.4", "5.6.7.8"] } }),
      ["db", "ClusterIP", "None", "1.2.3.4,5.6.7.8", "<none>", "5m", "<none>"],
    ],
    [
      "Service",
      "NodePort",
      object("Service", "np", { spec: { type: "NodePort", clusterIPs: ["10.96.0.12"], ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }] } }),
      ["np", "NodePort", "10.96.0.12", "<none>", "80:30080/TCP", "5m", "<none>"],
    ],
    [
      "Service",
      "LoadBalancer pending",
      object("Service", "lb", { spec: { type: "LoadBalancer", clusterIPs: ["10.96.0.13"], ports: [{ port: 443, nodePort: 31443, protocol: "TCP" }] } }),
      ["lb", "LoadBalancer", "10.96.0.13", "<pending>", "443:31443/TCP", "5m", "<none>"],
    ],
    [
      "Service",
      "LoadBalancer with ingress and external IPs",
      object("Service", "lb2", {
        spec: { type: "LoadBalancer", clusterIPs: ["10.96.0.14"], externalIPs: ["9.9.9.9"] },
        status: { loadBalancer: { ingress: [{ ip: "203.0.113.9" }, { hostname: "lb.example.com" }, { ip: "203.0.113.9" }] } },
      }),
      ["lb2", "LoadBalancer", "10.96.0.14", "203.0.113.9,lb.example.com,9.9.9.9", "<none>", "5m", "<none>"],
    ],
    [
      "Service",
      "ExternalName",
      object("Service", "ext", { spec: { type: "ExternalName", externalName: "db.example.com" } }),
      ["ext", "ExternalName", "<none>", "db.example.com", "<none>", "5m", "<none>"],
    ],
    ["Endpoints", "none", object("Endpoints", "web", {}), ["web", "<none>", "5m"]],
    [
      "Endpoints",
      "two addresses on one port",
      object("Endpoints", "web", { subsets: [{ addresses: [{ ip: "10.0.0.1" }, { ip: "fd00::1" }], ports: [{ name: "http", port: 80 }] }] }),
      ["web", "10.0.0.1:80,[fd00::1]:80", "5m"],
    ],
    [
      "Endpoints",
      "more than three",
      object("Endpoints", "web", {
        subsets: [{ addresses: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }], ports: [{ port: 80 }, { port: 443 }] }, { addresses: [{ ip: "10.0.0.3" }] }],
      }),
      ["web", "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more...", "5m"],
    ],
    ["Endpoints", "a subset with no addresses", object("Endpoints", "web", { subsets: [{ ports: [{ port: 80 }] }] }), ["web", "", "5m"]],
    [
      "EndpointSlice",
      "typical",
      object("EndpointSlice", "web-abc", {
        addressType: "IPv4",
        ports: [{ name: "http", port: 80, protocol: "TCP" }],
        endpoints: [{ addresses: ["10.0.0.1"] }, { addresses: ["10.0.0.2"] }],
      }),
      ["web-abc", "IPv4", "80", "10.0.0.1,10.0.0.2", "5m"],
    ],
    [
      "EndpointSlice",
      "empty",
      object("EndpointSlice", "web-empty", { addressType: "IPv6", ports: null, endpoints: [] }),
      ["web-empty", "IPv6", "<unset>", "<unset>", "5m"],
    ],
    [
      "EndpointSlice",
      "many",
      object("EndpointSlice", "web-many", {
        addressType: "IPv4",
        ports: [{ port: 1 }, { name: "named" }, {}, { port: 4 }],
        endpoints: [{ addresses: ["a", "b", "c", "d", "e"] }],
      }),
      ["web-many", "IPv4", "1,named,* + 1 more...", "a,b,c + 2 more...", "5m"],
    ],
    ["ConfigMap", "counts data and binaryData", object("ConfigMap", "cfg", { data: { a: "1", b: "2" }, binaryData: { c: "AA==" } }), ["cfg", 3, "5m"]],
    ["ConfigMap", "empty", object("ConfigMap", "cfg", {}), ["cfg", 0, "5m"]],
    ["Secret", "typed", object("Secret", "tls", { type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } }), ["tls", "kubernetes.io/tls", 2, "5m"]],
    ["Secret", "untyped", object("Secret", "s", {}), ["s", "Opaque", 0, "5m"]],
    ["ServiceAccount", "with secrets", object("ServiceAccount", "default", { secrets: [{ name: "t" }] }), ["default", 1, "5m"]],
    ["ServiceAccount", "without", object("ServiceAccount", "default", {}), ["default", 0, "5m"]],
    ["Lease", "held", object("Lease", "kube-scheduler", { spec: { holderIdentity: "cp-1_abc" } }), ["kube-scheduler", "cp-1_abc", "5m"]],
    ["Lease", "free", object("Lease", "l", { spec: {} }), ["l", "", "5m"]],
    ["RuntimeClass", "wasm", object("RuntimeClass", "wasm", { handler: "wasmtime" }), ["wasm", "wasmtime", "5m"]],
    [
      "Deployment",
      "rolling",
      object("Deployment", "web", {
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["b", "a"] }] },
          template: { spec: { containers: [{ name: "app", image: "nginx:1.27" }, { name: "log", image: "busybox" }] } },
        },
        status: { readyReplicas: 2, updatedReplicas: 1, availableReplicas: 2 },
      }),
      ["web", "2/3", 1, 2, "5m", "app,log", "nginx:1.27,busybox", "app=web,tier in (a,b)"],
    ],
    [
      "Deployment",
      "new, replicas not defaulted, empty selector",
      object("Deployment", "new", { spec: { selector: {}, template: { spec: { containers: [{ name: "app", image: "x" }] } } } }),
      ["new", "0/1", 0, 0, "5m", "app", "x", ""],
    ],
    [
      "Deployment",
      "invalid selector",
      object("Deployment", "bad", { spec: { replicas: 0, selector: { matchExpressions: [{ key: "a", operator: "Nope" }] } } }),
      ["bad", "0/0", 0, 0, "5m", "", "", "<invalid>"],
    ],
    [
      "ReplicaSet",
      "scaled",
      object("ReplicaSet", "web-5d4f", {
        spec: { replicas: 3, selector: { matchLabels: { app: "web", "pod-template-hash": "5d4f" } }, template: { spec: { containers: [{ name: "app", image: "nginx" }] } } },
        status: { replicas: 3, readyReplicas: 1 },
      }),
      ["web-5d4f", 3, 3, 1, "5m", "app", "nginx", "app=web,pod-template-hash=5d4f"],
    ],
    ["ReplicaSet", "empty selector", object("ReplicaSet", "rs", { spec: { replicas: 0, selector: {} } }), ["rs", 0, 0, 0, "5m", "", "", "<none>"]],
    [
      "DaemonSet",
      "on linux nodes",
      object("DaemonSet", "proxy", {
        spec: {
          selector: { matchLabels: { app: "proxy" } },
          template: { spec: { nodeSelector: { "kubernetes.io/os": "linux" }, containers: [{ name: "proxy", image: "ledge/proxy:1" }] } },
        },
        status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
      }),
      ["proxy", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "5m", "proxy", "ledge/proxy:1", "app=proxy"],
    ],
    ["DaemonSet", "fresh", object("DaemonSet", "d", { spec: {} }), ["d", 0, 0, 0, 0, 0, "<none>", "5m", "", "", "<none>"]],
    ["Scale", "of a deployment", object("Scale", "web", { spec: { replicas: 4 }, status: { replicas: 2, selector: "app=web" } }), ["web", 4, 2]],
    ["Widget", "custom resources get name and age", object("Widget", "w", { spec: { size: 3 } }), ["w", "5m"]],
    ["Widget", "without a timestamp the age is null", object("Widget", "w", {}, { creationTimestamp: undefined }), ["w", null]],
    ["Widget", "with a broken timestamp", object("Widget", "w", {}, { creationTimestamp: "yesterday" }), ["w", "<invalid>"]],
    ["Pod", "age of an object without a timestamp", object("Pod", "p", {}, { creationTimestamp: undefined }), ["p", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"]],
  ])("%s: %s", (kind, _, o, expected) => {
    expect(cells(kind, o)).toEqual(expected);
  });

  test("the load balancer column is cut to 16 characters without -o wide", () => {
    const lb = object("Service", "lb", {
      spec: { type: "LoadBalancer", clusterIPs: ["10.0.0.1"] },
      status: { loadBalancer: { ingress: [{ hostname: "a-very-long-hostname.example.com" }] } },
    });
    expect(toTableRow("Service", lb, { now: NOW, wide: false }).cells[3]).toBe("a-very-long-h...");
    expect(cells("Service", lb)[3]).toBe("a-very-long-hostname.example.com");
  });
});

describe("events", () => {
  const event = (fields: Record<string, unknown>) =>
    object("Event", "web.17a", {
      type: "Warning",
      reason: "BackOff",
      message: "  Back-off restarting failed container\n",
      involvedObject: { kind: "Pod", name: "web", fieldPath: "spec.containers{app}" },
      source: { component: "kubelet", host: "n1" },
      ...fields,
    });

  test.each<[string, KubeObject, unknown[]]>([
    [
      "recorded by the core API",
      event({ firstTimestamp: ago(HOUR), lastTimestamp: ago(2 * MINUTE), count: 12 }),
      ["2m", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, n1", "Back-off restarting failed container", "60m", 12, "web.17a"],
    ],
    [
      "seen once, no last timestamp",
      event({ firstTimestamp: ago(30 * SECOND), count: 1 }),
      ["30s", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, n1", "Back-off restarting failed container", "30s", 1, "web.17a"],
    ],
    [
      "from events.k8s.io: event time, series, reporting component",
      event({ eventTime: ago(10 * MINUTE), series: { count: 4, lastObservedTime: ago(MINUTE) }, source: {}, reportingComponent: "ledge-scheduler" }),
      ["60s", "Warning", "BackOff", "pod/web", "spec.containers{app}", "ledge-scheduler", "Back-off restarting failed container", "10m", 4, "web.17a"],
    ],
    [
      "singleton without a count",
      event({ eventTime: ago(3 * SECOND), involvedObject: { kind: "Node" }, source: { component: "ledge" } }),
      ["3s", "Warning", "BackOff", "node", "", "ledge", "Back-off restarting failed container", "3s", 1, "web.17a"],
    ],
    [
      "no time at all",
      event({}),
      ["<unknown>", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, n1", "Back-off restarting failed container", "<unknown>", 1, "web.17a"],
    ],
  ])("%s", (_, e, expected) => {
    expect(cells("Event", e)).toEqual(expected);
  });

  test("without -o wide only the five default columns are sent", () => {
    const row = toTableRow("Event", event({ lastTimestamp: ago(MINUTE) }), { now: NOW, wide: false });
    expect(row.cells).toEqual(["60s", "Warning", "BackOff", "pod/web", "Back-off restarting failed container"]);
  });
});

describe("toTable", () => {
  const pods = [
    object("Pod", "a", { spec: { containers: [{ name: "c" }] }, status: { phase: "Running" } }),
    object("Pod", "b", { spec: { containers: [{ name: "c" }] }, status: { phase: "Succeeded" } }),
  ];

  test("a list table carries list metadata, every column and one row per object", () => {
    const table = toTable("Pod", pods, { now: NOW, resourceVersion: "42", continue: "tok", remainingItemCount: 3 });
    expect(table.kind).toBe("Table");
    expect(table.apiVersion).toBe("meta.k8s.io/v1");
    expect(table.metadata).toEqual({ resourceVersion: "42", continue: "tok", remainingItemCount: 3 });
    expect(table.columnDefinitions).toHaveLength(9);
    expect(table.rows.map((r) => r.cells[0])).toEqual(["a", "b"]);
    expect(table.rows[0]?.cells).toHaveLength(9);
  });

  test("empty list metadata is left out", () => {
    expect(toTable("Pod", [], { now: NOW }).metadata).toEqual({});
    expect(toTable("Pod", [], { now: NOW }).rows).toEqual([]);
  });

  test.each<[string, object | undefined, (o: KubeObject) => unknown]>([
    ["defaults to metadata", undefined, (o) => ({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata })],
    ["Metadata", { includeObject: "Metadata" }, (o) => ({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata })],
    ["Object", { includeObject: "Object" }, (o) => o],
    ["None", { includeObject: "None" }, () => undefined],
  ])("includeObject %s", (_, options, expected) => {
    const table = toTable("Pod", pods, { now: NOW, ...options });
    table.rows.forEach((row, i) => expect(row.object).toEqual(expected(pods[i] as KubeObject) as KubeObject));
    if (options && "includeObject" in options && options.includeObject === "None") {
      expect(table.rows.every((row) => !("object" in row))).toBe(true);
    }
  });

  test("without wide the priority columns and their cells are dropped together", () => {
    const table = toTable("Pod", pods, { now: NOW, wide: false });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Ready", "Status", "Restarts", "Age"]);
    expect(table.rows[0]?.cells).toEqual(["a", "0/1", "Running", "0", "5m"]);
  });

  test("watch events after the first leave out the headers; their row equals the list row", () => {
    const first = toTable("Pod", [pods[0] as KubeObject], { now: NOW, resourceVersion: "7" });
    const later = toTable("Pod", [pods[0] as KubeObject], { now: NOW, noHeaders: true });
    expect(first.columnDefinitions).toHaveLength(9);
    expect(later.columnDefinitions).toEqual([]);
    expect(later.rows[0]).toEqual(toTableRow("Pod", pods[0] as KubeObject, { now: NOW }));
  });

  test("the clock can be a Date, and defaults to now", () => {
    expect(toTable("Pod", pods, { now: new Date(NOW) }).rows[0]?.cells[4]).toBe("5m");
    const fresh = object("Widget", "w", {}, { creationTimestamp: new Date().toISOString() });
    expect(toTableRow("Widget", fresh).cells[1]).toMatch(/^[0-9]s$/);
  });

  test("row conditions and cells are not shared between rows", () => {
    const table = toTable("Pod", [pods[1] as KubeObject, pods[1] as KubeObject], { now: NOW });
    expect(table.rows[0]?.conditions).not.toBe(table.rows[1]?.conditions);
    table.rows[0]?.conditions?.splice(0);
    expect(table.rows[1]?.conditions).toHaveLength(1);
  });
});

describe("toTableJson", () => {
  // Strings that end a naive scan for the end of metadata too early.
  const tricky = { "a/}": "}", 'quote"': '\\"}', backslash: "\\", open: "{{", unicode: "💥é\u2028" };
  const pods = [
    object("Pod", "a", { spec: { containers: [{ name: "c" }] }, status: { phase: "Running" } }, { annotations: tricky, labels: {} }),
    object("Pod", "b", { spec: { nodeName: "n", containers: [{ name: "c" }] }, status: { phase: "Succeeded" } }, {
      managedFields: [{ manager: "m", fieldsV1: { "f:metadata": { "f:labels": { ".": {} } } } }],
    }),
    { kind: "Pod", metadata: { name: "no-api-version", annotations: { "x": '"metadata":{' } }, spec: {} },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { generation: 3, managedFields: [{ manager: "x]}", fieldsV1: { "f:a": [1, { b: null }] } }], name: "mf-in-the-middle", deletionGracePeriodSeconds: 0, flag: true, gone: null },
      spec: { nodeName: "n" },
    },
    { apiVersion: "v1", kind: "Pod", metadata: { managedFields: [] } },
    { apiVersion: "v1", kind: "Pod", metadata: {} },
  ];
  // As the store writes objects: apiVersion, kind and metadata first, no spaces.
  const stored = pods.map((o) => {
    const { apiVersion, kind, metadata, ...rest } = o;
    return JSON.stringify({ apiVersion, kind, metadata, ...rest });
  });
  // As objects written before the store kept text read back from jsonb: other key order, spaces.
  const legacy = pods.map((o) => {
    const { apiVersion, kind, metadata, ...rest } = o;
    return JSON.stringify({ kind, ...rest, metadata, apiVersion }, null, 1);
  });

  test.each(["Metadata", "Object", "None"] as const)("includeObject %s: the bytes toTable gives, for either layout", (includeObject) => {
    const options = { now: NOW, includeObject, resourceVersion: "9", continue: "tok" };
    const expected = JSON.stringify(toTable("Pod", stored.map((t) => JSON.parse(t)), options));
    expect(toTableJson("Pod", stored, options)).toBe(expected);
    expect(JSON.parse(toTableJson("Pod", legacy, options))).toEqual(JSON.parse(expected));
  });

  test("without wide, and for a kind with row conditions", () => {
    const options = { now: NOW, wide: false };
    expect(JSON.parse(toTableJson("Pod", stored, options))).toEqual(JSON.parse(JSON.stringify(toTable("Pod", pods, options))));
    expect(toTableJson("Pod", [], options)).toBe(JSON.stringify(toTable("Pod", [], options)));
  });
});
