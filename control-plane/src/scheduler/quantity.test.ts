import { describe, expect, test } from "bun:test";
import { milliValue, value } from "./quantity.ts";

describe("milliValue", () => {
  test.each<[string | number | undefined, number]>([
    ["100m", 100],
    ["1.5", 1500],
    ["2", 2000],
    [2, 2000],
    ["0.1", 100],
    ["1.1", 1100],
    ["0.3", 300],
    ["250m", 250],
    ["1e3", 1_000_000],
    ["1k", 1_000_000],
    // Kubernetes rounds sub-milli quantities up, never to zero.
    ["0.0001", 1],
    ["100u", 1],
    ["1500m", 1500],
    [undefined, 0],
    ["not-a-quantity", 0],
  ])("%p is %p millis", (input, expected) => {
    expect(milliValue(input)).toBe(expected);
  });
});

describe("value", () => {
  test.each<[string | number | undefined, number]>([
    ["64Mi", 64 * 2 ** 20],
    ["1G", 1e9],
    ["1Gi", 2 ** 30],
    ["1e3", 1000],
    ["1.5e3", 1500],
    ["128974848", 128974848],
    [128974848, 128974848],
    ["129M", 129e6],
    ["0.5Gi", 2 ** 29],
    ["110", 110],
    ["1n", 1],
    ["0.1Gi", Math.ceil(0.1 * 2 ** 30)],
    [undefined, 0],
    ["Mi", 0],
  ])("%p is %p", (input, expected) => {
    expect(value(input)).toBe(expected);
  });
});
