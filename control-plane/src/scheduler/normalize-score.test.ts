import { expect, test } from "bun:test";
import { defaultNormalizeScore } from "./normalize-score.ts";

test.each<[number[], boolean, number[]]>([
  [[0, 5, 10], false, [0, 50, 100]],
  [[1, 2, 3], false, [33, 66, 100]],
  [[0, 5, 10], true, [100, 50, 0]],
  [[0, 0], false, [0, 0]],
  [[0, 0], true, [100, 100]],
])("%p reversed=%p → %p", (scores, reverse, expected) => {
  defaultNormalizeScore(scores, reverse);
  expect(scores).toEqual(expected);
});
