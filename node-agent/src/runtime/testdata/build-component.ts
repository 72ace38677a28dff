// Child-process entry for fixtures.ts: componentizes one JS source. It runs apart
// from the test process because componentize-js needs the preview2 shim's
// process-global preopens widened to "/" (its WIT tooling is itself a transpiled
// component), which no test process should carry around.
import { componentize } from "@bytecodealliance/componentize-js";
import { _setPreopens } from "@bytecodealliance/preview2-shim/filesystem";

interface Job {
  sourcePath: string;
  witPath: string;
  worldName: string;
  outPath: string;
  /** XDG_CACHE_HOME for wizer's compilation cache: a warm one saves most of a build. */
  cacheHome: string;
  tmpDir: string;
}

const job = JSON.parse(process.argv[2] ?? "{}") as Job;
// Typed after the browser flavour (file data); the Node flavour takes host paths.
(_setPreopens as (preopens: Record<string, string>) => void)({ "/": "/" });
// Without an explicit env the pre-initialiser runs with an empty environment and
// writes its cache under ~/.cache.
const { component } = await componentize({
  sourcePath: job.sourcePath,
  witPath: job.witPath,
  worldName: job.worldName,
  env: { XDG_CACHE_HOME: job.cacheHome, TMPDIR: job.tmpDir, HOME: job.tmpDir },
});
await Bun.write(job.outPath, component);
// The shim's I/O worker would otherwise keep this process alive.
process.exit(0);
