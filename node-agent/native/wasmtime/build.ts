#!/usr/bin/env bun
// Builds the wasmtime addon (this crate) with cargo and puts it where the agent
// loads it from (ledge_wasmtime.node beside this file, ignored by git). Cargo's
// target directory lives outside the clone (~/.cache/ledge/cargo-target, or
// LEDGE_CARGO_TARGET_DIR) so clones and `git clean` keep the compiled crates:
// a cold build of wasmtime is many minutes on two cores, a repeat one seconds.
//
//   bun node-agent/native/wasmtime/build.ts             build; fail when cargo is missing or fails
//   bun node-agent/native/wasmtime/build.ts --optional  (postinstall) without cargo, say so and succeed
import { copyFileSync, existsSync, mkdirSync, renameSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const crateDir = import.meta.dir;
export const addonPath = join(crateDir, "ledge_wasmtime.node");
export const cargoTargetDir = () => process.env.LEDGE_CARGO_TARGET_DIR ?? join(homedir(), ".cache", "ledge", "cargo-target");

export const cargo = (): string | null => Bun.which("cargo") ?? (existsSync(join(homedir(), ".cargo/bin/cargo")) ? join(homedir(), ".cargo/bin/cargo") : null);

export async function buildAddon(): Promise<void> {
  const cargoBin = cargo();
  if (!cargoBin) throw new Error("no Rust toolchain (cargo) on PATH: install one with rustup to build the wasmtime engine");
  const targetDir = cargoTargetDir();
  mkdirSync(targetDir, { recursive: true });
  // Two jobs at most: edge machines and CI runners have few cores, and the agent may be running beside.
  const jobs = process.env.LEDGE_CARGO_JOBS ?? "2";
  const child = Bun.spawn([cargoBin, "build", "--release", "--locked", "-j", jobs], {
    cwd: crateDir,
    env: { ...process.env, CARGO_TARGET_DIR: targetDir },
    stdout: "inherit",
    stderr: "inherit",
    stdin: "ignore",
  });
  const code = await child.exited;
  if (code !== 0) throw new Error(`cargo build of ${crateDir} failed (exit ${code})`);
  const built = join(targetDir, "release", "libledge_wasmtime.so");
  // Through a rename: an agent loading the addon right now never sees half a file.
  const temporary = `${addonPath}.${process.pid}.tmp`;
  copyFileSync(built, temporary);
  renameSync(temporary, addonPath);
}

if (import.meta.main) {
  const optional = process.argv.includes("--optional");
  if (optional && !cargo()) {
    console.warn("ledge: no Rust toolchain (cargo): the wasmtime Wasm engine is not built; the agent will run Wasm pods with jco");
    process.exit(0);
  }
  const started = performance.now();
  try {
    await buildAddon();
    console.log(`ledge: wasmtime engine built in ${((performance.now() - started) / 1000).toFixed(1)} s → ${addonPath}`);
  } catch (error) {
    if (!optional) throw error;
    console.warn(`ledge: ${(error as Error).message}; the agent will run Wasm pods with jco`);
  }
}
