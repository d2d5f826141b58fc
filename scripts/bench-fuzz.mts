// Differential fuzzing throughput on this machine (a benchmark, not a test): cases per second of
// the npm-test property — generation, code generation, verification, the reference interpreter and
// tier 1 with every event and invariant check — with the time split by stage.
// Run: npx tsx scripts/bench-fuzz.mts [cases] [seed]
import fc from "fast-check";
import { caseArb, runGeneratedCase, type GeneratedCase } from "../properties/harness/fuzz.ts";
import { compileProgram } from "../properties/ast/codegen.ts";
import { CaseFailure } from "../properties/harness/case.ts";

const n = Number(process.argv[2] ?? 500);
const seed = Number(process.argv[3] ?? 1);
let t = performance.now();
const cases: GeneratedCase[] = fc.sample(caseArb(), { numRuns: n, seed });
const genMs = performance.now() - t;
t = performance.now();
for (const c of cases) compileProgram(c.program);
const compileMs = performance.now() - t;
let failures = 0, discarded = 0;
t = performance.now();
for (const c of cases) {
  try {
    if (!runGeneratedCase(c)) discarded++;
  } catch (e) {
    if (e instanceof CaseFailure) failures++;
    else throw e;
  }
}
const runMs = performance.now() - t;
const total = genMs + runMs;
console.log(`${n} cases (seed ${seed}): ${failures} failures, ${discarded} discarded`);
console.log(`  generation ${(genMs / n).toFixed(2)} ms/case, code generation ${(compileMs / n).toFixed(2)} ms/case, run+compare (incl. codegen) ${(runMs / n).toFixed(2)} ms/case`);
console.log(`  throughput: ${(n / (total / 1000)).toFixed(0)} differential cases/s on one core (target >= 1000)`);
