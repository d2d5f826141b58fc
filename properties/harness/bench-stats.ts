/**
 * Measurements shared by `tierdiff bench` and the scripts scripts/bench-fuzz.mts and
 * scripts/funccache-hitrates.mts (benchmarks, never tests: nothing here fails on speed):
 *  - differential fuzzing throughput: cases per second of the npm-test property (generation,
 *    tierdiff's code generator, verification, the reference interpreter and tier 1 with every
 *    event and invariant check), with the time split by stage;
 *  - hit rates of the three function-version-cache variants on the corpus: every specialized
 *    Python call looks its callee up by version, as tier 2's projector will.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { caseArb, runGeneratedCase, type GeneratedCase } from "./fuzz.ts";
import { CaseFailure } from "./case.ts";
import { compileProgram } from "../ast/codegen.ts";
import { listCases } from "../../corpus/cases.ts";
import { parseProgram } from "../../engine/bytecode/asm.ts";
import { runTier1 } from "../../engine/tier1/run.ts";
import type { FunctionCacheVariant } from "../../engine/tier1/funccache.ts";

export interface FuzzThroughput {
  readonly cases: number;
  readonly seed: number;
  readonly failures: number;
  readonly discarded: number;
  /** milliseconds per case */
  readonly generationMs: number;
  readonly codegenMs: number;
  /** run + compare, code generation included */
  readonly runMs: number;
  /** differential cases per second (generation + run) */
  readonly casesPerSecond: number;
}

export interface FuzzThroughputOptions {
  readonly seed?: number;
  /** a fixed number of cases ... */
  readonly cases?: number;
  /** ... or keep going (in batches) until this many seconds have passed; at least `minCases` */
  readonly seconds?: number;
  readonly minCases?: number;
  /** called after every batch with the cases done so far */
  readonly progress?: (done: number) => void;
}

/** Differential fuzzing throughput on this machine (one core). */
export function fuzzThroughput(opts: FuzzThroughputOptions = {}): FuzzThroughput {
  const seed = opts.seed ?? 1;
  const fixed = opts.cases;
  const seconds = opts.seconds ?? 0;
  const minCases = opts.minCases ?? 1;
  const batchSize = 10;
  let genMs = 0, compileMs = 0, runMs = 0, failures = 0, discarded = 0, done = 0;
  for (let batch = 0; ; batch++) {
    const size = fixed !== undefined ? fixed : batchSize;
    let t = performance.now();
    // batch 0 with the given seed is exactly `fc.sample(caseArb(), {numRuns, seed})`
    const cases: GeneratedCase[] = fc.sample(caseArb(), { numRuns: size, seed: seed + batch });
    genMs += performance.now() - t;
    t = performance.now();
    for (const c of cases) compileProgram(c.program);
    compileMs += performance.now() - t;
    t = performance.now();
    for (const c of cases) {
      try {
        if (!runGeneratedCase(c)) discarded++;
      } catch (e) {
        if (e instanceof CaseFailure) failures++;
        else throw e;
      }
    }
    runMs += performance.now() - t;
    done += cases.length;
    opts.progress?.(done);
    if (fixed !== undefined) break;
    if ((genMs + runMs) / 1000 >= seconds && done >= minCases) break;
  }
  const n = Math.max(1, done);
  return {
    cases: done,
    seed,
    failures,
    discarded,
    generationMs: genMs / n,
    codegenMs: compileMs / n,
    runMs: runMs / n,
    casesPerSecond: done === 0 ? 0 : done / ((genMs + runMs) / 1000),
  };
}

export function formatFuzzThroughput(r: FuzzThroughput): string {
  return (
    `${r.cases} cases (seed ${r.seed}): ${r.failures} failures, ${r.discarded} discarded\n` +
    `  generation ${r.generationMs.toFixed(2)} ms/case, code generation ${r.codegenMs.toFixed(2)} ms/case, run+compare (incl. codegen) ${r.runMs.toFixed(2)} ms/case\n` +
    `  throughput: ${r.casesPerSecond.toFixed(0)} differential cases/s on one core (target >= 1000)\n`
  );
}

export interface HitRateRow {
  readonly variant: FunctionCacheVariant;
  /** lookups by version at specialized Python calls */
  readonly lookups: number;
  readonly functionHits: number;
  readonly codeHits: number;
}

export const FUNC_CACHE_VARIANTS: readonly FunctionCacheVariant[] = ["borrowed", "weak", "code-only"];

/** Hit rates of the function-version-cache variants on the corpus (corpus/cases/*.tda on tier 1). */
export function funcCacheHitRates(): HitRateRow[] {
  const totals = new Map(FUNC_CACHE_VARIANTS.map((v) => [v, { hit: 0, miss: 0, codeHit: 0, codeMiss: 0 }]));
  for (const c of listCases()) {
    const p = parseProgram(readFileSync(c.asmPath, "utf8"), c.asmPath);
    for (const v of FUNC_CACHE_VARIANTS) {
      const r = runTier1(p, { funcCacheVariant: v, probeFunctionCache: true });
      const k = r.engine.funcCache.counters;
      const t = totals.get(v)!;
      t.hit += k.hit;
      t.miss += k.miss;
      t.codeHit += k.codeHit;
      t.codeMiss += k.codeMiss;
    }
  }
  return [...totals].map(([variant, t]) => ({ variant, lookups: t.hit + t.miss, functionHits: t.hit, codeHits: t.codeHit }));
}

export function formatHitRates(rows: readonly HitRateRow[]): string {
  const lines = ["variant     lookups  function hits   code hits"];
  for (const r of rows) {
    const pct = (x: number): string => (r.lookups === 0 ? "-" : `${((100 * x) / r.lookups).toFixed(1)}%`);
    lines.push(`${r.variant.padEnd(10)} ${String(r.lookups).padStart(8)}  ${pct(r.functionHits).padStart(13)}  ${pct(r.codeHits).padStart(10)}`);
  }
  return lines.join("\n") + "\n";
}
