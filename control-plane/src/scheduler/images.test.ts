import { expect, test } from "bun:test";
import { normalizeImageName } from "./images.ts";

test.each([
  ["nginx", "docker.io/library/nginx:latest"],
  ["nginx:1.27", "docker.io/library/nginx:1.27"],
  ["library/nginx:1.27", "docker.io/library/nginx:1.27"],
  ["bitnami/redis", "docker.io/bitnami/redis:latest"],
  ["docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27"],
  ["index.docker.io/library/nginx", "docker.io/library/nginx:latest"],
  ["ghcr.io/ledge/hello.wasm:0.1", "ghcr.io/ledge/hello.wasm:0.1"],
  ["localhost:5000/app", "localhost:5000/app:latest"],
  ["localhost/app:v1", "localhost/app:v1"],
  ["registry.example/a/b/c", "registry.example/a/b/c:latest"],
  ["nginx@sha256:abc", "docker.io/library/nginx@sha256:abc"],
  ["ghcr.io/x/y:1@sha256:abc", "ghcr.io/x/y:1@sha256:abc"],
])("%p → %p", (input, expected) => {
  expect(normalizeImageName(input)).toBe(expected);
});
