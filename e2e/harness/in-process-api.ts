// An in-process Ledge API (on an in-memory store) for the node agent's tests,
// reached through a link the test can cut and restore. Cutting it fails every
// new request as a refused connection does and breaks the watches in flight,
// which is what an edge node sees when its uplink goes. The agent's own code
// never imports control-plane; its tests reach the API through this harness.
import { KubeClient } from "../../client/kube-client.ts";
import { testCluster } from "../../control-plane/src/controllers/test-cluster.ts";

export interface InProcessApi {
  /** The agent's client: through the cuttable link. */
  client: KubeClient;
  /** The test's own client: never cut (a user or controller elsewhere in the cluster). */
  admin: KubeClient;
  /** Fetch through the link (for a second agent, or a raw request). */
  fetch: (request: Request) => Promise<Response>;
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  /** Requests that reached the API through the link, by "METHOD path" (query stripped). */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function inProcessApi(): Promise<InProcessApi> {
  const cluster = await testCluster();
  let isCut = false;
  const open = new Set<(error: Error) => void>();
  const requests: string[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    if (isCut) throw new TypeError("Unable to connect. Is the computer able to access the url? (the test cut the link)");
    requests.push(`${request.method} ${new URL(request.url).pathname}`);
    const response = await cluster.fetch(request);
    if (!response.body) return response;
    const reader = response.body.getReader();
    let fail!: (error: Error) => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        fail = (error) => {
          open.delete(fail);
          controller.error(error);
          void reader.cancel(error).catch(() => undefined);
        };
        open.add(fail);
      },
      async pull(controller) {
        try {
          const { value, done } = await reader.read();
          if (done) {
            open.delete(fail);
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          open.delete(fail);
          controller.error(error);
        }
      },
      cancel(reason) {
        open.delete(fail);
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return {
    client: new KubeClient(fetch, "http://ledge.test", "ledge-agent-test"),
    admin: cluster.client,
    fetch,
    cut() {
      isCut = true;
      for (const fail of [...open]) fail(new TypeError("The socket connection was closed unexpectedly (the test cut the link)"));
    },
    restore() {
      isCut = false;
    },
    get isCut() {
      return isCut;
    },
    requests,
    close: () => cluster.close(),
  };
}

export { eventually } from "../../control-plane/src/controllers/test-cluster.ts";
