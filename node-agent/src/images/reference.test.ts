import { expect, test } from "bun:test";
import { formatReference, parseReference, usesPlainHttp } from "./reference.ts";

const D = `sha256:${"a".repeat(64)}`;

test.each([
  ["busybox", "docker.io/library/busybox:latest"],
  ["team/app:1.2", "docker.io/team/app:1.2"],
  ["localhost:5000/app", "localhost:5000/app:latest"],
  ["127.0.0.1:41234/a/b/c:v1", "127.0.0.1:41234/a/b/c:v1"],
  [`ghcr.io/x/y@${D}`, `ghcr.io/x/y@${D}`],
  [`ghcr.io/x/y:t@${D}`, `ghcr.io/x/y:t@${D}`],
  ["index.docker.io/library/nginx:1", "docker.io/library/nginx:1"],
  ["localhost/ledge-test/hello:latest", "localhost/ledge-test/hello:latest"],
])("%s is %s", (input, canonical) => {
  expect(formatReference(parseReference(input))).toBe(canonical);
});

test.each([["UPPER/case"], [""], ["a b"], ["app:"], ["app@sha256:abc"], ["app:-bad"], ["host:99/a//b"]])("%p is rejected as InvalidReference", (input) => {
  expect(() => parseReference(input)).toThrow(expect.objectContaining({ code: "InvalidReference", reason: "InvalidImageName" }));
});

test.each([
  ["localhost:5000", [], true],
  ["127.0.0.1:9", [], true],
  ["[::1]:5000", [], true],
  ["registry.local:5000", [], false],
  ["registry.local:5000", ["registry.local:5000"], true],
  ["ghcr.io", [], false],
] as const)("plain HTTP for %s (flagged %p): %p", (registry, flagged, plain) => {
  expect(usesPlainHttp(registry, flagged)).toBe(plain);
});
