import { describe, expect, test } from "bun:test";
import type { PodTemplateSpec } from "../replicaset/types.ts";
import { computeHash, equalIgnoreHash, fnv32a, safeEncodeString } from "./template-hash.ts";

const template = (image: string): PodTemplateSpec => ({
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image }] },
});

describe("pod-template-hash", () => {
  test("FNV-32a of the published test vectors", () => {
    const encode = (s: string) => new TextEncoder().encode(s);
    expect(fnv32a(encode(""))).toBe(0x811c9dc5);
    expect(fnv32a(encode("a"))).toBe(0xe40c292c);
    expect(fnv32a(encode("foobar"))).toBe(0xbf9cf968);
  });

  test("SafeEncodeString turns the decimal hash into Kubernetes' familiar 4-9 and b-f characters", () => {
    expect(safeEncodeString("0123456789")).toBe("456789bcdf");
  });

  test("is stable, ignores key order and empty values, and changes with the template or the collision count", () => {
    const a = computeHash(template("nginx:1"));
    expect(computeHash(template("nginx:1"))).toBe(a);
    expect(computeHash({ spec: { containers: [{ image: "nginx:1", name: "web", resources: {} }] }, metadata: { labels: { app: "web" }, annotations: {} } })).toBe(a);
    expect(computeHash(template("nginx:2"))).not.toBe(a);
    expect(computeHash(template("nginx:1"), 1)).not.toBe(a);
    expect(computeHash(template("nginx:1"), 1)).toBe(computeHash(template("nginx:1"), 1));
    expect(computeHash(template("nginx:1"), 0)).not.toBe(computeHash(template("nginx:1"), 1));
  });
});

describe("equalIgnoreHash", () => {
  test("ignores the pod-template-hash label", () => {
    const hashed = template("nginx:1");
    hashed.metadata!.labels!["pod-template-hash"] = "abc";
    expect(equalIgnoreHash(hashed, template("nginx:1"))).toBe(true);
    expect(equalIgnoreHash(hashed, template("nginx:2"))).toBe(false);
  });

  test("treats what kubectl sends back on undo (nulls, empty objects) as absent", () => {
    const restored = {
      metadata: { creationTimestamp: null, labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "nginx:1", resources: {} }], securityContext: {} },
    } as unknown as PodTemplateSpec;
    expect(equalIgnoreHash(restored, template("nginx:1"))).toBe(true);
  });

  test("a label the user added is a different template", () => {
    const labelled = template("nginx:1");
    labelled.metadata!.labels!.tier = "front";
    expect(equalIgnoreHash(labelled, template("nginx:1"))).toBe(false);
  });
});
