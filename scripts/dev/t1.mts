import { readFileSync } from "node:fs";
import { listCases } from "../../corpus/cases.ts";
import { parseProgram } from "../../engine/bytecode/asm.ts";
import { runReference, formatLeaks } from "../../oracles/reference/run.ts";
import { runTier1 } from "../../engine/tier1/run.ts";
import { compareOutcomes } from "../../oracles/outcome.ts";
for (const c of listCases()) {
  const p = parseProgram(readFileSync(c.asmPath, "utf8"), c.asmPath);
  const r = runReference(p);
  const t = runTier1(p, { checkStackEffects: true });
  const d = compareOutcomes(r.outcome, t.outcome);
  console.log(`${d.length === 0 && t.leaks.length === 0 ? "AGREE" : "DIFF "} ${c.name} ref=${r.steps} t1=${t.steps}`);
  if (t.leaks.length) console.log(formatLeaks(t.leaks).slice(0, 800));
  for (const x of d) console.log(`  ${x.field}\n    ref: ${x.left.slice(0, 600)}\n    t1:  ${x.right.slice(0, 600)}`);
}
