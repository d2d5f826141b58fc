// Differential fuzzing throughput on this machine (a benchmark, not a test): cases per second of
// the npm-test property — generation, code generation, verification, the reference interpreter and
// tier 1 with every event and invariant check — with the time split by stage.
// The measurement lives in properties/harness/bench-stats.ts (shared with `tierdiff bench`).
// Run: npx tsx scripts/bench-fuzz.mts [cases] [seed]
import { fuzzThroughput, formatFuzzThroughput } from "../properties/harness/bench-stats.ts";

const cases = Number(process.argv[2] ?? 500);
const seed = Number(process.argv[3] ?? 1);
process.stdout.write(formatFuzzThroughput(fuzzThroughput({ cases, seed })));
