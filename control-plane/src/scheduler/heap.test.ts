import { describe, expect, test } from "bun:test";
import { KeyedHeap } from "./heap.ts";

interface Item {
  key: string;
  rank: number;
}

const heap = () => new KeyedHeap<Item>((i) => i.key, (a, b) => a.rank < b.rank);
const drain = (h: KeyedHeap<Item>): string[] => {
  const out: string[] = [];
  for (let i = h.pop(); i !== undefined; i = h.pop()) out.push(i.key);
  return out;
};

describe("KeyedHeap", () => {
  test.each<[string, (h: KeyedHeap<Item>) => void, string[]]>([
    ["pops in order", (h) => [5, 1, 4, 2, 3].forEach((r) => h.push({ key: `k${r}`, rank: r })), ["k1", "k2", "k3", "k4", "k5"]],
    [
      "a push with a known key replaces and reorders",
      (h) => {
        [1, 2, 3].forEach((r) => h.push({ key: `k${r}`, rank: r }));
        h.push({ key: "k3", rank: 0 });
      },
      ["k3", "k1", "k2"],
    ],
    [
      "remove by key",
      (h) => {
        [1, 2, 3, 4].forEach((r) => h.push({ key: `k${r}`, rank: r }));
        h.remove("k1");
        h.remove("k3");
        h.remove("missing");
      },
      ["k2", "k4"],
    ],
  ])("%s", (_, setup, expected) => {
    const h = heap();
    setup(h);
    expect(drain(h)).toEqual(expected);
  });

  test("stays ordered under random pushes and removals", () => {
    const h = heap();
    const alive = new Map<string, number>();
    let seed = 7;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 2000; i++) {
      const key = `k${Math.floor(rand() * 300)}`;
      if (rand() < 0.3) {
        h.remove(key);
        alive.delete(key);
      } else {
        const rank = rand();
        h.push({ key, rank });
        alive.set(key, rank);
      }
    }
    const expected = [...alive].sort((a, b) => a[1] - b[1]).map(([k]) => k);
    expect(h.size).toBe(alive.size);
    expect(drain(h)).toEqual(expected);
  });
});
