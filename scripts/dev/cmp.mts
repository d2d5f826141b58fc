// Dev helper: run Python cases on the reference interpreter, on tier 1 and on real CPython
// (pyodide) and print where they disagree. Usage: npx tsx scripts/dev/cmp.mts <case.py | case-dir> ...
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { importPython, readPythonFiles } from "../../oracles/cpython/import.ts";
import { runInCPython } from "../../oracles/cpython/run.ts";
import { runReference, formatLeaks } from "../../oracles/reference/run.ts";
import { compareOutcomes } from "../../oracles/outcome.ts";
import { runTier1 } from "../../engine/tier1/run.ts";

for (const arg of process.argv.slice(2)) {
  const files = statSync(arg).isDirectory()
    ? ["main.py", ...readdirSync(arg).filter((f) => f.endsWith(".py") && f !== "main.py").sort()].map((f) => join(arg, f))
    : [arg];
  const mods = readPythonFiles(files);
  const prog = await importPython(mods);
  const r = runReference(prog);
  const c = await runInCPython(mods);
  const d = compareOutcomes(r.outcome, c);
  console.log(`${d.length === 0 && r.leaks.length === 0 ? "AGREE" : "DIFF "} ${arg} (${r.steps} steps)`);
  if (r.leaks.length) console.log(formatLeaks(r.leaks).slice(0, 1500));
  for (const x of d) console.log(`  ${x.field}\n    ref:     ${x.left.slice(0, 1500)}\n    cpython: ${x.right.slice(0, 1500)}`);
  const t = runTier1(prog, { checkStackEffects: true });
  const dt = compareOutcomes(t.outcome, c);
  console.log(`${dt.length === 0 && t.leaks.length === 0 ? "AGREE" : "DIFF "} ${arg} on tier 1`);
  if (t.leaks.length) console.log(formatLeaks(t.leaks).slice(0, 1500));
  for (const x of dt) console.log(`  ${x.field}\n    t1:      ${x.left.slice(0, 1500)}\n    cpython: ${x.right.slice(0, 1500)}`);
  if (process.env["STATS"]) console.log(t.engine.stats.format());
}
