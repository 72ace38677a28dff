// The image layer against a real registry (Debian's docker-registry on loopback):
// push and pull round trips, digests verified, platforms picked, basic auth,
// pull policies, import, garbage collection.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, lstatSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry, type RegistryServer } from "../../../e2e/harness/registry.ts";
import { buildBusyboxRootfs } from "../runtime/oci/testdata/busybox-rootfs.ts";
import { buildImage, indexOf } from "./build-image.ts";
import { dockerConfigSecretData } from "./credentials.ts";
import { MediaType, type ImageManifest } from "./media-types.ts";
import { OciImageService } from "./oci-image-service.ts";
import { pushImage, pushManifest } from "./push.ts";

const MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const COMPONENT = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);

const work = mkdtempSync(join(tmpdir(), "ledge-images-"));
let registry: RegistryServer;
let stores = 0;
/** A fresh, empty store (another node, as far as the test is concerned). */
const store = (options: Partial<ConstructorParameters<typeof OciImageService>[0]> = {}) =>
  new OciImageService({ root: join(work, `store${++stores}`), ...options });

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

async function push(source: string, reference: string, options: Parameters<typeof buildImage>[1] = {}) {
  const image = await buildImage(source, options);
  try {
    return await pushImage(image, reference);
  } finally {
    image.dispose();
  }
}

beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("Wasm artifacts", () => {
  test.each([
    ["module", MODULE, "wasm-module"],
    ["component", COMPONENT, "wasm-component"],
  ] as const)("a %s round-trips as a CNCF Wasm artifact", async (name, bytes, kind) => {
    const ref = `${registry.host}/wasm/${name}:v1`;
    const pushed = await push(file(`${name}.wasm`, bytes), ref);
    const manifest = (await (await fetch(`http://${registry.host}/v2/wasm/${name}/manifests/v1`, { headers: { Accept: MediaType.ociManifest } })).json()) as ImageManifest;
    expect(manifest.config.mediaType).toBe(MediaType.wasmConfig);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([MediaType.wasmLayer]);

    const image = await store().pull(ref, { pullPolicy: "IfNotPresent" });
    expect(image).toMatchObject({ reference: ref, digest: pushed.digest, kind });
    expect(image.path.endsWith(".wasm")).toBe(true);
    expect(new Uint8Array(readFileSync(image.path))).toEqual(bytes);
  });

  test("a wasm-to-oci style artifact (its own layer media type) is recognised", async () => {
    const config = new TextEncoder().encode("{}");
    const client = `http://${registry.host}/v2/wasm/legacy`;
    for (const blob of [config, COMPONENT]) {
      const digest = `sha256:${new Bun.CryptoHasher("sha256").update(blob).digest("hex")}`;
      const session = await fetch(`${client}/blobs/uploads/`, { method: "POST" });
      const location = new URL(session.headers.get("location")!, `http://${registry.host}`);
      location.searchParams.set("digest", digest);
      expect((await fetch(location, { method: "PUT", body: blob })).status).toBe(201);
    }
    const d = (b: Uint8Array) => `sha256:${new Bun.CryptoHasher("sha256").update(b).digest("hex")}`;
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: "application/vnd.wasm.config.v1+json", digest: d(config), size: config.length },
      layers: [{ mediaType: "application/vnd.wasm.content.layer.v1+wasm", digest: d(COMPONENT), size: COMPONENT.length }],
    };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    await pushManifest(`${registry.host}/wasm/legacy:1`, { bytes, digest: d(bytes), mediaType: MediaType.ociManifest });
    expect((await store().pull(`${registry.host}/wasm/legacy:1`)).kind).toBe("wasm-component");
  });

  test("a Wasm app shipped as a container image (platform wasip1/wasm) resolves to its entrypoint", async () => {
    const dir = join(work, "wasi-image");
    mkdirSync(dir);
    writeFileSync(join(dir, "app.wasm"), MODULE);
    const ref = `${registry.host}/wasm/as-image:1`;
    await push(dir, ref, { platform: { os: "wasip1", architecture: "wasm" }, config: { entrypoint: ["/app.wasm"] } });
    const image = await store().pull(ref);
    expect(image.kind).toBe("wasm-module");
    expect(image.path.endsWith("/app.wasm")).toBe(true);
  });
});

describe("Linux images", () => {
  let rootfs: string;
  beforeAll(() => {
    rootfs = buildBusyboxRootfs(join(work, "busybox"));
  });

  test("a busybox rootfs round-trips with its config, modes and symlinks", async () => {
    const ref = `${registry.host}/linux/busybox:1`;
    const pushed = await push(rootfs, ref, { config: { cmd: ["/bin/sh"], env: ["PATH=/bin", "A=1"], workingDir: "/tmp", user: "app" } });
    const image = await store().pull(ref);
    expect(image).toMatchObject({ kind: "oci-rootfs", digest: pushed.digest, config: { cmd: ["/bin/sh"], env: ["PATH=/bin", "A=1"], workingDir: "/tmp", user: "app" } });
    expect(readFileSync(join(image.path, "bin/busybox"))).toEqual(readFileSync("/bin/busybox"));
    expect(lstatSync(join(image.path, "bin/sh")).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(image.path, "tmp")).mode & 0o7777).toBe(0o1777);
  });

  test("a layer whose bytes do not match their digest fails the pull and leaves nothing behind", async () => {
    const dir = join(work, "tampered");
    mkdirSync(dir);
    writeFileSync(join(dir, "hello"), "original");
    const ref = `${registry.host}/linux/tampered:1`;
    const image = await buildImage(dir);
    const layer = image.blobs[1]!;
    await pushImage(image, ref);
    image.dispose();
    const data = registry.blobDataPath(layer.digest);
    const bytes = readFileSync(data);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(data, bytes);

    const s = store();
    expect(s.pull(ref)).rejects.toMatchObject({ code: "DigestMismatch", reason: "ErrImagePull" });
    expect(await s.list()).toEqual([]);
    const storeDir = join(work, `store${stores}`);
    expect(existsSync(join(storeDir, "blobs/sha256", layer.digest.slice(7)))).toBe(false);
    expect(readdirSync(join(storeDir, "ingest"))).toEqual([]);
  });

  test("an image index resolves to the node's platform", async () => {
    const manifests = [];
    for (const architecture of ["amd64", "arm64", "s390x"]) {
      const dir = join(work, `arch-${architecture}`);
      mkdirSync(dir);
      writeFileSync(join(dir, "arch"), architecture);
      const image = await buildImage(dir, { platform: { os: "linux", architecture } });
      await pushImage(image, `${registry.host}/linux/multi@${image.manifest.digest}`);
      manifests.push({ mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.bytes.length, platform: { os: "linux", architecture } });
      image.dispose();
    }
    const index = indexOf(manifests);
    await pushManifest(`${registry.host}/linux/multi:1`, index);
    for (const architecture of ["amd64", "arm64", "s390x"]) {
      const image = await store({ platform: { os: "linux", architecture } }).pull(`${registry.host}/linux/multi:1`);
      expect(readFileSync(join(image.path, "arch"), "utf8")).toBe(architecture);
      expect(image.digest).toBe(index.digest);
    }
    expect(store({ platform: { os: "linux", architecture: "riscv64" } }).pull(`${registry.host}/linux/multi:1`)).rejects.toMatchObject({
      code: "NoMatchingPlatform",
      message: expect.stringContaining("linux/amd64, linux/arm64, linux/s390x"),
    });
  });
});

describe("pull policies", () => {
  const ref = () => `${registry.host}/policy/app:stable`;
  const version = async (v: string) => {
    const dir = join(work, `policy-${v}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "version"), v);
    return push(dir, ref());
  };

  test("Never uses only what is present; IfNotPresent keeps it; Always follows the tag", async () => {
    const s = store();
    expect(s.pull(ref(), { pullPolicy: "Never" })).rejects.toMatchObject({ code: "NeverPull", reason: "ErrImageNeverPull" });
    const v1 = await version("1");
    expect((await s.pull(ref(), { pullPolicy: "IfNotPresent" })).digest).toBe(v1.digest);
    const v2 = await version("2");
    expect((await s.pull(ref(), { pullPolicy: "Never" })).digest).toBe(v1.digest);
    expect((await s.pull(ref(), { pullPolicy: "IfNotPresent" })).digest).toBe(v1.digest);
    const always = await s.pull(ref(), { pullPolicy: "Always" });
    expect(always.digest).toBe(v2.digest);
    expect(readFileSync(join(always.path, "version"), "utf8")).toBe("2");
    // Same digest at the registry: Always keeps the local copy.
    expect((await s.pull(ref(), { pullPolicy: "Always" })).path).toBe(always.path);
  });

  test("IfNotPresent needs no registry once the image is there", async () => {
    const s = store();
    const image = await buildImage(file("offline.wasm", MODULE));
    await s.import(image, "127.0.0.1:1/offline/app:1");
    image.dispose();
    expect((await s.pull("127.0.0.1:1/offline/app:1", { pullPolicy: "IfNotPresent" })).kind).toBe("wasm-module");
    expect(s.pull("127.0.0.1:1/offline/app:1", { pullPolicy: "Always" })).rejects.toMatchObject({ code: "Unreachable" });
  });

  test("a bad reference is InvalidImageName", async () => {
    expect(store().pull("Not A Reference")).rejects.toMatchObject({ code: "InvalidReference", reason: "InvalidImageName" });
  });
});

describe("basic auth", () => {
  let secured: RegistryServer;
  const login = { username: "edge", password: "s3cret:with colon" };
  beforeAll(async () => {
    secured = await startRegistry({ auth: login });
  });
  afterAll(() => secured?.stop());

  test("push and pull need the login; imagePullSecrets provide it", async () => {
    const ref = `${secured.host}/private/app:1`;
    const image = await buildImage(file("private.wasm", COMPONENT));
    expect(pushImage(image, ref)).rejects.toMatchObject({ code: "Unauthorized" });
    expect(pushImage(image, ref, { credentials: { ...login, password: "wrong" } })).rejects.toMatchObject({ code: "Unauthorized" });
    await pushImage(image, ref, { credentials: login });
    image.dispose();

    expect(store().pull(ref)).rejects.toMatchObject({ code: "Unauthorized", message: expect.stringContaining("requires a login") });
    const secret = { type: "kubernetes.io/dockerconfigjson", data: dockerConfigSecretData(secured.host, login) };
    const other = { type: "kubernetes.io/dockerconfigjson", data: dockerConfigSecretData("elsewhere.example", login) };
    expect((await store().pull(ref, { pullSecrets: [other, secret] })).kind).toBe("wasm-component");
  });
});

describe("remove and garbage collection", () => {
  test("remove forgets a reference and deletes content nothing else needs", async () => {
    const s = store();
    const image = await buildImage(file("rm.wasm", MODULE));
    const a = await s.import(image, "localhost/rm/a:1");
    await s.import(image, "localhost/rm/b:1");
    image.dispose();
    expect(await s.remove("localhost/rm/a:1")).toBe(true);
    expect(existsSync(a.path)).toBe(true);
    expect((await s.list()).map((i) => i.references)).toEqual([["localhost/rm/b:1"]]);
    expect(await s.remove("localhost/rm/b:1")).toBe(true);
    expect(existsSync(a.path)).toBe(false);
    expect(await s.list()).toEqual([]);
    expect(readdirSync(join(work, `store${stores}`, "blobs/sha256"))).toEqual([]);
    expect(await s.remove("localhost/rm/b:1")).toBe(false);
  });

  test("under disk pressure the least recently used unused images go until usage is below the low threshold", async () => {
    // A disk where each image takes 5% and everything else 70%.
    const root = join(work, `store${++stores}`);
    const usedPercent = () => 70 + 5 * readdirSync(join(root, "images")).length;
    let clock = Date.parse("2030-01-01T00:00:00Z");
    const s = new OciImageService({
      root,
      gcHighThresholdPercent: 85,
      gcLowThresholdPercent: 80,
      diskUsage: () => ({ usedBytes: usedPercent(), availableBytes: 100 - usedPercent() }),
      now: () => new Date((clock += 1000)),
    });
    const digests: Record<string, string> = {};
    const add = async (name: string, i: number) => {
      const image = await buildImage(file(`gc-${name}.wasm`, new Uint8Array([...MODULE, 0x00, 0x01, i])));
      digests[name] = (await s.import(image, `localhost/gc/${name}:1`)).digest;
      image.dispose();
    };
    await add("a", 1);
    await add("b", 2);
    expect(await s.gc({ inUse: [] })).toEqual({ removed: [], usedPercentBefore: 80, usedPercentAfter: 80 });
    await add("c", 3);
    await add("d", 4);
    await s.pull("localhost/gc/a:1", { pullPolicy: "Never" }); // a is now the most recently used

    // 90%: b is in use, so c then d go (oldest first) until 80%.
    const result = await s.gc({ inUse: ["localhost/gc/b:1"] });
    expect(result).toEqual({ removed: [digests.c!, digests.d!], usedPercentBefore: 90, usedPercentAfter: 80 });
    expect((await s.list()).map((i) => i.references[0]).sort()).toEqual(["localhost/gc/a:1", "localhost/gc/b:1"]);
    expect((await s.gc({ inUse: [digests.b!], force: true })).removed).toEqual([digests.a!]);
  });
});
