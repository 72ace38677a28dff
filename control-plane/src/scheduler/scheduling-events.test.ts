import { expect, test } from "bun:test";
import { makePod } from "./builders.ts";
import { bindingFor, podScheduledFalse, POD_REASON_UNSCHEDULABLE, scheduledMessage, truncateMessage } from "./scheduling-events.ts";

test("bindingFor targets the node and carries the pod's uid", () => {
  expect(bindingFor(makePod("web-1", { namespace: "shop", uid: "u1" }), "edge-7")).toEqual({
    apiVersion: "v1",
    kind: "Binding",
    metadata: { name: "web-1", namespace: "shop", uid: "u1" },
    target: { apiVersion: "v1", kind: "Node", name: "edge-7" },
  });
});

test("scheduledMessage", () => {
  expect(scheduledMessage(makePod("web-1", { namespace: "shop" }), "edge-7")).toBe("Successfully assigned shop/web-1 to edge-7");
});

test.each([
  ["short", "short"],
  ["x".repeat(1024), "x".repeat(1024)],
  ["x".repeat(1025), `${"x".repeat(1020)} ...`],
])("truncateMessage keeps events within 1024 characters (%#)", (input, expected) => {
  expect(truncateMessage(input)).toBe(expected);
});

test("podScheduledFalse", () => {
  expect(podScheduledFalse(POD_REASON_UNSCHEDULABLE, "0/1 nodes are available: 1 Insufficient cpu.", new Date("2024-05-01T10:00:00.123Z"))).toEqual({
    type: "PodScheduled",
    status: "False",
    reason: "Unschedulable",
    message: "0/1 nodes are available: 1 Insufficient cpu.",
    lastTransitionTime: "2024-05-01T10:00:00Z",
  });
});
