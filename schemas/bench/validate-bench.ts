// Measures one write's schema work: defaults + validate for a typical pod and
// deployment, as the API server does on every create and update.
// Run: bun schemas/bench/validate-bench.ts
import { applyDefaults } from "../defaults.ts";
import { findResource } from "../registry.ts";
import * as build from "../testdata/objects.ts";
import { compile, validate } from "../validate.ts";

const ITERATIONS = 20_000;

function measure(label: string, group: string, plural: string, make: () => Record<string, unknown>): void {
  const entry = findResource(group, "v1", plural);
  if (!entry) throw new Error(`no ${plural}`);
  const compileStart = performance.now();
  compile(entry.schema);
  const compileMs = performance.now() - compileStart;
  const bodies = Array.from({ length: ITERATIONS }, make);
  for (const body of bodies.slice(0, 1000)) validate(entry, structuredClone(body));
  const start = performance.now();
  let causes = 0;
  for (const body of bodies) {
    applyDefaults(entry, body);
    causes += validate(entry, body, { fieldValidation: "Strict" }).causes.length;
  }
  const perOp = ((performance.now() - start) * 1000) / ITERATIONS;
  if (causes !== 0) throw new Error(`${label}: fixture unexpectedly invalid`);
  console.log(`${label.padEnd(12)} compile ${compileMs.toFixed(1)} ms, defaults+validate ${perOp.toFixed(1)} µs/op (${Math.round(1e6 / perOp)} ops/s)`);
}

measure("pod", "", "pods", build.pod);
measure("deployment", "apps", "deployments", build.deployment);
measure("service", "", "services", build.service);
