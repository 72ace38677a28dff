/** A protobuf body Ledge cannot read; the API answers it with 400 Bad Request. */
export class ProtobufDecodeError extends Error {
  override name = "ProtobufDecodeError";
}
