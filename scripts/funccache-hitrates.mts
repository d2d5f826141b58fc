// Hit rates of the three function-version-cache variants on the corpus, side by side: every
// specialized Python call looks its callee up by version, as tier 2's projector will.
// The measurement lives in properties/harness/bench-stats.ts (shared with `tierdiff bench`).
// Run: npx tsx scripts/funccache-hitrates.mts
import { funcCacheHitRates, formatHitRates } from "../properties/harness/bench-stats.ts";

process.stdout.write(formatHitRates(funcCacheHitRates()));
