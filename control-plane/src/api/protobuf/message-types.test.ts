import { describe, expect, test } from "bun:test";
import { Type, type TSchema } from "@sinclair/typebox";
import { DeleteOptions } from "../../../../schemas/meta-v1.ts";
import { Pod } from "../../../../schemas/core-v1-pod.ts";
import { RESOURCES } from "../../../../schemas/registry.ts";
import { FIELD_NUMBERS } from "./field-numbers.ts";
import { type MessageType, messageTypeOf } from "./message-types.ts";

/** Every schema a request body can hold. */
const BODY_SCHEMAS: TSchema[] = [
  DeleteOptions,
  ...RESOURCES.flatMap((r) => [r.schema, ...Object.values(r.subresources).flatMap((s) => (s ? [s.schema] : []))]),
];

/** Every message type reachable from `root`, embedded ones included, by id. */
function reachable(root: MessageType, found = new Map<string, MessageType>()): Map<string, MessageType> {
  if (found.has(root.id)) return found;
  found.set(root.id, root);
  for (const entry of root.fields.values()) {
    if ("embedded" in entry) {
      reachable(entry.embedded, found);
      continue;
    }
    let value = entry.type;
    while (value.kind === "list" || value.kind === "map") value = value.kind === "list" ? value.item : value.value;
    if (value.kind === "message") reachable(value.message, found);
  }
  return found;
}

const podTypes = reachable(messageTypeOf(Pod));
const podType = (name: string) => podTypes.get(`io.k8s.api.core.v1.${name}`)!;

describe("messageTypeOf", () => {
  test("every schema a body can hold has a number for each field, and the table names nothing else", () => {
    const found = new Map<string, MessageType>();
    for (const schema of BODY_SCHEMAS) reachable(messageTypeOf(schema), found);
    const tabled = Object.entries(FIELD_NUMBERS).flatMap(([prefix, messages]) => Object.keys(messages).map((name) => `${prefix}.${name}`));
    // Embedded messages ("…Probe#1") have no entry of their own.
    expect([...found.keys()].filter((id) => !id.includes("#")).sort()).toEqual(tabled.sort());
  });

  test("a JSON-inlined Go field is an embedded message under its own number", () => {
    const handler = podType("Probe").fields.get(1)!;
    expect("embedded" in handler).toBe(true);
    const httpGet = (handler as { embedded: MessageType }).embedded.fields.get(2)!;
    expect("name" in httpGet && httpGet.name).toBe("httpGet");
  });

  test("markers set presence: pointer (*), always (!), omitempty otherwise", () => {
    const port = podType("ContainerPort");
    const presence = (type: MessageType, n: number) => (type.fields.get(n) as { presence: string }).presence;
    expect([presence(port, 1), presence(port, 3)]).toEqual(["omitempty", "always"]);
    expect(port.alwaysPresent.map((f) => f.name)).toEqual(["containerPort"]);
    // automountServiceAccountToken is a *bool.
    expect(presence(podType("PodSpec"), 21)).toBe("pointer");
  });

  test("a schema the table does not know is refused", () => {
    expect(() => messageTypeOf(Type.Object({ a: Type.String() }, { $id: "io.k8s.api.core.v1.NotAType" }))).toThrow("has no entry in field-numbers.ts");
    expect(() => messageTypeOf(Type.String())).toThrow("only named object schemas");
  });
});
