import { describe, expect, test } from "bun:test";
import { canonicalIP, ipAt, offsetOf, parseCIDR, parsePortRange, staticBlockSize } from "./ip-range.ts";

describe("canonicalIP", () => {
  test.each([
    ["10.96.0.1", "10.96.0.1"],
    ["127.96.0.10", "127.96.0.10"],
    ["255.255.255.255", "255.255.255.255"],
    ["10.96.0.256", undefined],
    ["10.96.0", undefined],
    ["010.96.0.1", undefined],
    ["fd00::1", "fd00::1"],
    ["FD00:0:0:0:0:0:0:1", "fd00::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["::", "::"],
    ["::1", "::1"],
    ["::ffff:10.0.0.1", "::ffff:a00:1"],
    ["fd00:::1", undefined],
    ["1:2:3:4:5:6:7:8:9", undefined],
    ["example.com", undefined],
  ])("%s → %s", (input, expected) => {
    expect(canonicalIP(input)).toBe(expected);
  });
});

describe("parseCIDR", () => {
  test.each<[string, string, bigint]>([
    ["10.96.0.0/12", "IPv4", 2n ** 20n - 2n],
    ["127.96.0.0/16", "IPv4", 65534n],
    ["10.0.0.0/30", "IPv4", 2n],
    ["fd00:10:96::/108", "IPv6", 2n ** 20n - 1n],
  ])("%s: %s with %d usable addresses", (cidr, family, size) => {
    const range = parseCIDR(cidr);
    expect(range.family as string).toBe(family);
    expect(range.size).toBe(size);
  });

  test.each([["10.96.0.1/12"], ["10.96.0.0"], ["10.96.0.0/33"], ["10.0.0.0/31"], ["nope/8"], ["10.96.0.0/x"]])("%s is refused", (cidr) => {
    expect(() => parseCIDR(cidr)).toThrow();
  });

  test("offsets skip the network address, and IPv4's broadcast is never handed out", () => {
    const range = parseCIDR("10.0.0.0/29");
    expect(ipAt(range, 0n)).toBe("10.0.0.1");
    expect(ipAt(range, range.size - 1n)).toBe("10.0.0.6");
    expect(offsetOf(range, "10.0.0.0")).toBeUndefined();
    expect(offsetOf(range, "10.0.0.7")).toBeUndefined();
    expect(offsetOf(range, "10.0.0.3")).toBe(2n);
    expect(offsetOf(range, "10.0.1.3")).toBeUndefined();
    expect(offsetOf(range, "fd00::3")).toBeUndefined();
  });

  test("IPv6 offsets round-trip through the canonical form", () => {
    const range = parseCIDR("fd00:10:96::/108");
    expect(ipAt(range, 0n)).toBe("fd00:10:96::1");
    expect(offsetOf(range, ipAt(range, 4095n))).toBe(4095n);
  });
});

describe("parsePortRange", () => {
  test.each([
    ["30000-32767", 30000, 2768],
    ["30000", 30000, 1],
    [" 8000-8009 ", 8000, 10],
  ])("%s", (text, base, size) => {
    expect(parsePortRange(text)).toMatchObject({ base, size });
  });
  test.each([["0-10"], ["32767-30000"], ["30000-70000"], ["a-b"], [""]])("%s is refused", (text) => {
    expect(() => parsePortRange(text)).toThrow();
  });
});

test.each([
  // Kubernetes' ClusterIP split: min(max(16, size/16), 256)
  [2n ** 20n - 2n, 16n, 256n, 16n, 256n],
  [254n, 16n, 256n, 16n, 16n],
  [65534n, 16n, 256n, 16n, 256n],
  // NodePorts: min(max(16, size/32), 128)
  [2768n, 16n, 128n, 32n, 86n],
  // A range too small for a split has none.
  [6n, 16n, 256n, 16n, 0n],
])("static block of %d values is %d..%d, 1/%d → %d", (size, min, max, divisor, expected) => {
  expect(staticBlockSize(size, min, max, divisor)).toBe(expected);
});
