// ImageLocality: prefers nodes that already hold the pod's images (OCI images
// or Wasm modules, both OCI artifacts), weighted by size and by how widely the
// image is spread, so one node holding an image does not attract every pod
// that uses it.

import type { Pod } from "../../../../schemas/index.ts";
import { MAX_NODE_SCORE, numberArg, type PluginArgs, type PreScorePlugin, type ScorePlugin, SKIP, stateKey, SUCCESS } from "../framework.ts";
import { normalizeImageName } from "../images.ts";

export const NAME = "ImageLocality";

const MiB = 1024 * 1024;
/** Below this an image is cheap to pull and earns nothing. */
export const DEFAULT_MIN_THRESHOLD_BYTES = 23 * MiB;
/** Per container; above this the score saturates. */
export const DEFAULT_MAX_CONTAINER_THRESHOLD_BYTES = 1000 * MiB;

interface PreScoreState {
  /** Normalized image → the share of nodes holding it, for each container image present somewhere. */
  readonly spread: ReadonlyMap<string, number>;
  /** One entry per container (init containers included), so an image used twice counts twice. */
  readonly images: readonly string[];
  readonly numContainers: number;
}

const STATE = stateKey<PreScoreState>("PreScoreImageLocality");

const containerImages = (pod: Pod): string[] =>
  [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].flatMap((c) => (c.image ? [normalizeImageName(c.image)] : []));

/** Clamps the summed score between the thresholds and scales it to 0..100. */
export function imageScore(sum: number, numContainers: number, minThreshold: number, maxContainerThreshold: number): number {
  const maxThreshold = maxContainerThreshold * numContainers;
  if (maxThreshold <= minThreshold) return 0;
  const clamped = Math.min(Math.max(sum, minThreshold), maxThreshold);
  return Math.trunc((MAX_NODE_SCORE * (clamped - minThreshold)) / (maxThreshold - minThreshold));
}

/** Args: minThresholdBytes, maxContainerThresholdBytes. */
export function create(args: PluginArgs = {}): PreScorePlugin & ScorePlugin {
  const minThreshold = numberArg(args, "minThresholdBytes", DEFAULT_MIN_THRESHOLD_BYTES);
  const maxContainerThreshold = numberArg(args, "maxContainerThresholdBytes", DEFAULT_MAX_CONTAINER_THRESHOLD_BYTES);
  return {
    name: NAME,
    preScore(state, pod, _nodes, snapshot) {
      const images = containerImages(pod);
      const total = snapshot.numNodes;
      const spread = new Map<string, number>();
      for (const image of images) {
        const holders = snapshot.nodesWithImage(image);
        if (holders > 0 && total > 0) spread.set(image, holders / total);
      }
      // No node holds any of the images: every node would score 0.
      if (spread.size === 0) return SKIP;
      const numContainers = (pod.spec?.initContainers?.length ?? 0) + (pod.spec?.containers.length ?? 0);
      state.write(STATE, { spread, images, numContainers });
      return SUCCESS;
    },
    score(state, _pod, nodeInfo) {
      const s = state.read(STATE);
      if (s === undefined) return 0;
      let sum = 0;
      for (const image of s.images) {
        const size = nodeInfo.images.get(image);
        if (size !== undefined) sum += Math.trunc(size * (s.spread.get(image) ?? 0));
      }
      return imageScore(sum, s.numContainers, minThreshold, maxContainerThreshold);
    },
  };
}
