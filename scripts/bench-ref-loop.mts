// Measures the reference interpreter and tier 1 on a loop benchmark beside `python3` on this machine,
// in one run (a benchmark, not a test: it never fails on speed).
// Run: npx tsx scripts/bench-ref-loop.mts [iterations]
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { importPython } from "../oracles/cpython/import.ts";
import { runReference } from "../oracles/reference/run.ts";
import { runTier1 } from "../engine/tier1/run.ts";

const n = Number(process.argv[2] ?? 200_000);
const src = readFileSync(new URL("./bench/loop.py", import.meta.url), "utf8").replace("ITERATIONS", String(n));
const prog = await importPython([{ name: "__main__", filename: "loop.py", source: src }]);
runReference(prog); // warm up the JS JIT
const t0 = performance.now();
const r = runReference(prog, { stepBudget: 1e9 });
const refSec = (performance.now() - t0) / 1000;
runTier1(prog);
const t1start = performance.now();
runTier1(prog, { stepBudget: 1e9 });
const t1Sec = (performance.now() - t1start) / 1000;
let py: number | undefined;
try {
  const out = execFileSync("python3", ["-c", `import time\nsrc=${JSON.stringify(src)}\nt=time.perf_counter()\nexec(compile(src,'loop.py','exec'),{'__name__':'__main__'})\nprint(time.perf_counter()-t)`], { encoding: "utf8" });
  py = Number(out.trim().split("\n").pop());
} catch {
  py = undefined;
}
const ver = (() => { try { return execFileSync("python3", ["--version"], { encoding: "utf8" }).trim(); } catch { return "no python3"; } })();
console.log(`loop benchmark, ${n} iterations (${r.steps} bytecode instructions on the reference)`);
console.log(`  reference: ${(n / refSec).toFixed(0)} iterations/s (${(r.steps / refSec / 1e6).toFixed(2)} M instructions/s)`);
console.log(`  tier 1:    ${(n / t1Sec).toFixed(0)} iterations/s (${(r.steps / t1Sec / 1e6).toFixed(2)} M instructions/s)`);
if (py !== undefined) console.log(`  ${ver}: ${(n / py).toFixed(0)} iterations/s; reference/python3 = ${(py / refSec).toFixed(3)}x, t1/python3 = ${(py / t1Sec).toFixed(3)}x`);
