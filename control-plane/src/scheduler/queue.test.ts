import { describe, expect, test } from "bun:test";
import type { Pod } from "../../../schemas/index.ts";
import { makePod } from "./builders.ts";
import type { ClusterEvent } from "./cluster-events.ts";
import { SchedulingQueue } from "./queue.ts";

class Clock {
  t = 1_000_000;
  now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

const setup = (isRelevant?: (event: ClusterEvent, plugins: ReadonlySet<string>) => boolean) => {
  const clock = new Clock();
  const queue = new SchedulingQueue({ now: clock.now, ...(isRelevant ? { isRelevant } : {}) });
  return { clock, queue };
};

const withPriority = (name: string, priority: number): Pod => makePod(name, { spec: { priority } });
const popNames = (queue: SchedulingQueue): string[] => {
  const out: string[] = [];
  for (let p = queue.pop(); p !== undefined; p = queue.pop()) out.push(p.pod.metadata?.name ?? "");
  return out;
};

describe("active queue order", () => {
  test("higher priority first, then first come first served", () => {
    const { clock, queue } = setup();
    queue.add(withPriority("low-1", 0));
    clock.advance(1);
    queue.add(withPriority("high", 100));
    clock.advance(1);
    queue.add(withPriority("low-2", 0));
    queue.add(withPriority("mid", 10));
    expect(popNames(queue)).toEqual(["high", "mid", "low-1", "low-2"]);
  });

  test("a priority change reorders a waiting pod", () => {
    const { queue } = setup();
    queue.add(withPriority("a", 0));
    queue.add(withPriority("b", 0));
    queue.update(withPriority("b", 5));
    expect(popNames(queue)).toEqual(["b", "a"]);
  });

  test("adding a known pod does not duplicate it", () => {
    const { queue } = setup();
    queue.add(makePod("a"));
    queue.add(makePod("a"));
    expect(popNames(queue)).toEqual(["a"]);
  });
});

describe("backoff", () => {
  test.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 10_000],
    [12, 10_000],
  ])("attempt %p backs off %p ms", (attempts, ms) => {
    expect(setup().queue.backoffDuration(attempts)).toBe(ms);
  });

  test("a pod that failed with an error is ready again only after its backoff", () => {
    const { clock, queue } = setup();
    queue.add(makePod("a"));
    const first = queue.pop();
    if (first === undefined) throw new Error("expected a pod");
    queue.requeueAfterError(first);
    expect(queue.pop()).toBeUndefined();
    expect(queue.nextBackoffExpiry()).toBe(clock.t + 1000);
    clock.advance(999);
    expect(queue.pop()).toBeUndefined();
    clock.advance(1);
    const second = queue.pop();
    expect(second?.attempts).toBe(2);
    if (second === undefined) throw new Error("expected a pod");
    queue.requeueAfterError(second);
    clock.advance(1999);
    expect(queue.pop()).toBeUndefined();
    clock.advance(1);
    expect(queue.pop()?.key).toBe("default/a");
  });
});

describe("unschedulable pods", () => {
  const failOnce = (queue: SchedulingQueue, pod: Pod, plugins: string[] = []) => {
    queue.add(pod);
    const entry = queue.pop();
    if (entry === undefined) throw new Error("expected a pod");
    queue.requeueUnschedulable(entry, new Set(plugins));
    return entry;
  };

  test("wait for a cluster event, then for the rest of their backoff", () => {
    const { clock, queue } = setup();
    failOnce(queue, makePod("a"));
    clock.advance(5000);
    expect(queue.pop()).toBeUndefined();
    expect(queue.stats().unschedulable).toBe(1);
    expect(queue.moveAllToActiveOrBackoff("NodeAdd")).toBe(1);
    expect(queue.pop()?.key).toBe("default/a");
  });

  test("woken during their backoff, they finish it first", () => {
    const { clock, queue } = setup();
    failOnce(queue, makePod("a"));
    clock.advance(200);
    queue.moveAllToActiveOrBackoff("NodeAdd");
    expect(queue.stats()).toMatchObject({ backoff: 1, unschedulable: 0 });
    expect(queue.pop()).toBeUndefined();
    clock.advance(800);
    expect(queue.pop()?.key).toBe("default/a");
  });

  test.each<[string, ClusterEvent, string[], boolean]>([
    ["an event one of the rejecting plugins cares about", "NodeAdd", ["NodeResourcesFit"], true],
    ["an event none of them cares about", "AssignedPodAdd", ["NodeResourcesFit"], false],
    ["any event when no plugin is known", "AssignedPodAdd", [], true],
  ])("wake on %s: %p", (_, event, plugins, wakes) => {
    const interests: Record<string, readonly ClusterEvent[]> = { NodeResourcesFit: ["NodeAdd", "AssignedPodDelete"] };
    const { queue } = setup((e, ps) => [...ps].some((p) => interests[p]?.includes(e) ?? true));
    failOnce(queue, makePod("a"), plugins);
    expect(queue.moveAllToActiveOrBackoff(event)).toBe(wakes ? 1 : 0);
  });

  test("an event during the attempt sends the pod to backoff instead of waiting", () => {
    const { clock, queue } = setup();
    queue.add(makePod("a"));
    const entry = queue.pop();
    if (entry === undefined) throw new Error("expected a pod");
    queue.moveAllToActiveOrBackoff("NodeAdd");
    queue.requeueUnschedulable(entry, new Set(["NodeResourcesFit"]));
    expect(queue.stats()).toMatchObject({ backoff: 1, unschedulable: 0 });
    clock.advance(1000);
    expect(queue.pop()?.key).toBe("default/a");
  });

  test("an update to the pod's spec ends the wait; a status write does not", () => {
    const { clock, queue } = setup();
    const pod = makePod("a");
    failOnce(queue, pod);
    clock.advance(2000);
    queue.update({ ...pod, status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] } });
    expect(queue.stats().unschedulable).toBe(1);
    queue.update({ ...pod, spec: { ...pod.spec, containers: pod.spec?.containers ?? [], tolerations: [{ operator: "Exists" }] } });
    expect(queue.pop()?.key).toBe("default/a");
  });

  test("left unschedulable for five minutes, a pod is retried without an event", () => {
    const { clock, queue } = setup();
    failOnce(queue, makePod("a"));
    clock.advance(5 * 60_000 - 1);
    queue.flush();
    expect(queue.pop()).toBeUndefined();
    clock.advance(1);
    queue.flush();
    expect(queue.pop()?.key).toBe("default/a");
  });
});

describe("in flight", () => {
  test("a pod deleted while being scheduled is not requeued", () => {
    const { queue } = setup();
    queue.add(makePod("a"));
    const entry = queue.pop();
    if (entry === undefined) throw new Error("expected a pod");
    queue.delete(entry.pod);
    queue.requeueUnschedulable(entry, new Set());
    queue.moveAllToActiveOrBackoff("NodeAdd");
    expect(queue.stats()).toEqual({ active: 0, backoff: 0, unschedulable: 0, gated: 0, inFlight: 0 });
  });

  test("an update while in flight is what gets requeued", () => {
    const { clock, queue } = setup();
    queue.add(makePod("a"));
    const entry = queue.pop();
    if (entry === undefined) throw new Error("expected a pod");
    queue.update(makePod("a", { labels: { v: "2" } }));
    queue.requeueAfterError(entry);
    clock.advance(1000);
    expect(queue.pop()?.pod.metadata?.labels).toEqual({ v: "2" });
  });

  test("done forgets the pod", () => {
    const { queue } = setup();
    queue.add(makePod("a"));
    const entry = queue.pop();
    if (entry === undefined) throw new Error("expected a pod");
    queue.done(entry.key);
    expect(queue.has(entry.key)).toBe(false);
  });
});

describe("scheduling gates", () => {
  test("a gated pod waits until its gates are removed", () => {
    const { queue } = setup();
    const gated = makePod("a", { spec: { schedulingGates: [{ name: "example.com/quota" }] } });
    queue.add(gated);
    expect(queue.pop()).toBeUndefined();
    queue.moveAllToActiveOrBackoff("NodeAdd");
    expect(queue.pop()).toBeUndefined();
    expect(queue.stats().gated).toBe(1);
    queue.update(makePod("a"));
    expect(queue.pop()?.key).toBe("default/a");
  });
});
