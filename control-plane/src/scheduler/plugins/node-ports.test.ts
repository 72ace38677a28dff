import { expect, test } from "bun:test";
import type { Pod } from "../../../../schemas/index.ts";
import { makeNode, makePod } from "../builders.ts";
import { filterReasons, snapshotOf } from "../plugin-harness.ts";
import { create, ERR_REASON } from "./node-ports.ts";

const withPort = (name: string, hostPort: number, extra: { protocol?: "TCP" | "UDP"; hostIP?: string; nodeName?: string } = {}): Pod =>
  makePod(name, {
    ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
    spec: {
      containers: [
        { name: "c", ports: [{ containerPort: 8080, hostPort, ...(extra.protocol ? { protocol: extra.protocol } : {}), ...(extra.hostIP ? { hostIP: extra.hostIP } : {}) }] },
      ],
    },
  });

test.each<[string, Pod, string]>([
  ["a free port", withPort("p", 81), ""],
  ["a taken port", withPort("p", 80), ERR_REASON],
  ["the same port on another protocol", withPort("p", 80, { protocol: "UDP" }), ""],
  ["a specific address against a pod on all addresses", withPort("p", 80, { hostIP: "10.0.0.9" }), ERR_REASON],
  ["no host ports at all", makePod("p"), ""],
])("%s", (_, pod, reason) => {
  const snapshot = snapshotOf([makeNode("n")], [withPort("web", 80, { nodeName: "n" })]);
  expect(filterReasons(create(), pod, snapshot)).toEqual({ n: reason });
});

test("a port frees up when its pod goes", () => {
  const web = withPort("web", 80, { nodeName: "n" });
  const snapshot = snapshotOf([makeNode("n")], [web]);
  snapshot.removePod(web);
  expect(filterReasons(create(), withPort("p", 80), snapshot)).toEqual({ n: "" });
});
