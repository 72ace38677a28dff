import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { SERVED_GROUP_VERSIONS } from "../../../../schemas/meta-v1.ts";
import { decodeKubernetesProtobuf, ProtobufDecodeError } from "./index.ts";
import { KUBECTL_BODIES } from "./testdata/kubectl-bodies.ts";
import { bytes, encode, kubernetesBody, msg, str, varint } from "./testdata/wire.ts";

const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, "base64"));

function failure(body: Uint8Array): string {
  try {
    decodeKubernetesProtobuf(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtobufDecodeError);
    return (error as Error).message;
  }
  throw new Error("decoded without an error");
}

describe("decodeKubernetesProtobuf", () => {
  test.each(KUBECTL_BODIES.map((b) => [b.command, b] as const))("%s: the body decodes to the JSON kubectl prints", (_command, body) => {
    expect(decodeKubernetesProtobuf(fromBase64(body.protobuf))).toEqual(body.json);
  });

  test.each([
    ["v1", "Binding", { metadata: { name: "p" }, target: { kind: "Node", name: "n1" } }],
    ["policy/v1", "Eviction", { metadata: { name: "p" } }],
    ["autoscaling/v1", "Scale", { metadata: { name: "web" }, spec: { replicas: 4 } }],
    ...[...SERVED_GROUP_VERSIONS, { group: "meta.k8s.io", version: "v1" }].map(({ group, version }) => [
      group ? `${group}/${version}` : version,
      "DeleteOptions",
      { propagationPolicy: "Orphan" },
    ]),
  ] as [string, string, Record<string, unknown>][])("%s %s is a body kind", (apiVersion, kind, expected) => {
    const fields: Record<string, Parameters<typeof kubernetesBody>[2][]> = {
      Binding: [msg(1, str(1, "p")), msg(2, str(1, "Node"), str(3, "n1"))],
      Eviction: [msg(1, str(1, "p"))],
      Scale: [msg(1, str(1, "web")), msg(2, varint(1, 4))],
      DeleteOptions: [str(4, "Orphan")],
    };
    expect(decodeKubernetesProtobuf(kubernetesBody(apiVersion, kind, ...fields[kind]!))).toEqual({ apiVersion, kind, ...expected });
  });

  test.each([
    ["no prefix", new TextEncoder().encode('{"kind":"ConfigMap"}'), 'does not start with the Kubernetes prefix "k8s\\x00"'],
    ["an empty body", new Uint8Array(), "does not start with the Kubernetes prefix"],
    ["only the prefix", Uint8Array.of(0x6b, 0x38, 0x73, 0x00), 'no kind "" is registered for version ""'],
    ["a kind Ledge does not serve", kubernetesBody("batch/v1", "Job"), 'no kind "Job" is registered for version "batch/v1"'],
    ["a kind in the wrong group", kubernetesBody("apps/v1", "ConfigMap"), 'no kind "ConfigMap" is registered for version "apps/v1"'],
    ["a truncated envelope", Uint8Array.of(0x6b, 0x38, 0x73, 0x00, 0x0a, 0x05, 0x0a), "malformed protobuf envelope"],
    [
      "a gzipped object",
      Uint8Array.of(0x6b, 0x38, 0x73, 0x00, ...encode(msg(1, str(1, "v1"), str(2, "ConfigMap")), bytes(2, [1]), str(3, "gzip"))),
      'content encoding "gzip"',
    ],
    [
      "JSON inside the envelope",
      Uint8Array.of(0x6b, 0x38, 0x73, 0x00, ...encode(msg(1, str(1, "v1"), str(2, "ConfigMap")), bytes(2, [123, 125]), str(4, "application/json"))),
      'holds "application/json"',
    ],
    ["a malformed object", kubernetesBody("v1", "ConfigMap", varint(1, 1)), "metadata: wrong wire type varint"],
  ])("%s is rejected", (_name, body, message) => {
    expect(failure(body)).toContain(message);
  });

  test("a kubectl body with any byte changed decodes or fails with ProtobufDecodeError", () => {
    const bodies = KUBECTL_BODIES.map((b) => fromBase64(b.protobuf));
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (which, at, value) => {
        const body = bodies[which % bodies.length]!.slice();
        body[at % body.length] = value;
        try {
          decodeKubernetesProtobuf(body);
        } catch (error) {
          if (!(error instanceof ProtobufDecodeError)) throw error;
        }
      }),
      { numRuns: 5000 },
    );
  });
});
