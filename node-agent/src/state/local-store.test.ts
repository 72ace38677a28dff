// The agent's database: pods and cached objects survive a reopen; a second
// agent on the same data dir is refused while the first holds it.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalStore } from "./local-store.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ledge-store-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test("pods, their addresses and cached objects survive a reopen", () => {
  const path = join(dir, "agent.db");
  const store = LocalStore.open(path);
  store.savePod({ uid: "u1", namespace: "shop", name: "web", pod: { spec: 1 }, record: { state: "running" }, podIP: "127.1.0.1" });
  store.savePod({ uid: "u1", namespace: "shop", name: "web", pod: { spec: 2 }, record: { state: "running" }, podIP: "127.1.0.1" });
  store.cacheObject("ConfigMap", "shop", "settings", { data: { a: "1" } });
  store.setMeta("k", "v");
  store.close();
  const again = LocalStore.open(path);
  expect(again.pods()).toEqual([{ uid: "u1", namespace: "shop", name: "web", pod: { spec: 2 }, record: { state: "running" }, podIP: "127.1.0.1" }]);
  expect(again.cachedObject("ConfigMap", "shop", "settings")).toEqual({ data: { a: "1" } });
  expect(again.meta("k")).toBe("v");
  again.cacheObject("ConfigMap", "shop", "settings", undefined);
  expect(again.cachedObject("ConfigMap", "shop", "settings")).toBeUndefined();
  again.deletePod("u1");
  expect(again.pods()).toEqual([]);
  again.close();
});

test("an address is held by one pod only", () => {
  const store = LocalStore.open(join(dir, "agent.db"));
  store.savePod({ uid: "a", namespace: "n", name: "a", pod: {}, record: {} });
  store.savePod({ uid: "b", namespace: "n", name: "b", pod: {}, record: {} });
  expect(store.claimPodIP("a", "127.1.0.1")).toBe(true);
  expect(store.claimPodIP("b", "127.1.0.1")).toBe(false);
  expect(store.podIPsInUse()).toEqual(new Set(["127.1.0.1"]));
  store.close();
});

test("a second agent on the same data dir is refused while the first runs", async () => {
  const path = join(dir, "agent.db");
  const store = LocalStore.open(path);
  const child = Bun.spawn(
    [process.execPath, "-e", `import { LocalStore } from ${JSON.stringify(join(import.meta.dir, "local-store.ts"))}; try { LocalStore.open(${JSON.stringify(path)}); console.log("opened"); } catch (e) { console.log(e.message); }`],
    { stdout: "pipe", stderr: "pipe" },
  );
  const output = await new Response(child.stdout).text();
  await child.exited;
  expect(output).toContain(`another agent is running on ${dir}`);
  store.close();
});
