// Builds the Wasm workloads the runtime tests run, from the sources beside this
// file, once per source change: outputs are cached under a directory keyed by a
// hash of everything that goes into them, and never committed.
//   C → WASI preview-1 modules with Debian's clang + wasi-libc (~0.5 s each)
//   JS → components with componentize-js (5–15 s each warm, about a minute cold),
//        then compiled by wasmtime into fixtureWasmtimeCacheDir (below)
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { ArtifactKind, ResolvedImage } from "../runtime.ts";
import { findNativeWasmtime } from "../wasmtime/native.ts";

const here = import.meta.dir;
const repoRoot = resolve(here, "../../../..");

/** Where built fixtures live; LEDGE_TEST_WASM_CACHE moves it. */
export const fixtureCacheDir = process.env.LEDGE_TEST_WASM_CACHE ?? join(repoRoot, "node_modules/.cache/ledge-test-wasm");

/**
 * The tests' wasmtime compile cache: the runtime's own disk cache format (by the
 * sha256 of the Wasm bytes and the engine build), filled by buildFixtures() for
 * the JS components, used by wasmtime-runtime.test.ts and given to every `ledge`
 * process the e2e harnesses start (LEDGE_WASMTIME_CACHE).
 */
export const fixtureWasmtimeCacheDir = join(fixtureCacheDir, "wasmtime-cache");

export const moduleFixtures = ["hello", "fs", "spin", "hog"] as const;
export const componentFixtures = { "http-echo": "http-echo", cli: "cli" } as const;
export type FixtureName = (typeof moduleFixtures)[number] | keyof typeof componentFixtures;

export interface WasmFixture {
  name: FixtureName;
  path: string;
  /** sha256 of the file, as an image digest would name it. */
  digest: string;
  kind: ArtifactKind;
}

const CLANG_ARGS = ["--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-Wl,--strip-all"];
/** The WIT version the componentize-js engine implements (see ../../../../../shared/notes/wasm-in-bun.md). */
const WIT_VERSION = "0.2.10";

const sha256 = (...parts: (string | Uint8Array)[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
};

function fixtureOf(name: FixtureName, path: string, kind: ArtifactKind): WasmFixture {
  return { name, path, kind, digest: `sha256:${sha256(readFileSync(path))}` };
}

/** Writes through a temporary name so concurrent builders never see half a file. */
function publish(path: string, bytes: Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

async function run(command: string[], what: string): Promise<void> {
  const child = Bun.spawn(command, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`${what} failed (exit ${code}):\n${out}${err}`);
}

async function buildModule(name: (typeof moduleFixtures)[number]): Promise<WasmFixture> {
  const source = join(here, "c", `${name}.c`);
  const key = sha256(readFileSync(source), CLANG_ARGS.join(" ")).slice(0, 16);
  const out = join(fixtureCacheDir, `${name}-${key}.wasm`);
  if (!existsSync(out)) {
    if (!Bun.which("clang")) {
      throw new Error("clang is missing: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32");
    }
    const temporary = `${out}.${process.pid}.tmp`;
    await run(["clang", ...CLANG_ARGS, source, "-o", temporary], `clang ${name}.c`);
    renameSync(temporary, out);
  }
  return fixtureOf(name, out, "wasm-module");
}

/** jco ships the wasi 0.2.x WIT packages; componentize-js depends on jco. */
function jcoBuiltinWit(): string {
  let dir = dirname(Bun.resolveSync("@bytecodealliance/jco", dirname(Bun.resolveSync("@bytecodealliance/componentize-js", here))));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  const builtin = join(dir, "lib/wit/builtin");
  const versions = readdirSync(builtin).filter((v) => /^0\.2\.\d+$/.test(v));
  const newest = versions.sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2])).at(-1);
  if (!newest) throw new Error(`no wasi 0.2.x WIT in ${builtin}`);
  return join(builtin, newest);
}

/** world.wit plus jco's wasi packages, renumbered to the version the engine speaks. */
export function witDir(): string {
  const world = readFileSync(join(here, "js", "world.wit"), "utf8");
  const builtin = jcoBuiltinWit();
  const packages = readdirSync(builtin)
    .sort()
    .map((name) => [name, readFileSync(join(builtin, name, "package.wit"), "utf8")] as const);
  const dir = join(fixtureCacheDir, `wit-${sha256(world, ...packages.map(([n, t]) => n + t)).slice(0, 16)}`);
  if (existsSync(join(dir, "world.wit"))) return dir;
  for (const [name, text] of packages) {
    mkdirSync(join(dir, "deps", name), { recursive: true });
    publish(join(dir, "deps", name, "package.wit"), new TextEncoder().encode(text.replace(/@0\.2\.\d+/g, `@${WIT_VERSION}`)));
  }
  publish(join(dir, "world.wit"), new TextEncoder().encode(world));
  return dir;
}

async function buildComponent(name: keyof typeof componentFixtures, wit: string): Promise<WasmFixture> {
  const source = join(here, "js", `${name}.js`);
  const pkg = JSON.parse(readFileSync(join(dirname(Bun.resolveSync("@bytecodealliance/componentize-js", here)), "../package.json"), "utf8"));
  const key = sha256(readFileSync(source), wit, String(pkg.version)).slice(0, 16);
  const out = join(fixtureCacheDir, `${name}-${key}.wasm`);
  if (!existsSync(out)) {
    const tmpDir = join(fixtureCacheDir, "tmp");
    mkdirSync(tmpDir, { recursive: true });
    const temporary = `${out}.${process.pid}.tmp`;
    const job = {
      sourcePath: source,
      witPath: wit,
      worldName: componentFixtures[name],
      outPath: temporary,
      cacheHome: join(fixtureCacheDir, "xdg"),
      tmpDir,
    };
    await run([process.execPath, join(here, "build-component.ts"), JSON.stringify(job)], `componentize ${name}.js`);
    renameSync(temporary, out);
  }
  return fixtureOf(name, out, "wasm-component");
}

/**
 * Compiles the JS components with wasmtime into fixtureWasmtimeCacheDir, when the
 * addon is built. Cranelift takes 35–110 s for a 12 MB JS guest on a busy
 * two-core machine (a fresh CI machine has nothing cached), while the e2e tests
 * give a pod about 30 s to run and the runtime contract less: the first compile
 * belongs here, in fixture building, not inside a pod's start deadline, so those
 * tests measure starting a pod, as on an agent that has run the image before.
 * A cold compile stays tested, on a small module ("compiles on first use and
 * keeps the artifact on disk" in wasmtime-runtime.test.ts). Cheap when cached:
 * the child only loads the compiled files back.
 */
async function precompileForWasmtime(components: WasmFixture[]): Promise<void> {
  if (!findNativeWasmtime().ok || components.length === 0) return;
  await run(
    [process.execPath, join(here, "precompile.ts"), fixtureWasmtimeCacheDir, ...components.map((c) => c.path)],
    `wasmtime precompile of ${components.map((c) => c.name).join(", ")}`,
  );
}

let built: Promise<Record<FixtureName, WasmFixture>> | undefined;

/** Builds (or finds in the cache) every fixture; one build per process. */
export function buildFixtures(): Promise<Record<FixtureName, WasmFixture>> {
  built ??= (async () => {
    mkdirSync(fixtureCacheDir, { recursive: true });
    const wit = witDir();
    // Modules first: cheap, and they fail fast when the C toolchain is missing.
    const modules = await Promise.all(moduleFixtures.map(buildModule));
    // One component at a time: each build is a whole-core job on a 2-core machine,
    // and the second one reuses the first one's warm compilation cache.
    const components: WasmFixture[] = [];
    for (const name of Object.keys(componentFixtures) as (keyof typeof componentFixtures)[]) {
      components.push(await buildComponent(name, wit));
    }
    await precompileForWasmtime(components);
    return Object.fromEntries([...modules, ...components].map((f) => [f.name, f])) as Record<FixtureName, WasmFixture>;
  })();
  return built;
}

/** The image a pod would name for a fixture, as the image store resolves it. */
export function imageOf(fixture: WasmFixture): ResolvedImage {
  return { reference: `localhost/ledge-test/${fixture.name}:latest`, digest: fixture.digest, kind: fixture.kind, path: fixture.path };
}
