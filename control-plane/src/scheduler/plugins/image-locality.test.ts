import { describe, expect, test } from "bun:test";
import { makeNode, makePod } from "../builders.ts";
import { scores, snapshotOf } from "../plugin-harness.ts";
import { create, DEFAULT_MAX_CONTAINER_THRESHOLD_BYTES, DEFAULT_MIN_THRESHOLD_BYTES, imageScore } from "./image-locality.ts";

const MiB = 1024 * 1024;

describe("imageScore", () => {
  test.each([
    [0, 1, 0],
    [DEFAULT_MIN_THRESHOLD_BYTES, 1, 0],
    [DEFAULT_MAX_CONTAINER_THRESHOLD_BYTES, 1, 100],
    [5 * DEFAULT_MAX_CONTAINER_THRESHOLD_BYTES, 1, 100],
    [DEFAULT_MAX_CONTAINER_THRESHOLD_BYTES, 2, 49],
  ])("sum %p over %p containers → %p", (sum, containers, expected) => {
    expect(imageScore(sum, containers, DEFAULT_MIN_THRESHOLD_BYTES, DEFAULT_MAX_CONTAINER_THRESHOLD_BYTES)).toBe(expected);
  });
});

describe("score", () => {
  const big = { names: ["docker.io/library/postgres:16"], sizeBytes: 800 * MiB };
  test("nodes holding the image score higher, scaled by how many nodes hold it", () => {
    const snapshot = snapshotOf([makeNode("a", { images: [big] }), makeNode("b", { images: [big] }), makeNode("c")]);
    // 800 MiB × 2/3 of nodes ≈ 533 MiB: (533 − 23) / (1000 − 23) of 100.
    expect(scores(create(), makePod("p", { image: "postgres:16" }), snapshot)).toEqual({ a: 52, b: 52, c: 0 });
  });

  test("no node holds the image: PreScore skips", () => {
    expect(scores(create(), makePod("p", { image: "postgres:17" }), snapshotOf([makeNode("a", { images: [big] })]))).toBeUndefined();
  });

  test("a small Wasm module counts with a lower threshold", () => {
    const module = { names: ["ghcr.io/ledge/hello.wasm:1"], sizeBytes: 4 * MiB };
    const snapshot = snapshotOf([makeNode("a", { images: [module] }), makeNode("b")]);
    const pod = makePod("p", { image: "ghcr.io/ledge/hello.wasm:1" });
    expect(scores(create(), pod, snapshot)).toEqual({ a: 0, b: 0 });
    expect(scores(create({ minThresholdBytes: 0, maxContainerThresholdBytes: 8 * MiB }), pod, snapshot)).toEqual({ a: 25, b: 0 });
  });
});
