import { describe, expect, test } from "bun:test";
import type { Deployment, ReplicaSet } from "../replicaset/types.ts";
import { CHANGE_CAUSE, DESIRED_REPLICAS, LAST_APPLIED_CONFIGURATION, MAX_REPLICAS, maxRevision, REVISION, REVISION_HISTORY, revisionOf, setNewReplicaSetAnnotations } from "./revisions.ts";

const deployment = (annotations: Record<string, string> = {}): Deployment => ({ metadata: { name: "nginx", annotations: { [REVISION]: "1", ...annotations } } });
const replicaSet = (annotations?: Record<string, string>): ReplicaSet => ({ metadata: { name: "nginx-abc", annotations } });

describe("revision annotations", () => {
  test("each new revision keeps the previous ones in the history, cut to the character limit (TestAnnotationUtils)", () => {
    const rs = replicaSet();
    for (let i = 10; i < 20; i++) {
      setNewReplicaSetAnnotations(deployment(), rs, i + 1, true, { desired: 1, max: 1 }, 5);
      expect(rs.metadata.annotations?.[REVISION]).toBe(String(i + 1));
      if (i >= 12) expect(rs.metadata.annotations?.[REVISION_HISTORY]).toBe(`${i - 1},${i}`);
    }
  });

  test("a lower or equal revision changes nothing", () => {
    const rs = replicaSet({ [REVISION]: "5" });
    expect(setNewReplicaSetAnnotations(deployment(), rs, 5, true, { desired: 1, max: 1 })).toBe(false);
    expect(rs.metadata.annotations).toEqual({ [REVISION]: "5" });
  });

  test("the deployment's own annotations are copied, except the ones that describe the deployment itself", () => {
    const rs = replicaSet();
    setNewReplicaSetAnnotations(deployment({ [CHANGE_CAUSE]: "kubectl set image", [LAST_APPLIED_CONFIGURATION]: "{}", team: "a" }), rs, 2, false, { desired: 3, max: 4 });
    expect(rs.metadata.annotations).toEqual({ [CHANGE_CAUSE]: "kubectl set image", team: "a", [REVISION]: "2", [DESIRED_REPLICAS]: "3", [MAX_REPLICAS]: "4" });
  });

  test("max revision skips unparsable ones; a missing one is 0", () => {
    expect(revisionOf({})).toBe(0);
    expect(revisionOf({ annotations: { [REVISION]: "x" } })).toBeUndefined();
    expect(maxRevision([replicaSet({ [REVISION]: "3" }), replicaSet({ [REVISION]: "x" }), replicaSet()])).toBe(3);
  });
});
