// The frame of every Kubernetes protobuf body: the magic "k8s\0", then a
// runtime.Unknown {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2,
// contentEncoding = 3, contentType = 4} whose raw bytes are the object's own
// message.
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { ProtobufDecodeError } from "./decode-error.ts";

export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface Unknown {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export function unwrap(body: Uint8Array): Unknown {
  if (body.length < PROTOBUF_MAGIC.length || PROTOBUF_MAGIC.some((byte, i) => body[i] !== byte)) {
    throw new ProtobufDecodeError('the protobuf body does not start with the Kubernetes prefix "k8s\\x00"');
  }
  try {
    const unknown: Unknown = { apiVersion: "", kind: "", raw: new Uint8Array(), contentEncoding: "", contentType: "" };
    const fields = strings(body.subarray(PROTOBUF_MAGIC.length));
    const typeMeta = fields.get(1);
    if (typeMeta) {
      const meta = strings(typeMeta);
      unknown.apiVersion = text(meta.get(1));
      unknown.kind = text(meta.get(2));
    }
    unknown.raw = fields.get(2) ?? unknown.raw;
    unknown.contentEncoding = text(fields.get(3));
    unknown.contentType = text(fields.get(4));
    return unknown;
  } catch (error) {
    if (error instanceof ProtobufDecodeError) throw error;
    throw new ProtobufDecodeError(`malformed protobuf envelope: ${(error as Error).message}`, { cause: error });
  }
}

/** The length-delimited fields of a message by number (last one wins); others are skipped. */
function strings(bytes: Uint8Array): Map<number, Uint8Array> {
  const reader = new BinaryReader(bytes);
  const fields = new Map<number, Uint8Array>();
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, number);
      continue;
    }
    fields.set(number, reader.bytes());
  }
  return fields;
}

const decoder = new TextDecoder();
const text = (bytes: Uint8Array | undefined) => (bytes ? decoder.decode(bytes) : "");
