// The transition tables: every state reachable from the start, every live
// state able to stop, and (checked by the compiler) no step able to return a
// state its table does not list.
import { describe, expect, test } from "bun:test";
import { type ContainerStep, containerTransitions } from "./containers/container-states.ts";
import { containerSteps } from "./containers/states/index.ts";
import type { TransitionTable } from "./machine.ts";
import { type PodStep, podTransitions } from "./pod-states.ts";
import { podSteps } from "./states/index.ts";

function reachable<Data>(table: TransitionTable<Data>, from: keyof Data): Set<keyof Data> {
  const seen = new Set<keyof Data>([from]);
  const queue = [from];
  while (queue.length > 0) for (const next of table[queue.shift()!]) if (!seen.has(next)) seen.add(next) && queue.push(next);
  return seen;
}

describe.each([
  ["container", containerTransitions, "waiting", "exited", containerSteps],
  ["pod", podTransitions, "registered", "terminated", podSteps],
] as const)("the %s machine", (_, table, start, end, steps) => {
  const t = table as TransitionTable<Record<string, object>>;
  test("reaches every state from its first", () => {
    expect([...reachable(t, start)].sort()).toEqual(Object.keys(table).sort());
  });

  test("has one final state, reachable from every other", () => {
    expect(Object.keys(table).filter((s) => t[s]!.length === 0)).toEqual([end]);
    for (const state of Object.keys(table)) expect(reachable(t, state).has(end)).toBe(true);
  });

  test("has a step for every state but the final one", () => {
    expect(Object.keys(steps).sort()).toEqual(Object.keys(table).filter((s) => s !== end).sort());
  });
});

test("a step returning a state its table does not list does not compile", () => {
  // @ts-expect-error waiting may not go straight to running.
  const skipsAhead: ContainerStep<"waiting"> = async () => ({ name: "running", containerID: "x", startedAt: "" });
  // @ts-expect-error a terminated pod never comes back.
  const resurrects: PodStep<"terminating"> = async () => ({ name: "running" });
  // @ts-expect-error a state's data is part of it: a back-off needs its deadline.
  const incomplete: ContainerStep<"running"> = async () => ({ name: "crash-loop-backoff", reason: "CrashLoopBackOff", message: "" });
  const fine: ContainerStep<"crash-loop-backoff"> = async () => ({ name: "starting" });
  expect([skipsAhead, resurrects, incomplete, fine]).toHaveLength(4);
});
