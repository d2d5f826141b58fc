/**
 * The generators hit what they aim at, measured on tier 1 (low warm-up and cooldown, as a harness
 * runs it):
 *  - a sample of programs reaches the specialized forms of every family the subset has, and their
 *    guards fail (misses: deopts after the program changed something);
 *  - with a function-version-cache fault switched on (each disables one clearing rule) and the
 *    tier-2-like cache probe at every specialized Python call, closure-loop programs expose the
 *    fault (a use-after-free) for the rules reachable before tier 2 exists.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { compileProgram } from "../ast/codegen.ts";
import { runTier1 } from "../../engine/tier1/run.ts";
import type { FunctionCacheFaults } from "../../engine/tier1/funccache.ts";
import { fuzzParams } from "../params.ts";
import { programArb } from "./program.ts";
import { STEP_BUDGET } from "./testing.ts";

const { seed: SEED } = fuzzParams(1, 0xa135);
const LOW = { warmupValue: 0, warmupBackoff: 0, cooldownValue: 1, cooldownBackoff: 0 };

describe("aims", () => {
  test("specialized forms reached and deoptimized", () => {
    const forms = new Set<string>();
    const misses = new Map<string, number>();
    for (const p of fc.sample(programArb(), { seed: SEED, numRuns: 150 })) {
      const r = runTier1(compileProgram(p), { stepBudget: STEP_BUDGET, params: LOW });
      for (const f of r.engine.stats.forms.keys()) forms.add(f);
      for (const [fam, s] of r.engine.stats.families) misses.set(fam, (misses.get(fam) ?? 0) + s.miss);
    }
    console.log(`aims: ${forms.size} specialized forms reached: ${[...forms].sort().join(" ")}`);
    console.log(`aims: misses per family: ${JSON.stringify(Object.fromEntries(misses))}`);
    for (const f of [
      "BINARY_OP_ADD_INT", "BINARY_OP_ADD_FLOAT", "BINARY_OP_ADD_UNICODE", "BINARY_OP_SUBSCR_LIST_INT", "BINARY_OP_SUBSCR_DICT",
      "CALL_PY_EXACT_ARGS", "CALL_PY_GENERAL", "CALL_BOUND_METHOD_EXACT_ARGS", "CALL_ALLOC_AND_ENTER_INIT", "CALL_BUILTIN_O",
      "CALL_LEN", "CALL_LIST_APPEND", "CALL_KW_PY", "COMPARE_OP_INT", "FOR_ITER_RANGE", "FOR_ITER_LIST", "FOR_ITER_TUPLE",
      "LOAD_ATTR_INSTANCE_VALUE", "LOAD_ATTR_METHOD_WITH_VALUES", "LOAD_ATTR_MODULE", "LOAD_ATTR_CLASS",
      "LOAD_GLOBAL_MODULE", "LOAD_GLOBAL_BUILTIN", "STORE_ATTR_INSTANCE_VALUE", "TO_BOOL_INT", "UNPACK_SEQUENCE_TWO_TUPLE",
    ]) {
      expect(forms, f).toContain(f);
    }
    for (const fam of ["CALL", "LOAD_ATTR", "LOAD_GLOBAL", "BINARY_OP", "STORE_ATTR"]) expect(misses.get(fam) ?? 0, fam).toBeGreaterThan(0);
  });

  test("closure-loop programs expose seeded function-version-cache faults", () => {
    const programs = fc
      .sample(programArb({ enabled: ["closure-loop"], features: { min: 1, max: 2 } }), { seed: SEED, numRuns: 60 })
      .map((p) => compileProgram(p));
    const exposed: Record<string, number> = {};
    const faults: (keyof FunctionCacheFaults)[] = ["noClearOnFuncDealloc", "noClearOnCodeAssign", "noClearOnDefaultsAssign"];
    for (const fault of faults) {
      let n = 0;
      for (const prog of programs) {
        const r = runTier1(prog, { stepBudget: STEP_BUDGET, params: LOW, probeFunctionCache: true, faults: { [fault]: true } });
        if (r.outcome.status === "internal-error" && /use-after-free/.test(r.outcome.internalError ?? "")) n++;
      }
      exposed[fault] = n;
    }
    console.log(`aims: programs (of ${programs.length}) exposing each cache fault: ${JSON.stringify(exposed)}`);
    for (const fault of faults) expect(exposed[fault], fault).toBeGreaterThan(0);
    // without the fault every one of them runs cleanly
    for (const prog of programs) {
      const r = runTier1(prog, { stepBudget: STEP_BUDGET, params: LOW, probeFunctionCache: true });
      expect(r.outcome.status === "ok" || r.outcome.status === "exception", r.outcome.internalError).toBe(true);
    }
  });
});
