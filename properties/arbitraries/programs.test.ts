/**
 * The program arbitraries make valid programs: sampled with a fixed seed, every program compiles
 * with tierdiff's code generator, passes the verifier and runs on the reference interpreter within
 * the harness's step budget with status "ok" or "exception" (>= 95%; the rest is printed with its
 * reason). Also: every feature alone, the callables a harness may call, determinism, speed, and
 * that fast-check's shrinking only ever produces valid programs.
 *
 * FUZZ_SEED / FUZZ_RUNS change the seed and the number of sampled programs.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import type { ProgramAst, Stmt } from "../ast/types.ts";
import { fuzzParams } from "../params.ts";
import { FEATURE_KINDS } from "./feature.ts";
import { callableNames, programArb } from "./program.ts";
import { compileAndRun, generatorFailure, isValidRun, KNOWN_ENGINE_BUGS, statusOf, type RunClass } from "./testing.ts";
import { call, handler, int, try_, print, str } from "./build.ts";

const { runs: RUNS, seed: SEED } = fuzzParams(300, 0x7e57);
console.log(`arbitraries/programs: seed ${SEED}, ${RUNS} programs (FUZZ_SEED / FUZZ_RUNS to change)`);

function tally(results: readonly RunClass[]): { table: Record<string, number>; failures: string[]; valid: number } {
  const table: Record<string, number> = {};
  const failures: string[] = [];
  let valid = 0;
  for (const r of results) {
    const s = statusOf(r);
    table[s] = (table[s] ?? 0) + 1;
    if (isValidRun(r)) valid++;
    const f = generatorFailure(r);
    if (f !== undefined) failures.push(f.slice(0, 400));
  }
  return { table, failures, valid };
}

function report(label: string, results: readonly RunClass[]): ReturnType<typeof tally> {
  const t = tally(results);
  console.log(`${label}: ${JSON.stringify(t.table)}`);
  if (t.failures.length > 0) console.log(`${label}: not ok/exception:\n  ${t.failures.join("\n  ")}`);
  if (t.table["internal-error (known engine bug)"] !== undefined) {
    console.log(`${label}: known engine bugs hit:\n  ${KNOWN_ENGINE_BUGS.map((b) => b.what).join("\n  ")}`);
  }
  return t;
}

/** Statement kinds of `__main__`'s top level. */
const kinds = (p: ProgramAst): string[] => p.modules[0]!.body.map((s) => s.k);

describe("programArb", () => {
  test(`${RUNS} sampled programs compile, verify and run ok/exception (>= 95%)`, () => {
    const t0 = performance.now();
    const programs = fc.sample(programArb(), { seed: SEED, numRuns: RUNS });
    const genMs = performance.now() - t0;
    console.log(`generation: ${RUNS} programs in ${genMs.toFixed(0)} ms (${((RUNS / genMs) * 1000).toFixed(0)} programs/s)`);
    const t1 = performance.now();
    const results = programs.map(compileAndRun);
    console.log(`compile + verify + run: ${(performance.now() - t1).toFixed(0)} ms`);
    const steps = results.flatMap((r) => (r.kind === "ran" ? [r.result.steps] : []));
    console.log(`steps per program: max ${Math.max(...steps)}, mean ${(steps.reduce((a, b) => a + b, 0) / steps.length).toFixed(0)}`);
    const t = report("programs", results);
    // Known engine bugs are reported, not blamed on the generators.
    expect(t.failures.length / RUNS).toBeLessThanOrEqual(0.05);
    expect(t.table["codegen-error"] ?? 0).toBe(0);
    expect(t.table["verify-error"] ?? 0).toBe(0);
    expect(t.table["budget"] ?? 0).toBe(0);
    expect(t.table["unsupported"] ?? 0).toBe(0);
    expect(t.table["internal-error"] ?? 0).toBe(0);
  });

  test("every feature alone makes valid programs", () => {
    const results: RunClass[] = [];
    for (const [i, kind] of FEATURE_KINDS.entries()) {
      const programs = fc.sample(programArb({ enabled: [kind], features: { min: 1, max: 1 } }), { seed: SEED + i, numRuns: 25 });
      const rs = programs.map(compileAndRun);
      const t = report(`feature ${kind}`, rs);
      expect(t.failures, `feature ${kind}`).toEqual([]);
      results.push(...rs);
    }
    expect(results.length).toBe(25 * FEATURE_KINDS.length);
  });

  test("deterministic for a seed; options are honoured", () => {
    const a = fc.sample(programArb(), { seed: SEED, numRuns: 20 });
    const b = fc.sample(programArb(), { seed: SEED, numRuns: 20 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    for (const p of fc.sample(programArb({ modules: { min: 2, max: 3 }, features: { min: 2, max: 4 } }), { seed: SEED, numRuns: 50 })) {
      expect(p.modules.length).toBeGreaterThanOrEqual(2);
      expect(p.modules.length).toBeLessThanOrEqual(3);
      expect(new Set(p.modules.map((m) => m.name)).size).toBe(p.modules.length);
    }
    for (const p of fc.sample(programArb({ modules: { max: 1 } }), { seed: SEED, numRuns: 50 })) expect(p.modules.length).toBe(1);
    for (const p of fc.sample(programArb({ enabled: ["recursion"], features: { min: 3, max: 3 } }), { seed: SEED, numRuns: 10 })) {
      const names = p.modules[0]!.body.flatMap((s) => (s.k === "def" ? [s.name] : []));
      expect(names).toContain("f2_rec");
      expect(kinds(p)).not.toContain("import");
    }
  });

  test("callableNames: module-level functions, callable from outside with small ints", () => {
    const programs = fc.sample(programArb(), { seed: SEED + 1, numRuns: 60 });
    let checked = 0;
    const statuses: Record<string, number> = {};
    for (const p of programs) {
      const fns = callableNames(p);
      const main = p.modules[0]!;
      for (const f of fns) {
        const m = p.modules.find((x) => x.name === f.module)!;
        const d = m.body.find((s): s is Extract<Stmt, { k: "def" }> => s.k === "def" && s.name === f.name)!;
        expect(d.params.length).toBe(f.maxArgs);
        expect(f.minArgs).toBeLessThanOrEqual(f.maxArgs);
      }
      // Append "harness" calls of every __main__ callable, each twice with small int args.
      const calls: Stmt[] = fns
        .filter((f) => f.module === main.name)
        .flatMap((f) => {
          const args = Array.from({ length: f.minArgs }, (_, k) => int(k + 2));
          const c = try_([print(str(`call ${f.name}`), call(f.name, ...args))], [handler("Exception", [print(str(`raised ${f.name}`))])]);
          return [c, c];
        });
      const withCalls: ProgramAst = { modules: [{ name: main.name, body: [...main.body, ...calls] }, ...p.modules.slice(1)] };
      const r = compileAndRun(withCalls);
      statuses[statusOf(r)] = (statuses[statusOf(r)] ?? 0) + 1;
      expect(generatorFailure(r), JSON.stringify(fns)).toBeUndefined();
      if (r.kind === "ran" && r.result.outcome.status === "ok") {
        // each listed function is still a function at the end (the program never rebinds it)
        const globals = new Map(r.result.outcome.globals["__main__"] ?? []);
        for (const f of fns.filter((x) => x.module === main.name)) expect(globals.get(f.name) ?? "", f.name).toMatch(/^<function /);
        checked++;
      }
    }
    console.log(`callables: ${JSON.stringify(statuses)}`);
    expect(checked).toBeGreaterThan(20);
  });

  test("shrinking keeps programs valid", () => {
    // Properties that fail on purpose: the first on a program with at least one feature, then
    // shrinking accepts about one candidate in three (a pseudo-random choice), so it explores
    // several candidates per step and walks deep. Every program shown to the property — generated
    // ones and every shrink candidate — must be valid. Three seeds, up to 120 programs each.
    const CAP = 120;
    let checked = 0;
    let shrinks = 0;
    const failures: string[] = [];
    for (const seed of [SEED, SEED + 1, SEED + 2]) {
      let seen = 0;
      let firstFailing: ProgramAst | undefined;
      let h = seed;
      const outcome = fc.check(
        fc.property(programArb({ features: { min: 1, max: 5 } }), (p) => {
          if (seen < CAP) {
            seen++;
            const f = generatorFailure(compileAndRun(p));
            if (f !== undefined) failures.push(f.slice(0, 300));
          }
          if (firstFailing === undefined) {
            firstFailing = p;
            return false;
          }
          h = (h * 1103515245 + 12345) % 2147483648;
          return seen < CAP && h % 3 !== 0;
        }),
        { seed, numRuns: 5 },
      );
      expect(outcome.failed).toBe(true);
      checked += seen;
      shrinks += outcome.numShrinks;
      // the final counterexample is valid and no bigger than the first failing program
      const final = outcome.counterexample![0];
      expect(generatorFailure(compileAndRun(final))).toBeUndefined();
      expect(JSON.stringify(final).length).toBeLessThanOrEqual(JSON.stringify(firstFailing).length);
    }
    console.log(`shrinking: ${checked} programs checked, ${shrinks} shrink steps`);
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });
});
