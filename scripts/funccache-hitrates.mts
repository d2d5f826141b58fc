// Hit rates of the three function-version-cache variants on the corpus, side by side: every
// specialized Python call looks its callee up by version, as tier 2's projector will.
// Run: npx tsx scripts/funccache-hitrates.mts
import { readFileSync } from "node:fs";
import { listCases } from "../corpus/cases.ts";
import { parseProgram } from "../engine/bytecode/asm.ts";
import { runTier1 } from "../engine/tier1/run.ts";
import type { FunctionCacheVariant } from "../engine/tier1/funccache.ts";

const variants: FunctionCacheVariant[] = ["borrowed", "weak", "code-only"];
const totals = new Map(variants.map((v) => [v, { hit: 0, miss: 0, codeHit: 0, codeMiss: 0 }]));
for (const c of listCases()) {
  const p = parseProgram(readFileSync(c.asmPath, "utf8"), c.asmPath);
  for (const v of variants) {
    const r = runTier1(p, { funcCacheVariant: v, probeFunctionCache: true });
    const k = r.engine.funcCache.counters;
    const t = totals.get(v)!;
    t.hit += k.hit; t.miss += k.miss; t.codeHit += k.codeHit; t.codeMiss += k.codeMiss;
  }
}
console.log("variant     lookups  function hits   code hits");
for (const [v, t] of totals) {
  const n = t.hit + t.miss;
  const pct = (x: number): string => (n === 0 ? "-" : `${((100 * x) / n).toFixed(1)}%`);
  console.log(`${v.padEnd(10)} ${String(n).padStart(8)}  ${pct(t.hit).padStart(13)}  ${pct(t.codeHit).padStart(10)}`);
}
