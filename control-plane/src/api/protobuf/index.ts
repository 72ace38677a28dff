// Kubernetes' protobuf request bodies (application/vnd.kubernetes.protobuf),
// which typed clients send (kubectl's `create configmap|secret|deployment|
// service|namespace|serviceaccount`, `debug`, client-go clientsets), decoded
// into the object their JSON form would give.
import type { TObject } from "@sinclair/typebox";
import { DeleteOptions } from "../../../../schemas/meta-v1.ts";
import { RESOURCES } from "../../../../schemas/registry.ts";
import { ProtobufDecodeError } from "./decode-error.ts";
import { decodeMessage } from "./decode-message.ts";
import { unwrap } from "./envelope.ts";
import { messageTypeOf } from "./message-types.ts";

export { ProtobufDecodeError } from "./decode-error.ts";

export const PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

const groupVersion = (group: string, version: string) => (group ? `${group}/${version}` : version);

/** Every kind a request body can hold, by "apiVersion kind": served kinds, their subresources' kinds, DeleteOptions. */
const BODY_KINDS = new Map<string, TObject>();
for (const resource of RESOURCES) {
  BODY_KINDS.set(`${resource.groupVersion} ${resource.kind}`, resource.schema);
  for (const sub of Object.values(resource.subresources)) {
    if (sub) BODY_KINDS.set(`${groupVersion(sub.group, sub.version)} ${sub.kind}`, sub.schema);
  }
}
for (const { group, version } of DeleteOptions["x-kubernetes-group-version-kind"] as { group: string; version: string }[]) {
  BODY_KINDS.set(`${groupVersion(group, version)} DeleteOptions`, DeleteOptions);
}
BODY_KINDS.set("meta.k8s.io/v1 DeleteOptions", DeleteOptions);

/** Decodes a whole protobuf body into a JSON object with apiVersion and kind set; throws ProtobufDecodeError. */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  const { apiVersion, kind, raw, contentEncoding, contentType } = unwrap(body);
  if (contentEncoding !== "") throw new ProtobufDecodeError(`content encoding "${contentEncoding}" of the protobuf body is not supported`);
  if (contentType !== "" && contentType !== PROTOBUF_MEDIA_TYPE) {
    throw new ProtobufDecodeError(`the protobuf envelope holds "${contentType}", not a protobuf message`);
  }
  const schema = BODY_KINDS.get(`${apiVersion} ${kind}`);
  if (!schema) throw new ProtobufDecodeError(`no kind "${kind}" is registered for version "${apiVersion}"`);
  // Built on first use; message-types.test.ts builds every one, so a field without a number fails there.
  return { apiVersion, kind, ...decodeMessage(raw, messageTypeOf(schema)) };
}
