// `ledge image push|import` as a user meets them, through the real CLI.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry, type RegistryServer } from "../../../e2e/harness/registry.ts";
import { imageStoreRoot, OciImageService } from "../../../node-agent/src/images/oci-image-service.ts";

const CLI = join(import.meta.dir, "main.ts");
const work = mkdtempSync(join(tmpdir(), "ledge-image-cli-"));
const wasm = join(work, "app.wasm");
let open: RegistryServer;
let secured: RegistryServer;

async function ledge(args: string[], stdin?: string) {
  const child = Bun.spawn([process.execPath, CLI, "image", ...args], {
    stdout: "pipe",
    stderr: "pipe",
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    env: { ...process.env, DOCKER_CONFIG: join(work, "no-docker-config") },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}

beforeAll(async () => {
  writeFileSync(wasm, new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]));
  [open, secured] = await Promise.all([startRegistry(), startRegistry({ auth: { username: "u", password: "p" } })]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), secured?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

test("push a component, a rootfs directory and a layer tar", async () => {
  const component = await ledge(["push", wasm, `${open.host}/cli/app:1`]);
  expect(component).toMatchObject({ code: 0, stdout: expect.stringMatching(/^pushed .*cli\/app:1 \(wasm-component\) as sha256:[0-9a-f]{64}\n$/) });
  const dir = join(work, "rootfs");
  mkdirSync(join(dir, "etc"), { recursive: true });
  writeFileSync(join(dir, "etc/motd"), "hi");
  expect((await ledge(["push", dir, `${open.host}/cli/rootfs:1`])).stdout).toContain("(oci-rootfs)");
  const tarPath = join(work, "layer.tar");
  expect(await Bun.spawn(["tar", "-cf", tarPath, "-C", dir, "."]).exited).toBe(0);
  expect((await ledge(["push", tarPath, `${open.host}/cli/layer:1`])).stdout).toContain("(oci-rootfs)");
  const image = await new OciImageService({ root: join(work, "check") }).pull(`${open.host}/cli/layer:1`);
  expect(await Bun.file(join(image.path, "etc/motd")).text()).toBe("hi");
});

test("push with a login read from stdin", async () => {
  const denied = await ledge(["push", wasm, `${secured.host}/cli/private:1`]);
  expect(denied.code).toBe(1);
  expect(denied.stderr).toContain("requires a login");
  expect(denied.stderr).toContain("--password-stdin");
  const wrong = await ledge(["push", wasm, `${secured.host}/cli/private:1`, "--username", "u", "--password-stdin"], "nope\n");
  expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining("access denied") });
  const ok = await ledge(["push", wasm, `${secured.host}/cli/private:1`, "--username", "u", "--password-stdin"], "p\n");
  expect(ok.code).toBe(0);
});

test("import into a node's store for air-gapped use", async () => {
  const dataDir = join(work, "agent");
  const r = await ledge(["import", wasm, "--name", "registry.example/edge/app:2", "--data-dir", dataDir]);
  expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining(`into ${imageStoreRoot(dataDir)}`) });
  const image = await new OciImageService({ root: imageStoreRoot(dataDir) }).pull("registry.example/edge/app:2", { pullPolicy: "Never" });
  expect(image.kind).toBe("wasm-component");
});

test.each([
  [["push", "/nonexistent.wasm", "localhost/x:1"], 1, "cannot read /nonexistent.wasm"],
  [["push", "WASM", "127.0.0.1:1/x:1"], 1, "cannot reach registry 127.0.0.1:1 at http://127.0.0.1:1"],
  [["push", "WASM", "Bad Ref"], 2, 'invalid image reference "Bad Ref"'],
  [["push", "WASM"], 2, "ledge image push takes FILE_OR_DIR and REF"],
  [["import", "WASM"], 2, "--name REF is missing"],
  [["frob"], 2, 'unknown image command "frob"'],
])("ledge image %p fails clearly", async (args, code, message) => {
  const r = await ledge(args.map((a) => (a === "WASM" ? wasm : a)));
  expect(r.code).toBe(code);
  expect(r.stderr).toContain(message);
});
