// Bridge mode for real, as root: every command runs inside a network
// namespace this test creates (nsenter --net), which stands in for the node;
// a veth pair in it stands in for the link to other nodes. Traffic is checked
// with busybox (httpd as a Wasm pod or a ClusterIP listener, wget from an OCI
// pod's namespace). Everything made here is removed afterwards.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../../../e2e/harness/cluster.ts";
import { LocalStore } from "../state/local-store.ts";
import { BridgeNetwork, type NodeView, type SandboxKind } from "./bridge-network.ts";
import type { NodeInfo } from "./bridge-plan.ts";
import { spawnRunner } from "./ip-command.ts";

setDefaultTimeout(60_000);

const BUSYBOX = ["/usr/bin/busybox", "/bin/busybox"].find(existsSync);
const usable = process.getuid?.() === 0 && Bun.which("ip") !== null && Bun.which("nsenter") !== null && BUSYBOX !== undefined;
if (!usable) console.warn("bridge network tests need root, iproute2, nsenter and busybox: skipped");

const suffix = crypto.randomUUID().slice(0, 6);
const hostNs = `ltest-${suffix}`;
const nodeName = `tnode-${suffix}`;
const inHost = ["nsenter", `--net=/run/netns/${hostNs}`];
const CIDR = "10.250.1.0/24";
const started: Bun.Subprocess[] = [];
let dir: string;

async function sh(argv: string[]): Promise<{ code: number; out: string }> {
  const child = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, out: out + err };
}

async function must(argv: string[]): Promise<string> {
  const { code, out } = await sh(argv);
  if (code !== 0) throw new Error(`${argv.join(" ")}: ${out}`);
  return out;
}

/** busybox httpd in the node's namespace on ip:port, serving `body` at /f. */
async function serve(ip: string, port: number, body: string): Promise<void> {
  const root = mkdtempSync(join(dir, "www-"));
  writeFileSync(join(root, "f"), body);
  started.push(Bun.spawn([...inHost, BUSYBOX!, "httpd", "-f", "-p", `${ip}:${port}`, "-h", root], { stdin: "ignore", stdout: "ignore", stderr: "ignore" }));
}

/** The body of GET http://host:port/path from inside the namespace at `netnsPath` (busybox nc: its wget crashes on some builds). */
async function fetchFrom(netnsPath: string, url: string): Promise<{ code: number; out: string }> {
  const { hostname, port, pathname } = new URL(url);
  const child = Bun.spawn(["nsenter", `--net=${netnsPath}`, BUSYBOX!, "nc", "-w", "2", hostname, port], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  child.stdin.write(`GET ${pathname} HTTP/1.0\r\nHost: ${hostname}\r\n\r\n`);
  await child.stdin.end();
  const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  const body = out.indexOf("\r\n\r\n");
  return { code, out: out.startsWith("HTTP/1.1 200") && body >= 0 ? out.slice(body + 4) : out };
}

function fakeNodes(): NodeView & { emit(nodes: NodeInfo[]): void } {
  let listener: ((nodes: NodeInfo[]) => void) | undefined;
  return {
    start: (onChange) => {
      listener = onChange;
    },
    stop: () => {
      listener = undefined;
    },
    emit: (nodes) => listener?.(nodes),
  };
}

const kinds = new Map<string, SandboxKind>();
function network(store: LocalStore, nodes: NodeView) {
  return new BridgeNetwork({
    store,
    nodeName,
    nodes,
    sandboxOf: async (uid) => kinds.get(uid) ?? "netns",
    log: () => {},
    bridge: "ltbr0",
    serviceInterface: "ltsvc0",
    run: spawnRunner(inHost),
    cidrWaitMs: 3_000,
    retryMs: 100,
  });
}

function pod(store: LocalStore, kind: SandboxKind) {
  const uid = crypto.randomUUID();
  kinds.set(uid, kind);
  store.savePod({ uid, namespace: "n", name: uid, pod: {}, record: {} });
  return { uid, namespace: "n", name: uid };
}

const ours = async () => (await must(["ip", "netns", "list"])).split("\n").filter((l) => l.startsWith(`ledge-${nodeName}-`));

beforeAll(async () => {
  if (!usable) return;
  dir = mkdtempSync(join(tmpdir(), "ledge-bridge-"));
  await must(["ip", "netns", "add", hostNs]);
  await must(["ip", "-n", hostNs, "link", "set", "lo", "up"]);
  // The node's link to the others: 10.99.9.1 here, with 10.99.9.2 as another node.
  await must(["ip", "-n", hostNs, "link", "add", "ltlink", "type", "veth", "peer", "name", "ltpeer"]);
  await must(["ip", "-n", hostNs, "addr", "add", "10.99.9.1/24", "dev", "ltlink"]);
  await must(["ip", "-n", hostNs, "link", "set", "ltlink", "up"]);
  await must(["ip", "-n", hostNs, "link", "set", "ltpeer", "up"]);
});

afterAll(async () => {
  if (!usable) return;
  for (const child of started) child.kill();
  await Promise.all(started.map((c) => c.exited));
  for (const name of await ours()) await sh(["ip", "netns", "del", name.split(" ")[0]!]);
  await sh(["ip", "netns", "del", hostNs]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!usable)("bridge mode inside a namespace", () => {
  let store: LocalStore;
  let nodes: ReturnType<typeof fakeNodes>;
  let net: BridgeNetwork;
  let oci: { uid: string; namespace: string; name: string };
  let ociStatus: { ips: string[]; netnsPath?: string };
  let wasm: { uid: string; namespace: string; name: string };
  let wasmIP: string;

  test("pods wait for the node's pod CIDR, then the bridge has its first address", async () => {
    store = LocalStore.open(join(dir, "agent.db"));
    nodes = fakeNodes();
    net = network(store, nodes);
    net.start();
    oci = pod(store, "netns");
    await expect(net.setUp(oci)).rejects.toThrow("has no spec.podCIDR");
    nodes.emit([{ name: nodeName, podCIDR: CIDR, internalIP: "10.99.9.1" }]);
    ociStatus = await net.setUp(oci);
    expect(await must(["ip", "-n", hostNs, "-o", "-4", "addr", "show", "dev", "ltbr0"])).toContain("inet 10.250.1.1/24");
    expect((await must([...inHost, "sysctl", "-n", "net.ipv4.ip_forward"])).trim()).toBe("1");
  });

  test("an OCI pod: its own namespace with eth0 on the bridge, its address, a default route via the bridge", async () => {
    expect(ociStatus.ips).toEqual(["10.250.1.2"]);
    expect(ociStatus.netnsPath).toBe(`/run/netns/ledge-${nodeName}-${oci.uid}`);
    const ns = `ledge-${nodeName}-${oci.uid}`;
    expect(await must(["ip", "-n", ns, "-o", "-4", "addr", "show", "dev", "eth0"])).toContain("inet 10.250.1.2/24");
    expect(await must(["ip", "-n", ns, "route", "show", "default"])).toContain("default via 10.250.1.1 dev eth0");
    expect(await net.setUp(oci)).toEqual(ociStatus);
  });

  test("a Wasm pod: an address on the bridge the OCI pod reaches", async () => {
    wasm = pod(store, "host");
    const status = await net.setUp(wasm);
    expect(status.netnsPath).toBeUndefined();
    wasmIP = status.ips[0]!;
    expect(await must(["ip", "-n", hostNs, "-o", "-4", "addr", "show", "dev", "ltbr0"])).toContain(`inet ${wasmIP}/32`);
    await serve(wasmIP, 8080, "from the wasm pod");
    await eventually("the OCI pod reaches the Wasm pod", async () => (await fetchFrom(ociStatus.netnsPath!, `http://${wasmIP}:8080/f`)).out === "from the wasm pod", 15_000);
  });

  test("a ClusterIP on the service interface is reached from the pod; released, it is gone", async () => {
    await net.ensure("10.96.0.10");
    expect(await must(["ip", "-n", hostNs, "-o", "-4", "addr", "show", "dev", "ltsvc0"])).toContain("inet 10.96.0.10/32");
    await serve("10.96.0.10", 8081, "from the service");
    await eventually("the pod reaches the ClusterIP", async () => (await fetchFrom(ociStatus.netnsPath!, "http://10.96.0.10:8081/f")).out === "from the service", 15_000);
    await net.release("10.96.0.10");
    expect(await must(["ip", "-n", hostNs, "-o", "-4", "addr", "show", "dev", "ltsvc0"])).not.toContain("10.96.0.10");
    await net.release("10.96.0.10");
  });

  test("routes to other nodes' pod CIDRs follow the Nodes", async () => {
    const routes = () => must(["ip", "-n", hostNs, "-o", "route", "show", "proto", "76"]);
    nodes.emit([
      { name: nodeName, podCIDR: CIDR, internalIP: "10.99.9.1" },
      { name: "other", podCIDR: "10.250.2.0/24", internalIP: "10.99.9.2" },
    ]);
    await eventually("a route to the other node's pods", async () => (await routes()).includes("10.250.2.0/24 via 10.99.9.2"));
    nodes.emit([
      { name: nodeName, podCIDR: CIDR, internalIP: "10.99.9.1" },
      { name: "other", podCIDR: "10.250.2.0/24", internalIP: "10.99.9.3" },
    ]);
    await eventually("the route follows the node's new address", async () => (await routes()).includes("10.250.2.0/24 via 10.99.9.3"));
    nodes.emit([{ name: nodeName, podCIDR: CIDR, internalIP: "10.99.9.1" }]);
    await eventually("the route gone with the node", async () => (await routes()).trim() === "");
  });

  test("a restarted agent keeps each pod's address and namespace and removes what no pod owns", async () => {
    await net.ensure("10.96.0.11");
    nodes.emit([
      { name: nodeName, podCIDR: CIDR, internalIP: "10.99.9.1" },
      { name: "other", podCIDR: "10.250.2.0/24", internalIP: "10.99.9.2" },
    ]);
    await eventually("the route", async () => (await must(["ip", "-n", hostNs, "-o", "route", "show", "proto", "76"])).includes("10.250.2.0/24"));
    await net.stop();
    // Stopped with an OCI pod still saved (its container may outlive the agent): the bridge and its namespace stay, the rest goes.
    expect(await sh(["ip", "-n", hostNs, "link", "show", "ltsvc0"])).toMatchObject({ code: 1 });
    expect(await must(["ip", "-n", hostNs, "-o", "-4", "addr", "show", "dev", "ltbr0"])).not.toContain(wasmIP);
    expect(existsSync(ociStatus.netnsPath!)).toBe(true);
    // A crashed agent's leftovers: a namespace and a bridge address no saved pod owns.
    const stale = crypto.randomUUID();
    await must(["ip", "netns", "add", `ledge-${nodeName}-${stale}`]);
    await must(["ip", "-n", hostNs, "addr", "add", "10.250.1.77/32", "dev", "ltbr0"]);
    store.close();

    store = LocalStore.open(join(dir, "agent.db"));
    nodes = fakeNodes();
    net = network(store, nodes);
    net.start();
    expect(await net.setUp(oci)).toEqual(ociStatus);
    expect(await net.setUp(wasm)).toEqual({ ips: [wasmIP] });
    expect(existsSync(`/run/netns/ledge-${nodeName}-${stale}`)).toBe(false);
    const bridgeAddresses = await must(["ip", "-n", hostNs, "-o", "-4", "addr", "show", "dev", "ltbr0"]);
    expect(bridgeAddresses).not.toContain("10.250.1.77");
    expect(bridgeAddresses).toContain(`inet ${wasmIP}/32`);
    await eventually("the OCI pod reaches the Wasm pod again", async () => (await fetchFrom(ociStatus.netnsPath!, `http://${wasmIP}:8080/f`)).out === "from the wasm pod", 15_000);
  });

  test("pods torn down and the agent stopped: nothing is left", async () => {
    nodes.emit([
      { name: nodeName, podCIDR: CIDR, internalIP: "10.99.9.1" },
      { name: "other", podCIDR: "10.250.2.0/24", internalIP: "10.99.9.2" },
    ]);
    await net.ensure("10.96.0.12");
    await net.tearDown(oci.uid);
    await net.tearDown(wasm.uid);
    await net.tearDown(crypto.randomUUID());
    expect(existsSync(ociStatus.netnsPath!)).toBe(false);
    expect(store.podIP(oci.uid)).toBeUndefined();
    await net.stop();
    store.close();
    expect(await ours()).toEqual([]);
    const links = await must(["ip", "-n", hostNs, "-o", "link", "show"]);
    for (const name of ["ltbr0", "ltsvc0", "lv"]) expect(links).not.toContain(name);
    expect((await must(["ip", "-n", hostNs, "-o", "route", "show", "proto", "76"])).trim()).toBe("");
  });
});
