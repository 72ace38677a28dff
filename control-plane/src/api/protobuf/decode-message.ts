// Protobuf wire bytes → the JSON object Go's encoding/json would write for the
// same Go value, so the rest of the API cannot tell which form a client sent.
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { ProtobufDecodeError } from "./decode-error.ts";
import { type Field, isScalar, type MessageType, type ValueType } from "./message-types.ts";

type Json = Record<string, unknown>;

/** Decodes one message; malformed bytes or wire types that do not fit the schema throw ProtobufDecodeError. */
export function decodeMessage(bytes: Uint8Array, type: MessageType): Json {
  try {
    return readMessage(bytes, type, "");
  } catch (error) {
    if (error instanceof ProtobufDecodeError) throw error;
    // The reader's own errors: truncated input, overlong varints, illegal tags.
    throw new ProtobufDecodeError(`malformed protobuf in ${type.id}: ${(error as Error).message}`, { cause: error });
  }
}

function readMessage(bytes: Uint8Array, type: MessageType, path: string, into: Json = {}): Json {
  readFields(new BinaryReader(bytes), type, into, path);
  for (const field of type.alwaysPresent) if (!Object.hasOwn(into, field.name)) into[field.name] = zeroOf(field.type);
  return into;
}

function readFields(reader: BinaryReader, type: MessageType, out: Json, path: string): void {
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    const entry = type.fields.get(number);
    if (!entry) {
      // Fields Ledge does not model are skipped, as Go skips numbers it does not know.
      reader.skip(wireType, number);
    } else if ("embedded" in entry) {
      expectWire(wireType, WireType.LengthDelimited, `${path || type.id} (field ${number})`);
      readFields(new BinaryReader(reader.bytes()), entry.embedded, out, path);
    } else {
      readField(reader, wireType, entry, out, path ? `${path}.${entry.name}` : entry.name);
    }
  }
}

function readField(reader: BinaryReader, wireType: WireType, field: Field, out: Json, path: string): void {
  const { name, type } = field;
  const current = out[name];
  switch (type.kind) {
    case "list": {
      const list = Array.isArray(current) ? current : (out[name] = []);
      if (wireType === WireType.LengthDelimited && packable(type.item)) {
        // Packed repeated scalars: one length-delimited run of varints.
        const packed = new BinaryReader(reader.bytes());
        while (packed.pos < packed.len) list.push(readValue(packed, WireType.Varint, type.item, `${path}[${list.length}]`));
      } else {
        list.push(readValue(reader, wireType, type.item, `${path}[${list.length}]`));
      }
      return;
    }
    case "map": {
      expectWire(wireType, WireType.LengthDelimited, path);
      const map = isObject(current) ? current : (out[name] = {});
      const [key, value] = readMapEntry(reader.bytes(), type.value, path);
      // An own property even for "__proto__", as JSON.parse makes it.
      Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
      return;
    }
    case "message":
      expectWire(wireType, WireType.LengthDelimited, path);
      // A message that comes twice is merged, as Go's decoder does.
      out[name] = readMessage(reader.bytes(), type.message, path, isObject(current) ? current : {});
      return;
    default: {
      const value = readValue(reader, wireType, type, path);
      if (field.presence === "omitempty" && isScalar(type) && isZero(value)) delete out[name];
      else out[name] = value;
    }
  }
}

function readValue(reader: BinaryReader, wireType: WireType, type: ValueType, path: string): unknown {
  const expected = packable(type) ? WireType.Varint : WireType.LengthDelimited;
  expectWire(wireType, expected, path);
  switch (type.kind) {
    case "string":
      // Go keeps invalid UTF-8, and encoding/json writes it as U+FFFD, as the lenient decoder does.
      return reader.string();
    case "bytes":
      return Buffer.from(reader.bytes()).toString("base64");
    case "bool":
      return reader.bool();
    case "int32":
      return reader.int32();
    case "int64":
      return Number(reader.int64());
    case "time":
      return readTime(reader.bytes(), type.micro, path);
    case "quantity":
      return readQuantity(reader.bytes(), path);
    case "intOrString":
      return readIntOrString(reader.bytes(), path);
    case "fieldsV1":
      return readFieldsV1(reader.bytes(), path);
    case "message":
      return readMessage(reader.bytes(), type.message, path);
    case "list":
    case "map":
      throw new ProtobufDecodeError(`${path}: a list or map cannot be an element`);
  }
}

function readMapEntry(bytes: Uint8Array, valueType: ValueType, path: string): [string, unknown] {
  const reader = new BinaryReader(bytes);
  let key = "";
  let value: unknown;
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number === 1) {
      expectWire(wireType, WireType.LengthDelimited, `${path} (map key)`);
      key = reader.string();
    } else if (number === 2) {
      value = readValue(reader, wireType, valueType, `${path}[${JSON.stringify(key)}]`);
    } else {
      reader.skip(wireType, number);
    }
  }
  return [key, value === undefined ? zeroOf(valueType) : value];
}

/** Reads a small fixed message: the varint or length-delimited fields it knows, by number. */
function readSmall(bytes: Uint8Array, path: string, varints: readonly number[], strings: readonly number[]): Map<number, bigint | Uint8Array> {
  const reader = new BinaryReader(bytes);
  const fields = new Map<number, bigint | Uint8Array>();
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (varints.includes(number)) {
      expectWire(wireType, WireType.Varint, `${path} (field ${number})`);
      fields.set(number, BigInt(reader.int64()));
    } else if (strings.includes(number)) {
      expectWire(wireType, WireType.LengthDelimited, `${path} (field ${number})`);
      fields.set(number, reader.bytes());
    } else {
      reader.skip(wireType, number);
    }
  }
  return fields;
}

const utf8 = new TextDecoder();
const text = (value: bigint | Uint8Array | undefined): string => (value instanceof Uint8Array ? utf8.decode(value) : "");
const int = (value: bigint | Uint8Array | undefined): bigint => (typeof value === "bigint" ? value : 0n);

/**
 * metav1.Time and MicroTime travel as Timestamp{seconds = 1, nanos = 2}. An
 * empty one is Go's zero time, which JSON writes as null. Time keeps whole
 * seconds only, as Kubernetes' decoder does; MicroTime keeps microseconds.
 */
function readTime(bytes: Uint8Array, micro: boolean, path: string): string | null {
  if (bytes.length === 0) return null;
  const fields = readSmall(bytes, path, [1, 2], []);
  const seconds = Number(int(fields.get(1)));
  const nanos = Number(int(fields.get(2)));
  const date = new Date(seconds * 1000);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(date.getTime()) || year < 0 || year > 9999) {
    throw new ProtobufDecodeError(`${path}: ${seconds} seconds is outside the years 0000-9999 that RFC 3339 can write`);
  }
  const whole = date.toISOString().slice(0, 19);
  if (!micro) return `${whole}Z`;
  if (nanos < 0 || nanos > 999_999_999) throw new ProtobufDecodeError(`${path}: nanos ${nanos} is outside 0-999999999`);
  return `${whole}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z`;
}

/** resource.Quantity: {string = 1}; Go's zero Quantity writes "0". */
function readQuantity(bytes: Uint8Array, path: string): string {
  const value = readSmall(bytes, path, [], [1]).get(1);
  return value === undefined ? "0" : text(value);
}

/** intstr.IntOrString: {type = 1 (0 int, 1 string), intVal = 2, strVal = 3}. */
function readIntOrString(bytes: Uint8Array, path: string): number | string {
  const fields = readSmall(bytes, path, [1, 2], [3]);
  const type = int(fields.get(1));
  if (type === 0n) return Number(BigInt.asIntN(32, int(fields.get(2))));
  if (type === 1n) return text(fields.get(3));
  throw new ProtobufDecodeError(`${path}: IntOrString type ${type} is neither 0 (int) nor 1 (string)`);
}

/** metav1.FieldsV1: {Raw = 1}, the JSON field set itself. */
function readFieldsV1(bytes: Uint8Array, path: string): unknown {
  const raw = readSmall(bytes, path, [], [1]).get(1);
  if (!(raw instanceof Uint8Array) || raw.length === 0) return {};
  try {
    return JSON.parse(text(raw));
  } catch (error) {
    throw new ProtobufDecodeError(`${path}: FieldsV1 does not hold JSON: ${(error as Error).message}`, { cause: error });
  }
}

const packable = (type: ValueType) => type.kind === "bool" || type.kind === "int32" || type.kind === "int64";

const WIRE_NAMES = ["varint", "64-bit", "length-delimited", "start-group", "end-group", "32-bit"];

function expectWire(actual: WireType, expected: WireType, path: string): void {
  if (actual !== expected) {
    throw new ProtobufDecodeError(`${path}: wrong wire type ${WIRE_NAMES[actual] ?? actual}, expected ${WIRE_NAMES[expected]}`);
  }
}

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

const isZero = (value: unknown) => value === "" || value === 0 || value === false;

function zeroOf(type: ValueType): unknown {
  switch (type.kind) {
    case "string":
    case "bytes":
      return "";
    case "bool":
      return false;
    case "int32":
    case "int64":
    case "intOrString":
      return 0;
    case "quantity":
      return "0";
    case "time":
      return null;
    case "fieldsV1":
    case "message":
      return {};
    case "list":
    case "map":
      return null;
  }
}
