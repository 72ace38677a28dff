// helper.DefaultNormalizeScore: scale raw scores so the best is MAX_NODE_SCORE,
// optionally reversed for plugins whose raw score counts something bad.

import { MAX_NODE_SCORE } from "./framework.ts";

export function defaultNormalizeScore(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    // Integer arithmetic, as Kubernetes does it, so scores tie where kube's tie.
    const scaled = Math.trunc((MAX_NODE_SCORE * (scores[i] ?? 0)) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - scaled : scaled;
  }
}
