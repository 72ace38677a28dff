// The bearer-token dance and redirects, against a fake registry (Debian's registry
// has no token service; the round trips in oci-image-service.test.ts use it for the rest).
import { afterAll, expect, test } from "bun:test";
import { parseChallenge, RegistryClient } from "./registry-client.ts";

const seen = { tokenRequests: [] as string[], blobAuthorization: [] as (string | null)[] };
const server: ReturnType<typeof Bun.serve> = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request): Response {
    const url = new URL(request.url);
    const auth = request.headers.get("authorization");
    if (url.pathname === "/token") {
      seen.tokenRequests.push(`${url.searchParams.get("service")} ${url.searchParams.get("scope")} ${auth}`);
      if (auth !== `Basic ${btoa("me:pw")}`) return new Response("no", { status: 401 });
      return Response.json({ token: "T0K3N", expires_in: 300 });
    }
    if (url.pathname === "/cdn/blob") {
      seen.blobAuthorization.push(auth);
      return new Response("blob bytes");
    }
    if (auth !== "Bearer T0K3N") {
      return new Response(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }), {
        status: 401,
        headers: { "WWW-Authenticate": `Bearer realm="http://127.0.0.1:${server.port}/token",service="fake.registry",scope="repository:team/app:pull"` },
      });
    }
    if (url.pathname === "/v2/team/app/manifests/v1") {
      return new Response('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}', { headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" } });
    }
    if (url.pathname.startsWith("/v2/team/app/blobs/")) {
      // Another host name for the same server: credentials must not follow.
      return Response.redirect(`http://localhost:${server.port}/cdn/blob`, 307);
    }
    return new Response("{}", { status: 404 });
  },
});
afterAll(() => server.stop(true));

test("a Bearer challenge is answered with a token fetched with the login, once per scope", async () => {
  const client = new RegistryClient(`127.0.0.1:${server.port}`, { credentials: { username: "me", password: "pw" } });
  expect((await client.getManifest("team/app", "v1")).mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
  await client.getManifest("team/app", "v1");
  expect(seen.tokenRequests).toEqual([`fake.registry repository:team/app:pull Basic ${btoa("me:pw")}`]);

  const blob = await client.getBlob("team/app", `sha256:${"1".repeat(64)}`);
  expect(await blob.text()).toBe("blob bytes");
  expect(seen.blobAuthorization).toEqual([null]);
});

test("a token service that refuses the login is Unauthorized", async () => {
  const client = new RegistryClient(`127.0.0.1:${server.port}`, { credentials: { username: "me", password: "wrong" } });
  expect(client.getManifest("team/app", "v1")).rejects.toMatchObject({ code: "Unauthorized", message: expect.stringContaining('"me"') });
});

test("an unreachable registry is Unreachable and names the address", async () => {
  expect(new RegistryClient("127.0.0.1:1").getManifest("a", "b")).rejects.toMatchObject({ code: "Unreachable", message: expect.stringContaining("http://127.0.0.1:1") });
});

test.each([
  ['Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"', "bearer", { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" }],
  ['Basic realm="ledge"', "basic", { realm: "ledge" }],
])("challenge %s", (header, scheme, params) => {
  expect(parseChallenge(header)).toEqual({ scheme, params });
});
