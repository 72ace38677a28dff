// An in-process control plane for controller tests: API on an in-memory
// store, reached through the same client the controllers use.
import { KubeClient } from "../../../client/kube-client.ts";
import { createApp } from "../api/app.ts";
import { bootstrap } from "../api/bootstrap.ts";
import { openStore } from "../storage/open.ts";

export async function testCluster() {
  const store = await openStore();
  const app = createApp({ store });
  await bootstrap(app);
  const fetch = (request: Request) => app.fetch(request);
  const client = new KubeClient(fetch, "http://ledge.test", "controller-test");
  return {
    store,
    client,
    /** The API itself, for a client that injects failures or delays in front of it. */
    fetch,
    close: () => store.close(),
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
