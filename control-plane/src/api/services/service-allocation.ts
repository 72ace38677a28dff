// What a Service create, update or delete allocates and releases, as
// Kubernetes' service registry does it (pkg/registry/core/service/storage):
// ClusterIPs per IP family, NodePorts for NodePort and LoadBalancer services,
// a healthCheckNodePort for LoadBalancer services with externalTrafficPolicy
// Local. User-chosen values are checked (read-only) before anything is
// reserved, so a refused request writes nothing; reservations made for a
// write that then fails are released again.
import type { IPFamily } from "./ip-range.ts";
import { type AllocationFailure, ServiceAllocator } from "./allocator.ts";
import { type FieldError, fieldErrors, internal, invalid } from "../errors.ts";
import type { KubeObject } from "../../storage/store.ts";
import type { ParentRef } from "./reservations.ts";

type Json = Record<string, unknown>;

export interface ServicePortSpec {
  name?: string;
  port?: number;
  protocol?: string;
  nodePort?: number;
}

export interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  ports?: ServicePortSpec[];
  healthCheckNodePort?: number;
  externalTrafficPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
}

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const specOf = (service: KubeObject): ServiceSpec => (isObj(service.spec) ? (service.spec as ServiceSpec) : {});
const typeOf = (spec: ServiceSpec): string => (typeof spec.type === "string" && spec.type ? spec.type : "ClusterIP");
const portsOf = (spec: ServiceSpec): ServicePortSpec[] => (Array.isArray(spec.ports) ? spec.ports.filter(isObj) : []);
const setPort = (n: unknown): n is number => typeof n === "number" && n !== 0;

export const HEADLESS = "None";

/** Every type but ExternalName gets a ClusterIP (or is headless). */
export const needsClusterIP = (spec: ServiceSpec): boolean => typeOf(spec) !== "ExternalName";

export const needsNodePorts = (spec: ServiceSpec): boolean =>
  typeOf(spec) === "NodePort" || (typeOf(spec) === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false);

export const needsHealthCheckNodePort = (spec: ServiceSpec): boolean =>
  typeOf(spec) === "LoadBalancer" && spec.externalTrafficPolicy === "Local";

/** The ClusterIPs and node ports a stored Service holds. */
export function allocatedValues(service: KubeObject): { ips: string[]; ports: number[] } {
  const spec = specOf(service);
  const ips = needsClusterIP(spec) ? (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter((ip) => typeof ip === "string" && ip && ip !== HEADLESS) : [];
  const ports = new Set<number>();
  for (const port of portsOf(spec)) if (setPort(port.nodePort)) ports.add(port.nodePort);
  if (setPort(spec.healthCheckNodePort)) ports.add(spec.healthCheckNodePort);
  return { ips, ports: [...ports] };
}

/**
 * Reservations made for one write: released if the write fails, and the
 * ones the written object does not use (an earlier, conflicted attempt of a
 * read-modify-write) released once it succeeds.
 */
export class AllocationTransaction {
  private readonly ips = new Set<string>();
  private readonly ports = new Set<number>();

  constructor(
    private readonly allocator: ServiceAllocator,
    readonly parent: ParentRef,
    readonly dryRun: boolean,
  ) {}

  reservedIP(ip: string): void {
    if (!this.dryRun) this.ips.add(ip);
  }

  reservedPort(port: number): void {
    if (!this.dryRun) this.ports.add(port);
  }

  get reserved(): { ips: string[]; ports: number[] } {
    return { ips: [...this.ips], ports: [...this.ports] };
  }

  /** The write failed: give back everything reserved for it. */
  async revert(): Promise<void> {
    await this.releaseExcept({ ips: [], ports: [] }, this.reserved);
  }

  /** The write of `written` over `previous` succeeded: release what neither it nor anyone else uses now. */
  async commit(written: KubeObject | undefined, previous?: KubeObject): Promise<void> {
    const kept = written ? allocatedValues(written) : { ips: [], ports: [] };
    const dropped = previous ? allocatedValues(previous) : { ips: [], ports: [] };
    const mine = this.reserved;
    await this.releaseExcept(kept, { ips: [...mine.ips, ...dropped.ips], ports: [...mine.ports, ...dropped.ports] });
  }

  private async releaseExcept(kept: { ips: string[]; ports: number[] }, candidates: { ips: string[]; ports: number[] }): Promise<void> {
    if (this.dryRun) return;
    const keptIPs = new Set(kept.ips);
    const keptPorts = new Set(kept.ports);
    for (const ip of new Set(candidates.ips)) if (!keptIPs.has(ip)) await this.allocator.releaseIP(ip, this.parent);
    for (const port of new Set(candidates.ports)) if (!keptPorts.has(port)) await this.allocator.releasePort(port, this.parent);
    this.ips.clear();
    this.ports.clear();
  }
}

// ---------------------------------------------------------------------------
// Planning: what to reserve, checked before anything is written

type Want =
  | { kind: "ip"; family: IPFamily; index: number; value?: string }
  | { kind: "port"; field: string; value?: number; assign: (port: number) => void };

const serviceKind = { group: "", kind: "Service" };

function failureDetail(what: "IP" | "port", value: string | number, failure: AllocationFailure): string {
  switch (failure.reason) {
    case "NotInRange":
      return what === "IP"
        ? `failed to allocate IP ${value}: the provided IP (${value}) is not in the valid range. The range of valid IPs is ${failure.range}`
        : `provided port is not in the valid range. The range of valid ports is ${failure.range}`;
    case "Allocated":
      return what === "IP" ? `failed to allocate IP ${value}: provided IP is already allocated` : "provided port is already allocated";
    case "FamilyNotConfigured":
      return "not configured on this cluster";
    case "Full":
      return "range is full";
  }
}

/** Defaults and checks the IP family fields of a Service that needs a ClusterIP; returns field errors. */
export function settleIPFamilies(allocator: ServiceAllocator, spec: ServiceSpec): FieldError[] {
  const errors: FieldError[] = [];
  const headless = spec.clusterIP === HEADLESS || spec.clusterIPs?.[0] === HEADLESS;
  // clusterIP and clusterIPs[0] say the same thing; either may be given.
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
  if (spec.clusterIPs?.length && spec.clusterIPs[0] !== spec.clusterIP) {
    errors.push(fieldErrors.invalid("spec.clusterIPs[0]", spec.clusterIPs[0], "must match `clusterIP`"));
    return errors;
  }
  if (headless) {
    if ((spec.clusterIPs?.length ?? 0) > 1) errors.push(fieldErrors.invalid("spec.clusterIPs", spec.clusterIPs, 'must not have more than one value when the first is "None"'));
    spec.clusterIP = HEADLESS;
    spec.clusterIPs = [HEADLESS];
  }
  const chosen = headless ? [] : (spec.clusterIPs ?? []);
  let families = (spec.ipFamilies ?? []).filter((f): f is IPFamily => f === "IPv4" || f === "IPv6");
  const familyOf = (ip: string): IPFamily => (ip.includes(":") ? "IPv6" : "IPv4");
  // The schema's defaulting says IPv4 when nothing was asked; on an IPv6-only cluster that means IPv6.
  if (!headless && chosen.length === 0 && families.length === 1 && families[0] === "IPv4" && !allocator.ranges.has("IPv4") && !spec.ipFamilies?.includes("IPv6")) {
    families = [allocator.families[0] ?? "IPv4"];
  }
  for (let i = families.length; i < chosen.length; i++) families.push(familyOf(chosen[i] ?? ""));
  chosen.forEach((ip, i) => {
    if (familyOf(ip) !== families[i]) errors.push(fieldErrors.invalid(`spec.clusterIPs[${i}]`, ip, `expected an ${families[i]} value as indicated by \`ipFamilies[${i}]\``));
  });
  const policy = spec.ipFamilyPolicy ?? "SingleStack";
  if (families.length > 2) errors.push(fieldErrors.invalid("spec.ipFamilies", families, "may specify no more than one IP for each IP family"));
  if (policy === "SingleStack" && families.length > 1) {
    errors.push(fieldErrors.invalid("spec.ipFamilyPolicy", policy, "must be RequireDualStack or PreferDualStack when multiple IP families are specified"));
  }
  if (!headless) {
    families.forEach((family, i) => {
      if (!allocator.ranges.has(family)) errors.push(fieldErrors.invalid(`spec.ipFamilies[${i}]`, family, "not configured on this cluster"));
    });
    if (policy === "RequireDualStack" && !allocator.dualStack) {
      errors.push(fieldErrors.invalid("spec.ipFamilyPolicy", policy, "this cluster is not configured for dual-stack services"));
    }
  }
  if (policy !== "SingleStack" && allocator.dualStack && families.length === 1) {
    families.push(allocator.families.find((f) => f !== families[0]) ?? families[0]!);
  }
  spec.ipFamilies = families;
  spec.ipFamilyPolicy = policy;
  return errors;
}

/** What to reserve for a Service that had none of these values before (`keep`: values it already holds). */
function plan(spec: ServiceSpec, keep: { ips: Set<string>; ports: Set<number> }, errors: FieldError[], forClusterIPs: boolean): Want[] {
  const wants: Want[] = [];
  if (forClusterIPs && spec.clusterIP !== HEADLESS) {
    (spec.ipFamilies as IPFamily[] | undefined)?.forEach((family, index) => {
      const value = spec.clusterIPs?.[index];
      if (value && keep.ips.has(value)) return;
      wants.push({ kind: "ip", family, index, value });
    });
  }
  const ports = portsOf(spec);
  if (needsNodePorts(spec) || typeOf(spec) === "LoadBalancer") {
    // One node port may serve a port number's TCP and UDP; never twice for one protocol.
    const seen = new Map<number, Set<string>>();
    ports.forEach((port, i) => {
      if (!setPort(port.nodePort)) return;
      const protocols = seen.get(port.nodePort) ?? new Set();
      const protocol = port.protocol ?? "TCP";
      if (protocols.has(protocol)) errors.push(fieldErrors.duplicate(`spec.ports[${i}].nodePort`, port.nodePort));
      protocols.add(protocol);
      seen.set(port.nodePort, protocols);
    });
    const planned = new Set<number>();
    ports.forEach((port, i) => {
      const field = `spec.ports[${i}].nodePort`;
      if (setPort(port.nodePort)) {
        if (keep.ports.has(port.nodePort) || planned.has(port.nodePort)) return;
        planned.add(port.nodePort);
        wants.push({ kind: "port", field, value: port.nodePort, assign: () => {} });
      } else if (needsNodePorts(spec)) {
        wants.push({ kind: "port", field, assign: (n) => (port.nodePort = n) });
      }
    });
  }
  if (needsHealthCheckNodePort(spec)) {
    const value = setPort(spec.healthCheckNodePort) ? spec.healthCheckNodePort : undefined;
    if (value === undefined || !keep.ports.has(value)) {
      wants.push({ kind: "port", field: "spec.healthCheckNodePort", value, assign: (n) => (spec.healthCheckNodePort = n) });
    }
  } else if (setPort(spec.healthCheckNodePort)) {
    errors.push(fieldErrors.invalid("spec.healthCheckNodePort", spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  return wants;
}

/** Read-only checks of user-chosen values, so a refusal happens before any write. */
async function check(allocator: ServiceAllocator, spec: ServiceSpec, wants: Want[], errors: FieldError[]): Promise<void> {
  for (const want of wants) {
    if (want.value === undefined) continue;
    if (want.kind === "ip") {
      const outcome = await allocator.reserveIP(want.value, { namespace: "", name: "" }, true);
      if (!outcome.ok) errors.push(fieldErrors.invalid("spec.clusterIPs", spec.clusterIPs, failureDetail("IP", want.value, outcome)));
    } else {
      const outcome = await allocator.reservePort(want.value, { namespace: "", name: "" }, true);
      if (!outcome.ok) errors.push(fieldErrors.invalid(want.field, want.value, failureDetail("port", want.value, outcome)));
    }
  }
}

async function execute(allocator: ServiceAllocator, spec: ServiceSpec, wants: Want[], txn: AllocationTransaction, name: string): Promise<void> {
  const ips = [...(spec.clusterIPs ?? [])];
  for (const want of wants) {
    if (want.kind === "ip") {
      const outcome = want.value
        ? await allocator.reserveIP(want.value, txn.parent, txn.dryRun)
        : await allocator.allocateIP(want.family, txn.parent, txn.dryRun);
      if (!outcome.ok) {
        if (outcome.reason === "Full") throw internal(new Error("failed to allocate a serviceIP: range is full"));
        throw invalid(serviceKind, name, [fieldErrors.invalid("spec.clusterIPs", spec.clusterIPs, failureDetail("IP", want.value ?? "", outcome))]);
      }
      txn.reservedIP(outcome.value);
      ips[want.index] = outcome.value;
    } else {
      const outcome = want.value !== undefined
        ? await allocator.reservePort(want.value, txn.parent, txn.dryRun)
        : await allocator.allocatePort(txn.parent, txn.dryRun);
      if (!outcome.ok) {
        if (outcome.reason === "Full") throw internal(new Error("failed to allocate a nodePort: range is full"));
        throw invalid(serviceKind, name, [fieldErrors.invalid(want.field, want.value, failureDetail("port", want.value ?? 0, outcome))]);
      }
      txn.reservedPort(outcome.value);
      want.assign(outcome.value);
    }
  }
  if (ips.length) {
    spec.clusterIPs = ips;
    spec.clusterIP = ips[0];
  }
}

async function allocate(allocator: ServiceAllocator, service: KubeObject, spec: ServiceSpec, wants: Want[], errors: FieldError[], txn: AllocationTransaction): Promise<void> {
  const name = service.metadata.name ?? service.metadata.generateName ?? "";
  if (errors.length === 0) await check(allocator, spec, wants, errors);
  if (errors.length) throw invalid(serviceKind, name, errors);
  try {
    await execute(allocator, spec, wants, txn, name);
  } catch (error) {
    // Lost a race for a value that was free a moment ago: give back the rest.
    await txn.revert();
    throw error;
  }
}

function externalNameErrors(spec: ServiceSpec): FieldError[] {
  const errors: FieldError[] = [];
  if (spec.clusterIP || spec.clusterIPs?.length) errors.push(fieldErrors.forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
  if (spec.ipFamilies?.length) errors.push(fieldErrors.forbidden("spec.ipFamilies", "may not be set for ExternalName services"));
  if (spec.ipFamilyPolicy) errors.push(fieldErrors.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"));
  return errors;
}

/** Fills in and reserves a new Service's ClusterIPs and node ports (in place). */
export async function allocateCreate(allocator: ServiceAllocator, service: KubeObject, txn: AllocationTransaction): Promise<void> {
  const spec = specOf(service);
  if (!isObj(service.spec)) return;
  const errors = needsClusterIP(spec) ? settleIPFamilies(allocator, spec) : externalNameErrors(spec);
  const wants = plan(spec, { ips: new Set(), ports: new Set() }, errors, needsClusterIP(spec));
  await allocate(allocator, service, spec, wants, errors, txn);
}

/**
 * Values the client left out but the Service already has are kept
 * (patchAllocatedValues): a PUT without clusterIP or nodePort keeps them.
 */
export function patchAllocatedValues(old: ServiceSpec, next: ServiceSpec): void {
  if (needsClusterIP(old) && needsClusterIP(next)) {
    if (!next.clusterIP && old.clusterIP) next.clusterIP = old.clusterIP;
    if (!next.clusterIPs?.length && old.clusterIPs?.length && next.clusterIP === old.clusterIP) next.clusterIPs = [...old.clusterIPs];
    // Families are settled at create; Ledge's schema defaulting refills them on every write.
    if (old.ipFamilies) next.ipFamilies = [...old.ipFamilies];
    if (old.ipFamilyPolicy) next.ipFamilyPolicy = old.ipFamilyPolicy;
  }
  if (needsNodePorts(old) && needsNodePorts(next)) {
    const oldPorts = portsOf(old);
    const used = new Set(portsOf(next).map((p) => p.nodePort).filter(setPort));
    const byName = new Map(oldPorts.map((p) => [p.name ?? "", p.nodePort]));
    for (const port of portsOf(next)) {
      if (setPort(port.nodePort)) continue;
      const previous = byName.get(port.name ?? "");
      if (setPort(previous) && !used.has(previous)) {
        port.nodePort = previous;
        used.add(previous);
      }
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(next) && !setPort(next.healthCheckNodePort)) {
    next.healthCheckNodePort = old.healthCheckNodePort;
  }
}

/**
 * Fields that only make sense for the old type are dropped when the client
 * left them as they were (dropTypeDependentFields), so `kubectl patch -p
 * '{"spec":{"type":"ClusterIP"}}'` on a NodePort service works. Runs on the
 * raw update body, before validation, as Kubernetes' PrepareForUpdate does.
 */
export function dropTypeDependentFields(oldService: KubeObject, nextService: KubeObject): void {
  if (!isObj(nextService.spec)) return;
  const old = specOf(oldService);
  const next = nextService.spec as ServiceSpec;
  if (needsClusterIP(old) && !needsClusterIP(next)) {
    const sameIP = !next.clusterIP || next.clusterIP === old.clusterIP;
    const sameIPs = !Array.isArray(next.clusterIPs) || Bun.deepEquals(next.clusterIPs, old.clusterIPs ?? []);
    if (sameIP && sameIPs) {
      delete next.clusterIP;
      delete next.clusterIPs;
      if (!next.ipFamilies || Bun.deepEquals(next.ipFamilies, old.ipFamilies)) delete next.ipFamilies;
      if (!next.ipFamilyPolicy || next.ipFamilyPolicy === old.ipFamilyPolicy) delete next.ipFamilyPolicy;
    }
  }
  if (needsNodePorts(old) && !needsNodePorts(next) && typeOf(next) !== "LoadBalancer") {
    const oldPorts = new Set(portsOf(old).map((p) => p.nodePort).filter(setPort));
    const nextPorts = portsOf(next);
    if (nextPorts.every((p) => !setPort(p.nodePort) || oldPorts.has(p.nodePort))) for (const p of nextPorts) delete p.nodePort;
  }
  if (needsHealthCheckNodePort(old) && !needsHealthCheckNodePort(next) && next.healthCheckNodePort === old.healthCheckNodePort) {
    delete next.healthCheckNodePort;
  }
  const externallyAccessible = (spec: ServiceSpec) => typeOf(spec) === "NodePort" || typeOf(spec) === "LoadBalancer";
  if (externallyAccessible(old) && !externallyAccessible(next) && next.externalTrafficPolicy === old.externalTrafficPolicy) {
    delete next.externalTrafficPolicy;
  }
  if (typeOf(old) === "LoadBalancer" && typeOf(next) !== "LoadBalancer" && next.allocateLoadBalancerNodePorts === old.allocateLoadBalancerNodePorts) {
    delete next.allocateLoadBalancerNodePorts;
  }
}

/** Keeps, reserves and checks what an update of `old` to `next` needs (in place on `next`). */
export async function allocateUpdate(allocator: ServiceAllocator, oldService: KubeObject, nextService: KubeObject, txn: AllocationTransaction): Promise<void> {
  if (!isObj(nextService.spec)) return;
  const old = specOf(oldService);
  const next = nextService.spec as ServiceSpec;
  patchAllocatedValues(old, next);
  const held = allocatedValues(oldService);
  const keep = { ips: new Set(held.ips), ports: new Set(held.ports) };
  let errors: FieldError[] = [];
  let newClusterIPs = false;
  if (!needsClusterIP(next)) {
    errors = externalNameErrors(next);
  } else {
    const before = old.clusterIPs ?? (old.clusterIP ? [old.clusterIP] : []);
    const after = next.clusterIPs ?? (next.clusterIP ? [next.clusterIP] : []);
    if (!needsClusterIP(old) || before.length === 0) {
      // ExternalName → a type with a ClusterIP (or a Service stored before allocation): as at create.
      errors = settleIPFamilies(allocator, next);
      newClusterIPs = true;
    } else if (!Bun.deepEquals(before, after)) {
      errors.push(fieldErrors.invalid("spec.clusterIPs[0]", after[0] ?? "", "may not change once set"));
    }
  }
  const wants = plan(next, keep, errors, newClusterIPs);
  await allocate(allocator, nextService, next, wants, errors, txn);
}
