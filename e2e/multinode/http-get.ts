// `bun http-get.ts URL`: one GET, printed as a JSON line {status, body} or
// {error}. The harness runs it inside a network namespace (a node's or a
// pod's) with nsenter, where the test process itself cannot go.
export {};

const url = process.argv[2] ?? "";
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  console.log(JSON.stringify({ status: response.status, body: await response.text() }));
} catch (error) {
  console.log(JSON.stringify({ error: (error as Error).message }));
}
