import { expect, test } from "bun:test";
import { eventRecorder } from "./event-recorder.ts";
import { KubeClient, type KubeObject } from "./kube-client.ts";

/** An API that holds every request until the test answers it. */
function heldApi() {
  const requests: { method: string; path: string; body: Record<string, unknown>; answer: () => void }[] = [];
  let arrived = () => {};
  const client = new KubeClient(async (request) => {
    const body = (await request.json()) as Record<string, unknown>;
    const status = request.method === "POST" ? 201 : 200;
    await new Promise<void>((resolve) => {
      requests.push({ method: request.method, path: new URL(request.url).pathname, body, answer: resolve });
      arrived();
    });
    return Response.json(body, { status });
  });
  /** Resolves once `n` requests have arrived in all. */
  const arrivedCount = async (n: number) => {
    while (requests.length < n) await new Promise<void>((resolve) => (arrived = resolve));
  };
  return { client, requests, arrivedCount };
}

const pod = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns", uid: `uid-${name}` } });

test("events of different objects are written several at once, up to the concurrency", async () => {
  const { client, requests, arrivedCount } = heldApi();
  const recorder = eventRecorder(client, "test", () => {}, { concurrency: 3 });
  for (const name of ["a", "b", "c", "d", "e"]) recorder.event(pod(name), "Normal", "Scheduled", `assigned ns/${name}`);
  await arrivedCount(3);
  // A fourth waits for a slot.
  await Bun.sleep(0);
  expect(requests.map((r) => (r.body.involvedObject as { name: string }).name)).toEqual(["a", "b", "c"]);
  requests[0]!.answer();
  await arrivedCount(4);
  for (const r of requests) r.answer();
  await arrivedCount(5);
  requests[4]!.answer();
  await recorder.flush();
  expect(requests.map((r) => r.method)).toEqual(["POST", "POST", "POST", "POST", "POST"]);
  expect(new Set(requests.map((r) => (r.body.metadata as { name: string }).name)).size).toBe(5);
});

test("a repeat waits for the first write of the same event, then bumps its count", async () => {
  const { client, requests, arrivedCount } = heldApi();
  const recorder = eventRecorder(client, "test", () => {});
  recorder.event(pod("a"), "Warning", "BackOff", "restarting");
  recorder.event(pod("a"), "Warning", "BackOff", "restarting");
  await arrivedCount(1);
  await Bun.sleep(0);
  expect(requests).toHaveLength(1);
  requests[0]!.answer();
  await arrivedCount(2);
  requests[1]!.answer();
  await recorder.flush();
  const created = requests[0]!.body.metadata as { name: string };
  expect(requests[1]!.method).toBe("PATCH");
  expect(requests[1]!.path).toBe(`/api/v1/namespaces/ns/events/${created.name}`);
  expect(requests[1]!.body.count).toBe(2);
});

test("beyond maxQueued waiting events, further ones are dropped, counted and logged once", async () => {
  const { client, requests, arrivedCount } = heldApi();
  const logs: string[] = [];
  const recorder = eventRecorder(client, "test", (m) => logs.push(m), { concurrency: 1, maxQueued: 2 });
  for (const name of ["a", "b", "c", "d"]) recorder.event(pod(name), "Normal", "Scheduled", name);
  expect(recorder.dropped).toBe(2);
  expect(logs).toEqual(["test: 2 events are waiting to be written; dropping further ones until they are"]);
  await arrivedCount(1);
  requests[0]!.answer();
  await arrivedCount(2);
  requests[1]!.answer();
  await recorder.flush();
  // With the queue empty again, events are taken once more.
  recorder.event(pod("e"), "Normal", "Scheduled", "e");
  await arrivedCount(3);
  requests[2]!.answer();
  await recorder.flush();
  expect(requests.map((r) => r.body.message)).toEqual(["a", "b", "e"]);
  expect(recorder.dropped).toBe(2);
});
