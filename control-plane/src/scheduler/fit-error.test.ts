import { describe, expect, test } from "bun:test";
import { type Diagnosis, emptyDiagnosis, fitErrorMessage, reasonCounts } from "./fit-error.ts";
import { type Status, unresolvable, unschedulable } from "./framework.ts";

const diagnosis = (statuses: [string, Status][], extra: Partial<Diagnosis> = {}): Diagnosis => ({
  ...emptyDiagnosis(),
  rejections: statuses.map(([, status]) => status),
  ...extra,
});

const unreachable = unresolvable("node(s) had untolerated taint {node.kubernetes.io/unreachable: }");
const cpu = unschedulable("Insufficient cpu");

describe("fitErrorMessage", () => {
  test.each<[string, number, Diagnosis, string]>([
    [
      "counts per reason, sorted as kube sorts the '<count> <reason>' strings",
      5,
      diagnosis([["a", cpu], ["b", cpu], ["c", cpu], ["d", unreachable], ["e", unreachable]]),
      "0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu.",
    ],
    [
      "equal counts fall back to the reason, capitals first as in Go",
      2,
      diagnosis([["a", unresolvable("node(s) were unschedulable")], ["b", cpu]]),
      "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.",
    ],
    [
      "a node short of several resources counts under each",
      2,
      diagnosis([["a", unschedulable("Insufficient cpu", "Insufficient memory")], ["b", unschedulable("Insufficient memory")]]),
      "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.",
    ],
    [
      "string order, not numeric: 10 sorts before 9",
      19,
      diagnosis([
        ...Array.from({ length: 10 }, (_, i): [string, Status] => [`a${i}`, cpu]),
        ...Array.from({ length: 9 }, (_, i): [string, Status] => [`b${i}`, unreachable]),
      ]),
      "0/19 nodes are available: 10 Insufficient cpu, 9 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.",
    ],
    [
      "nodes a PreFilter ruled out count under its absent status",
      4,
      diagnosis([["a", cpu]], { absentStatus: unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]") }),
      "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) [NodeAffinity].",
    ],
    [
      "a PreFilter rejection replaces the node list",
      3,
      diagnosis([], { preFilterMessage: "pod affinity terms conflict" }),
      "0/3 nodes are available: pod affinity terms conflict.",
    ],
  ])("%s", (_, numAllNodes, d, expected) => {
    expect(fitErrorMessage(numAllNodes, d)).toBe(expected);
  });

  test("a post-filter verdict is appended as kube appends preemption's", () => {
    expect(
      fitErrorMessage(5, diagnosis([["a", cpu], ["b", cpu], ["c", cpu], ["d", unreachable], ["e", unreachable]]), "preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling."),
    ).toBe(
      "0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
    );
  });
});

test("reasonCounts", () => {
  expect(reasonCounts(3, diagnosis([["a", cpu], ["b", cpu], ["c", unreachable]]))).toEqual(
    new Map([
      ["Insufficient cpu", 2],
      ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }", 1],
    ]),
  );
});
