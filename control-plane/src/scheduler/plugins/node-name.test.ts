import { expect, test } from "bun:test";
import { makeNode, makePod } from "../builders.ts";
import { filterReasons, snapshotOf } from "../plugin-harness.ts";
import { create, ERR_REASON } from "./node-name.ts";

test.each<[string, string | undefined, Record<string, string>]>([
  ["no node named", undefined, { a: "", b: "" }],
  ["node a named", "a", { a: "", b: ERR_REASON }],
  ["an unknown node named", "c", { a: ERR_REASON, b: ERR_REASON }],
])("%s", (_, nodeName, expected) => {
  const snapshot = snapshotOf([makeNode("a"), makeNode("b")]);
  const pod = makePod("p", { spec: nodeName ? { nodeName } : {} });
  expect(filterReasons(create(), pod, snapshot, ["a", "b"])).toEqual(expected);
});
