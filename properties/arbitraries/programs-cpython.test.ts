/**
 * The generated programs are valid Python that real CPython 3.14 (pyodide) runs to completion
 * ("ok" or an uncaught exception) — checked independently of tierdiff's code generator, whose
 * symbol table could be more lenient than CPython's — and, where the reference interpreter ran the
 * code generator's bytecode to completion, CPython's outcome is the same (tracebacks compared by
 * function only: the code generator's byte offsets may differ from CPython's compiler's).
 *
 * FUZZ_SEED changes the seed; FUZZ_RUNS scales the number of programs (a fifth of it, at least 10).
 */
import { beforeAll, expect, test } from "vitest";
import fc from "fast-check";
import { programSource } from "../ast/source.ts";
import { getPyodide } from "../../oracles/cpython/pyodide.ts";
import { runInCPython } from "../../oracles/cpython/run.ts";
import { compareOutcomes } from "../../oracles/outcome.ts";
import { fuzzParams } from "../params.ts";
import { programArb } from "./program.ts";
import { compileAndRun } from "./testing.ts";

const { runs, seed: SEED } = fuzzParams(300, 0x7e58);
const RUNS = Math.max(10, Math.round(runs / 5));

beforeAll(async () => {
  await getPyodide();
}, 60_000);

test(`${RUNS} generated programs: CPython runs them, with the reference's outcome (seed ${SEED})`, async () => {
  const programs = fc.sample(programArb(), { seed: SEED, numRuns: RUNS });
  const statuses: Record<string, number> = {};
  const problems: string[] = [];
  for (const [i, p] of programs.entries()) {
    const mods = programSource(p);
    const c = await runInCPython(mods);
    statuses[c.status] = (statuses[c.status] ?? 0) + 1;
    if (c.status !== "ok" && c.status !== "exception") {
      problems.push(`#${i}: CPython status ${c.status}`);
      continue;
    }
    const r = compileAndRun(p);
    if (r.kind !== "ran") continue; // reported by programs.test.ts
    const o = r.result.outcome;
    if (o.status !== "ok" && o.status !== "exception") continue; // reported by programs.test.ts
    const d = compareOutcomes(o, c, { tracebackOffsets: false });
    if (d.length > 0) {
      problems.push(`#${i}: reference != CPython: ${JSON.stringify(d).slice(0, 600)}\n${mods.map((m) => `# ---- ${m.name}\n${m.source}`).join("\n")}`);
    }
  }
  console.log(`arbitraries/cpython: ${RUNS} programs, CPython statuses ${JSON.stringify(statuses)}`);
  expect(problems).toEqual([]);
}, 120_000);
