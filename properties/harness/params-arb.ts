/**
 * Tier-up parameters as part of each case. Fuzzing defaults are small thresholds (re-specialize
 * after a handful of misses); shrinking goes toward CPython's own defaults (the first option).
 */
import fc from "fast-check";
import { CPYTHON_PARAMS, type TierParams } from "./configs.ts";
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
    }),
  },
);
