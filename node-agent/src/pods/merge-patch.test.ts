import { expect, test } from "bun:test";
import { mergePatch, sameJson } from "./merge-patch.ts";

test.each([
  [{ a: 1 }, { a: 1 }, undefined],
  [{ a: 1 }, { a: 2 }, { a: 2 }],
  [{ a: 1, b: 2 }, { a: 1 }, { b: null }],
  [{ a: { x: 1, y: 2 } }, { a: { x: 1, y: 3 } }, { a: { y: 3 } }],
  [{ list: [1, 2] }, { list: [1, 2, 3] }, { list: [1, 2, 3] }],
  [{}, { a: { b: 1 } }, { a: { b: 1 } }],
])("%p → %p is %p", (from, to, patch) => {
  expect(mergePatch(from, to)).toEqual(patch as never);
});

test("key order does not make a difference", () => {
  expect(sameJson({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toBe(true);
  expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
  expect(sameJson([1, 2], [2, 1])).toBe(false);
});
