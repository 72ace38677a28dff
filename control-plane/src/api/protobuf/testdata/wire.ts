// Builds protobuf bodies field by field for tests. Every field number is
// written out in the test itself, from Kubernetes' IDL, so a test checks the
// decoder against the wire format rather than against its own table.
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

export type Part = (writer: BinaryWriter) => void;

export const str =
  (field: number, value: string): Part =>
  (w) =>
    w.tag(field, WireType.LengthDelimited).string(value);

export const bytes =
  (field: number, value: Uint8Array | readonly number[]): Part =>
  (w) =>
    w.tag(field, WireType.LengthDelimited).bytes(Uint8Array.from(value));

/** A varint field: bools as 0/1, integers as Go writes int32 and int64 (negatives in ten bytes). */
export const varint =
  (field: number, value: number | bigint | boolean): Part =>
  (w) =>
    typeof value === "boolean" ? w.tag(field, WireType.Varint).bool(value) : w.tag(field, WireType.Varint).int64(value);

export const msg =
  (field: number, ...parts: Part[]): Part =>
  (w) => {
    w.tag(field, WireType.LengthDelimited).fork();
    for (const part of parts) part(w);
    w.join();
  };

/** One map entry per key, as Go writes map fields: {key = 1, value = 2}. */
export const stringMap = (field: number, record: Record<string, string>): Part[] =>
  Object.entries(record).map(([key, value]) => msg(field, str(1, key), str(2, value)));

/** Repeated varints packed into one length-delimited run. */
export const packed =
  (field: number, values: readonly number[]): Part =>
  (w) => {
    w.tag(field, WireType.LengthDelimited).fork();
    for (const value of values) w.int64(value);
    w.join();
  };

/** metav1.Time / MicroTime: Timestamp {seconds = 1, nanos = 2}. */
export const timestamp = (field: number, seconds: number, nanos?: number): Part =>
  msg(field, varint(1, seconds), ...(nanos === undefined ? [] : [varint(2, nanos)]));

/** resource.Quantity: {string = 1}. */
export const quantity = (field: number, value: string): Part => msg(field, str(1, value));

/** intstr.IntOrString as Go writes it: every field, type 0 for int and 1 for string. */
export const intOrString = (field: number, value: number | string): Part =>
  typeof value === "number" ? msg(field, varint(1, 0), varint(2, value), str(3, "")) : msg(field, varint(1, 1), varint(2, 0), str(3, value));

export function encode(...parts: Part[]): Uint8Array {
  const writer = new BinaryWriter();
  for (const part of parts) part(writer);
  return writer.finish();
}

/** A whole request body: "k8s\0" and runtime.Unknown {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4}. */
export function kubernetesBody(apiVersion: string, kind: string, ...parts: Part[]): Uint8Array {
  const unknown = encode(msg(1, str(1, apiVersion), str(2, kind)), bytes(2, encode(...parts)), str(3, ""), str(4, ""));
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}
