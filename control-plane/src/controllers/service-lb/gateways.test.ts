import { describe, expect, test } from "bun:test";
import { EDGE_GATEWAY_LABEL, type GatewayNode, gatewayIPs } from "./gateways.ts";

const node = (name: string, internal: string, options: { gateway?: boolean; ready?: boolean; external?: string } = {}): GatewayNode => ({
  metadata: { name, labels: options.gateway ? { [EDGE_GATEWAY_LABEL]: "true" } : {} },
  status: {
    addresses: [{ type: "InternalIP", address: internal }, ...(options.external ? [{ type: "ExternalIP", address: options.external }] : [])],
    conditions: [{ type: "Ready", status: options.ready === false ? "False" : "True" }],
  },
});

describe("gatewayIPs", () => {
  test.each([
    ["no node labelled: every Ready node", [node("a", "10.0.0.2"), node("b", "10.0.0.1")], ["10.0.0.1", "10.0.0.2"]],
    ["labelled nodes only, once any is", [node("a", "10.0.0.1", { gateway: true }), node("b", "10.0.0.2")], ["10.0.0.1"]],
    ["not Ready nodes are never gateways", [node("a", "10.0.0.1", { gateway: true, ready: false }), node("b", "10.0.0.2")], []],
    ["an ExternalIP is preferred", [node("a", "10.0.0.1", { external: "203.0.113.7" })], ["203.0.113.7"]],
    ["no nodes", [], []],
  ] as [string, GatewayNode[], string[]][])("%s", (_, nodes, expected) => {
    expect(gatewayIPs(nodes)).toEqual(expected);
  });
});
