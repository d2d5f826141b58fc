// dev helper: every corpus case on tier 2 (small thresholds), each pass configuration, vs the reference
import { readFileSync } from "node:fs";
import { listCases } from "../../corpus/cases.ts";
import { parseProgram } from "../../engine/bytecode/asm.ts";
import { runReference, formatLeaks } from "../../oracles/reference/run.ts";
import { runTier1 } from "../../engine/tier1/run.ts";
import { compareOutcomes } from "../../oracles/outcome.ts";
import { ALL_PASSES, NO_PASSES } from "../../engine/tier2/params.ts";
const only = process.argv[2];
const verbose = process.argv.includes("-v");
for (const c of listCases()) {
  if (only !== undefined && only !== "-v" && c.name !== only) continue;
  const p = parseProgram(readFileSync(c.asmPath, "utf8"), c.asmPath);
  const r = runReference(p);
  for (const [pn, passes] of [["all", ALL_PASSES], ["none", NO_PASSES]] as const) {
    const t = runTier1(p, { checkStackEffects: true, tier2: { params: { backedgeThreshold: 3, backedgeBackoff: 2, sideExitThreshold: 3, sideExitBackoff: 2, passes } } });
    const d = compareOutcomes(r.outcome, t.outcome);
    console.log(`${d.length === 0 && t.leaks.length === 0 ? "AGREE" : "DIFF "} ${c.name} [${pn}] ref=${r.steps} t2=${t.steps} executors=${t.engine.tier2!.stats.created}`);
    if (verbose) console.log(t.engine.tier2!.stats.format());
    if (t.leaks.length) console.log(formatLeaks(t.leaks).slice(0, 800));
    for (const x of d) console.log(`  ${x.field}\n    ref: ${x.left.slice(0, 600)}\n    t2:  ${x.right.slice(0, 600)}`);
  }
}
