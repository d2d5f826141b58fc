import fc from "fast-check";
import { caseArb, runGeneratedCase } from "../../properties/harness/fuzz.ts";
const cases = fc.sample(caseArb(), { numRuns: 200, seed: 5 });
for (const c of cases.slice(0, 20)) runGeneratedCase(c);
const t = performance.now();
for (const c of cases) runGeneratedCase(c);
console.log(((performance.now() - t) / cases.length).toFixed(2), "ms/case");
