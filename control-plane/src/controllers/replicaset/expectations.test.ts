import { expect, test } from "bun:test";
import { Expectations } from "./expectations.ts";

test("creations block the key until each is observed", () => {
  const e = new Expectations(() => 0);
  expect(e.satisfied("ns/rs")).toBe(true);
  e.expectCreations("ns/rs", 2);
  expect(e.satisfied("ns/rs")).toBe(false);
  e.creationObserved("ns/rs");
  expect(e.satisfied("ns/rs")).toBe(false);
  e.creationObserved("ns/rs");
  expect(e.satisfied("ns/rs")).toBe(true);
});

test("a deletion counts once, and only for a pod that was expected to go", () => {
  const e = new Expectations(() => 0);
  e.expectDeletions("ns/rs", ["ns/a", "ns/b"]);
  e.deletionObserved("ns/rs", "ns/a");
  e.deletionObserved("ns/rs", "ns/a");
  e.deletionObserved("ns/rs", "ns/other");
  expect(e.satisfied("ns/rs")).toBe(false);
  e.deletionObserved("ns/rs", "ns/b");
  expect(e.satisfied("ns/rs")).toBe(true);
});

test("expectations expire, so a lost event cannot block a key for ever", () => {
  let now = 0;
  const e = new Expectations(() => now, 1000);
  e.expectCreations("ns/rs", 1);
  expect(e.expiresAt("ns/rs")).toBe(1000);
  now = 1001;
  expect(e.satisfied("ns/rs")).toBe(true);
});

test("forget drops everything for the key", () => {
  const e = new Expectations(() => 0);
  e.expectCreations("ns/rs", 3);
  e.forget("ns/rs");
  expect(e.satisfied("ns/rs")).toBe(true);
  expect(e.expiresAt("ns/rs")).toBeUndefined();
});
