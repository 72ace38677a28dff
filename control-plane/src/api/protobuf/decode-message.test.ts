import { describe, expect, test } from "bun:test";
import type { TObject } from "@sinclair/typebox";
import fc from "fast-check";
import { Deployment } from "../../../../schemas/apps-v1.ts";
import { Lease } from "../../../../schemas/coordination-v1.ts";
import { ConfigMap, Secret } from "../../../../schemas/core-v1-config.ts";
import { Pod } from "../../../../schemas/core-v1-pod.ts";
import { Service } from "../../../../schemas/core-v1-service.ts";
import { Eviction } from "../../../../schemas/policy-v1.ts";
import { ProtobufDecodeError } from "./decode-error.ts";
import { decodeMessage } from "./decode-message.ts";
import { messageTypeOf } from "./message-types.ts";
import { bytes, encode, intOrString, msg, packed, type Part, quantity, str, stringMap, timestamp, varint } from "./testdata/wire.ts";

const decode = (schema: TObject, ...parts: Part[]) => decodeMessage(encode(...parts), messageTypeOf(schema));

/** ObjectMeta as Go writes it: every non-pointer field, zero or not, and an empty creationTimestamp. */
const goMeta = (name: string, namespace = "", ...more: Part[]) =>
  msg(1, str(1, name), str(2, ""), str(3, namespace), str(4, ""), str(5, ""), str(6, ""), varint(7, 0), msg(8), ...more);

// 2023-11-14T22:13:20Z
const SECONDS = 1_700_000_000;

describe("decodeMessage", () => {
  test.each<[string, TObject, Part[], Record<string, unknown>]>([
    [
      "ConfigMap: zero strings dropped, bytes as base64, a pointer's false kept",
      ConfigMap,
      [
        goMeta("cm", "default", ...stringMap(11, { app: "web" })),
        ...stringMap(2, { "a.conf": "x=1" }),
        msg(3, str(1, "bin"), bytes(2, [0, 1, 255])),
        varint(4, false),
      ],
      {
        metadata: { name: "cm", namespace: "default", creationTimestamp: null, labels: { app: "web" } },
        data: { "a.conf": "x=1" },
        binaryData: { bin: "AAH/" },
        immutable: false,
      },
    ],
    [
      "Deployment: replicas 0 kept, IntOrString both ways, Quantity, the probe's inlined handler",
      Deployment,
      [
        goMeta("web"),
        msg(
          2,
          varint(1, 0),
          msg(2, ...stringMap(1, { app: "web" })),
          msg(
            3,
            goMeta(""),
            msg(
              2,
              msg(
                2,
                str(1, "nginx"),
                str(2, "nginx:1.27"),
                msg(6, str(1, ""), varint(2, 0), varint(3, 80), str(4, "TCP"), str(5, "")),
                msg(8, msg(1, str(1, "cpu"), quantity(2, "500m")), msg(1, str(1, "memory"), quantity(2, "64Mi"))),
                // Probe.handler (1) is a ProbeHandler whose httpGet (2) JSON inlines into the probe.
                msg(11, msg(1, msg(2, str(1, "/healthz"), intOrString(2, "http"))), varint(2, 0), varint(4, 5)),
              ),
            ),
          ),
          msg(4, str(1, "RollingUpdate"), msg(2, intOrString(1, 0), intOrString(2, "25%"))),
          varint(5, 0),
        ),
        msg(3),
      ],
      {
        metadata: { name: "web", creationTimestamp: null },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { creationTimestamp: null },
            spec: {
              containers: [
                {
                  name: "nginx",
                  image: "nginx:1.27",
                  ports: [{ containerPort: 80, protocol: "TCP" }],
                  resources: { limits: { cpu: "500m", memory: "64Mi" } },
                  readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5 },
                },
              ],
            },
          },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
        },
        status: {},
      },
    ],
    [
      "Pod: volume sources inlined twice over, negative int32, packed and unpacked int64 lists",
      Pod,
      [
        goMeta("p", "ns"),
        msg(
          2,
          // Volume.volumeSource (2) → configMap (19) → LocalObjectReference (1) → name (1).
          msg(1, str(1, "cfg"), msg(2, msg(19, msg(1, str(1, "settings")), varint(3, 0o644)))),
          msg(1, str(1, "scratch"), msg(2, msg(2, str(1, ""), quantity(2, "1Gi")))),
          msg(2, str(1, "app"), str(2, "busybox"), str(3, "sleep"), str(3, "3600"), msg(10, msg(1, msg(1, str(1, "true"))), varint(2, -1))),
          varint(4, 0),
          varint(11, false),
          msg(14, packed(4, [1000, 2000]), varint(4, 3000), varint(2, 0)),
        ),
      ],
      {
        metadata: { name: "p", namespace: "ns", creationTimestamp: null },
        spec: {
          volumes: [
            { name: "cfg", configMap: { name: "settings", defaultMode: 420 } },
            { name: "scratch", emptyDir: { sizeLimit: "1Gi" } },
          ],
          containers: [{ name: "app", image: "busybox", command: ["sleep", "3600"], livenessProbe: { exec: { command: ["true"] }, initialDelaySeconds: -1 } }],
          terminationGracePeriodSeconds: 0,
          securityContext: { supplementalGroups: [1000, 2000, 3000], runAsUser: 0 },
        },
      },
    ],
    [
      "Lease: Time keeps whole seconds, MicroTime microseconds, an empty time is null",
      Lease,
      [
        msg(1, str(1, "node-a"), timestamp(8, SECONDS, 999_000_000)),
        msg(2, str(1, "node-a"), varint(2, 40), msg(3), timestamp(4, SECONDS, 123_456_789), varint(5, 0)),
      ],
      {
        metadata: { name: "node-a", creationTimestamp: "2023-11-14T22:13:20Z" },
        spec: { holderIdentity: "node-a", leaseDurationSeconds: 40, acquireTime: null, renewTime: "2023-11-14T22:13:20.123456Z", leaseTransitions: 0 },
      },
    ],
    [
      "Eviction: DeleteOptions with a zero grace period, preconditions, propagation and dry run",
      Eviction,
      [goMeta("p", "ns"), msg(2, varint(1, 0), msg(2, str(1, "uid-1")), str(4, "Foreground"), str(5, "All"))],
      {
        metadata: { name: "p", namespace: "ns", creationTimestamp: null },
        deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: "uid-1" }, propagationPolicy: "Foreground", dryRun: ["All"] },
      },
    ],
    [
      "ObjectMeta: owner references, finalizers, managed fields with their FieldsV1 JSON, int64s",
      ConfigMap,
      [
        goMeta(
          "cm",
          "",
          varint(7, 3),
          varint(10, 0),
          msg(13, str(1, "ReplicaSet"), str(3, "rs"), str(4, "u-1"), str(5, "apps/v1"), varint(6, true)),
          str(14, "a"),
          str(14, "b"),
          msg(17, str(1, "kubectl"), str(2, "Update"), str(3, "v1"), timestamp(4, SECONDS), str(6, "FieldsV1"), msg(7, bytes(1, new TextEncoder().encode('{"f:data":{".":{}}}'))), str(8, "")),
        ),
      ],
      {
        metadata: {
          name: "cm",
          creationTimestamp: null,
          generation: 3,
          deletionGracePeriodSeconds: 0,
          ownerReferences: [{ kind: "ReplicaSet", name: "rs", uid: "u-1", apiVersion: "apps/v1", controller: true }],
          finalizers: ["a", "b"],
          managedFields: [
            { manager: "kubectl", operation: "Update", apiVersion: "v1", time: "2023-11-14T22:13:20Z", fieldsType: "FieldsV1", fieldsV1: { "f:data": { ".": {} } } },
          ],
        },
      },
    ],
    [
      "fields Ledge does not model are skipped, whatever their wire type",
      ConfigMap,
      [
        msg(1, str(1, "cm"), varint(50, 7), str(51, "x")),
        varint(99, 1),
        str(98, "ignored"),
        (w) => w.tag(97, 5).fixed32(1),
        (w) => w.tag(96, 1).fixed64(1),
        ...stringMap(2, { k: "v" }),
      ],
      { metadata: { name: "cm" }, data: { k: "v" } },
    ],
    [
      "a scalar sent twice keeps the last; a message sent twice is merged",
      ConfigMap,
      [msg(1, str(1, "first")), msg(1, str(3, "ns"), str(1, "second")), varint(4, true), varint(4, false)],
      { metadata: { name: "second", namespace: "ns" }, immutable: false },
    ],
    [
      "a zero the Go type omits is dropped even when it arrives",
      Service,
      [msg(1, str(1, "svc"), str(1, "")), msg(2, str(3, ""), str(4, "ClusterIP"), varint(13, false))],
      { metadata: {}, spec: { type: "ClusterIP" } },
    ],
    [
      "fields JSON always carries are filled in when absent",
      Service,
      [msg(2, msg(1, str(1, "http"), intOrString(4, "web")))],
      { spec: { ports: [{ name: "http", port: 0, targetPort: "web" }] } },
    ],
    [
      "map entries: a missing value is the zero value, __proto__ is an ordinary key",
      Secret,
      [msg(2, str(1, "empty")), msg(2, str(1, "__proto__"), bytes(2, [104, 105])), msg(4, str(1, "plain"))],
      { data: JSON.parse('{"empty":"","__proto__":"aGk="}'), stringData: { plain: "" } },
    ],
  ])("%s", (_name, schema, parts, expected) => {
    expect(decode(schema, ...parts)).toEqual(expected);
  });

  test("__proto__ in a map stays an own key and leaves the prototype alone", () => {
    const decoded = decode(Secret, msg(2, str(1, "__proto__"), bytes(2, [1]))) as { data: Record<string, unknown> };
    expect(Object.keys(decoded.data)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(decoded.data)).toBe(Object.prototype);
  });

  test.each<[string, TObject, Uint8Array, string]>([
    ["a truncated message", ConfigMap, encode(msg(1, str(1, "cm"))).slice(0, -1), "malformed protobuf in io.k8s.api.core.v1.ConfigMap"],
    ["a map as a varint", ConfigMap, encode(varint(2, 1)), "data: wrong wire type varint, expected length-delimited"],
    ["a nested string as a varint", ConfigMap, encode(msg(1, varint(1, 5))), "metadata.name: wrong wire type varint"],
    ["an int32 as a string", Deployment, encode(msg(2, str(1, "3"))), "spec.replicas: wrong wire type length-delimited, expected varint"],
    ["an IntOrString of type 2", Service, encode(msg(2, msg(1, msg(4, varint(1, 2))))), "spec.ports[0].targetPort: IntOrString type 2"],
    ["FieldsV1 that is not JSON", ConfigMap, encode(msg(1, msg(17, msg(7, bytes(1, [123]))))), "FieldsV1 does not hold JSON"],
    ["a time past year 9999", ConfigMap, encode(msg(1, timestamp(8, 300_000_000_000))), "metadata.creationTimestamp: 300000000000 seconds is outside"],
    ["a MicroTime with negative nanos", Lease, encode(msg(2, timestamp(4, SECONDS, -1))), "spec.renewTime: nanos -1"],
    ["field number 0", ConfigMap, Uint8Array.of(0x00), "illegal tag"],
    ["a stray end-group tag", ConfigMap, Uint8Array.of(0x64), "malformed protobuf"],
    ["an overlong varint", ConfigMap, Uint8Array.of(0x20, ...Array(11).fill(0xff)), "malformed protobuf"],
  ])("%s is a ProtobufDecodeError", (_name, schema, body, message) => {
    let thrown: unknown;
    try {
      decodeMessage(body, messageTypeOf(schema));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProtobufDecodeError);
    expect((thrown as Error).message).toContain(message);
  });

  test("any bytes at all decode or fail with ProtobufDecodeError, never anything else", () => {
    const pod = messageTypeOf(Pod);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (body) => {
        try {
          decodeMessage(body, pod);
        } catch (error) {
          if (!(error instanceof ProtobufDecodeError)) throw error;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
