/**
 * Tier-up parameters as part of each case. Fuzzing defaults are small thresholds (re-specialize
 * after a handful of misses); shrinking goes toward CPython's own defaults (the first option).
 */
import fc from "fast-check";
import { CPYTHON_PARAMS, PASS_VARIANTS, type PassVariant, type TierParams } from "./configs.ts";
import type { FunctionCacheVariant } from "../../engine/tier1/funccache.ts";

export const tierParamsArb: fc.Arbitrary<TierParams> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(CPYTHON_PARAMS) },
  {
    weight: 4,
    arbitrary: fc.record({
      warmup: fc.integer({ min: 0, max: 3 }),
      // cooldown >= 1: with 0, a form that deopts at once on re-dispatch would re-specialize forever
      // (in CPython too)
      cooldown: fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant(52)),
      funcCacheVariant: fc.constantFrom<FunctionCacheVariant>("borrowed", "weak", "code-only"),
      t2: fc.record({
        // small thresholds so that the short generated loops reach tier 2 and its side exits
        backedge: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(4096)),
        sideExit: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(4096)),
        maxTrace: fc.oneof(fc.constant(800), fc.integer({ min: 8, max: 60 })),
        passes: fc.constantFrom<PassVariant>(...PASS_VARIANTS),
        traceStack: fc.constantFrom(5, 1, 2),
      }),
    }),
  },
);
