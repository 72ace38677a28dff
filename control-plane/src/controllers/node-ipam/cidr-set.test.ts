import { expect, test } from "bun:test";
import { CidrSet } from "./cidr-set.ts";

test.each([
  ["10.244.0.0/16", 24, 0, "10.244.0.0/24", 256],
  ["10.244.0.0/16", 24, 255, "10.244.255.0/24", 256],
  ["10.0.0.0/8", 24, 257, "10.1.1.0/24", 65536],
  ["192.168.0.0/24", 26, 3, "192.168.0.192/26", 4],
  ["10.244.0.0/24", 24, 0, "10.244.0.0/24", 1],
])("%s in /%d: block %d is %s (of %d)", (cluster, mask, index, cidr, size) => {
  const set = new CidrSet(cluster, mask);
  expect(set.cidrAt(index)).toBe(cidr);
  expect(set.indexOf(cidr)).toBe(index);
  expect(set.size).toBe(size);
});

test.each(["10.245.0.0/24", "10.244.1.0/25", "10.244.1.1/24", "fd00::/64", "nonsense"])("%s is no block of 10.244.0.0/16", (cidr) => {
  expect(new CidrSet("10.244.0.0/16").indexOf(cidr)).toBeUndefined();
});

test("the lowest free block first; none when all are taken", () => {
  const set = new CidrSet("10.244.0.0/23");
  expect(set.firstFree(new Set())).toBe("10.244.0.0/24");
  expect(set.firstFree(new Set(["10.244.0.0/24"]))).toBe("10.244.1.0/24");
  expect(set.firstFree(new Set(["10.244.0.0/24", "10.244.1.0/24"]))).toBeUndefined();
});

test.each([
  ["10.244.0.0/16", 8, "do not fit"],
  ["10.244.0.0/16", 31, "do not fit"],
  ["10.244.0.1/16", 24, "host bits set"],
  ["fd00::/48", 64, "only IPv4"],
  ["0.0.0.0/4", 28, "more than 2^20"],
  ["10.244.0.0", 24, "is not a CIDR"],
])("cluster CIDR %s with /%d is refused: %s", (cluster, mask, message) => {
  expect(() => new CidrSet(cluster, mask)).toThrow(message);
});
