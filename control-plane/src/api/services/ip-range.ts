// Service IP ranges (CIDRs) and NodePort ranges as numbers: parsing, the
// canonical text of an address, and the offsets an allocator hands out.
// Addresses are bigints so one code path serves IPv4 and IPv6.

export type IPFamily = "IPv4" | "IPv6";

export interface IP {
  family: IPFamily;
  value: bigint;
}

export interface IPRange {
  /** As configured, e.g. "10.96.0.0/12". */
  readonly cidr: string;
  readonly family: IPFamily;
  /** The network address. */
  readonly base: bigint;
  /** Addresses an allocator may hand out: the network address (and IPv4's broadcast) excluded. */
  readonly size: bigint;
}

export interface PortRange {
  readonly base: number;
  readonly size: number;
  /** "30000-32767". */
  readonly text: string;
}

const BITS: Record<IPFamily, number> = { IPv4: 32, IPv6: 128 };

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // No leading zeros: "010" is ambiguous (octal in some parsers), Go rejects it too.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIPv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let head = text;
  // An embedded IPv4 tail ("::ffff:1.2.3.4") stands for the last two groups.
  if (text.includes(".")) {
    const lastColon = text.lastIndexOf(":");
    const tail = parseIPv4(text.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}${(tail >> 16n).toString(16)}:${(tail & 0xffffn).toString(16)}`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groupsOf(halves[0] ?? "");
  const right = halves.length === 2 ? groupsOf(halves[1] ?? "") : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return value;
}

/** An address in either family, or undefined when `text` is not one. */
export function parseIP(text: string): IP | undefined {
  if (text.includes(":")) {
    const value = parseIPv6(text);
    return value === undefined ? undefined : { family: "IPv6", value };
  }
  const value = parseIPv4(text);
  return value === undefined ? undefined : { family: "IPv4", value };
}

/** The canonical text: dotted quad, or RFC 5952 for IPv6 (lower case, longest zero run as "::"). */
export function formatIP(ip: IP): string {
  if (ip.family === "IPv4") {
    return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join(".");
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt((7 - i) * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** The canonical form of an address, or undefined when it is not one. */
export function canonicalIP(text: string): string | undefined {
  const ip = parseIP(text);
  return ip && formatIP(ip);
}

/** @throws Error naming the problem, for configuration errors at start-up. */
export function parseCIDR(cidr: string): IPRange {
  const slash = cidr.indexOf("/");
  const ip = slash > 0 ? parseIP(cidr.slice(0, slash)) : undefined;
  const prefixText = cidr.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) throw new Error(`"${cidr}" is not a CIDR (like 10.96.0.0/12 or fd00:10:96::/108)`);
  const bits = BITS[ip.family];
  const prefix = Number(prefixText);
  // Kubernetes wants room for at least a handful of services, and caps the size it bitmaps.
  const hostBits = bits - prefix;
  if (hostBits < 2 || prefix > bits) throw new Error(`service CIDR ${cidr} is too small: it needs at least 4 addresses`);
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(hostBits)) - 1n);
  const base = ip.value & mask;
  if (base !== ip.value) throw new Error(`service CIDR ${cidr} has host bits set (did you mean ${formatIP({ family: ip.family, value: base })}/${prefix}?)`);
  const total = 1n << BigInt(hostBits);
  return { cidr, family: ip.family, base, size: ip.family === "IPv4" ? total - 2n : total - 1n };
}

/** The address at `offset` (0 ≤ offset < size) of the range: the first usable one is offset 0. */
export const ipAt = (range: IPRange, offset: bigint): string => formatIP({ family: range.family, value: range.base + 1n + offset });

/** The offset of `ip` in the range, or undefined when the range cannot hand it out. */
export function offsetOf(range: IPRange, ip: string): bigint | undefined {
  const parsed = parseIP(ip);
  if (!parsed || parsed.family !== range.family) return undefined;
  const offset = parsed.value - range.base - 1n;
  return offset >= 0n && offset < range.size ? offset : undefined;
}

/** "30000-32767" (or one port "30000"). @throws Error for configuration errors. */
export function parsePortRange(text: string): PortRange {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  const first = match ? Number(match[1]) : NaN;
  const last = match?.[2] !== undefined ? Number(match[2]) : first;
  if (!match || first < 1 || last > 65535 || last < first) throw new Error(`"${text}" is not a port range (like 30000-32767)`);
  return { base: first, size: last - first + 1, text: `${first}-${last}` };
}

/**
 * How many of the lowest offsets are kept for values users choose (Kubernetes'
 * static/dynamic split, KEP-3070 and KEP-3668): random allocation takes from
 * above this first, so a user asking for a low address or port rarely finds
 * it taken.
 */
export function staticBlockSize(size: bigint, min: bigint, max: bigint, divisor: bigint): bigint {
  const wanted = size / divisor;
  const block = wanted < min ? min : wanted > max ? max : wanted;
  return block >= size ? 0n : block;
}
