// Dev helper: sample fuzz cases and group the failures by their first line.
import fc from "fast-check";
import { caseArb, runGeneratedCase } from "../../properties/harness/fuzz.ts";
import { CaseFailure } from "../../properties/harness/case.ts";
const n = Number(process.argv[2] ?? 200);
const groups = new Map<string, { count: number; example: string }>();
for (const c of fc.sample(caseArb(), { numRuns: n, seed: Number(process.argv[3] ?? 1) })) {
  try {
    runGeneratedCase(c);
  } catch (e) {
    const key = e instanceof CaseFailure ? e.what.replace(/event \d+: .*/, "event") + " | " + e.report.split("\n")[1]!.slice(0, 160) : String(e).slice(0, 200);
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { count: 1, example: e instanceof CaseFailure ? e.report.slice(0, 1500) : "" });
  }
}
for (const [k, g] of [...groups].sort((a, b) => b[1].count - a[1].count)) console.log(`${g.count} x ${k}`);
if (process.env["SHOW"]) for (const [, g] of groups) console.log("\n=====\n" + g.example);
