// `npm test` is the fuzzer: generated programs + tier-up parameters + mutation events
// (fc.commands), run on the reference interpreter and tier 1 side by side; the observable outcome
// must agree after every phase, the invariants (function-version cache, use-after-free, leaks)
// must hold throughout. FUZZ_RUNS / FUZZ_SECONDS / FUZZ_SEED scale and reproduce it; a failure
// prints the seed and path, the shrunk program as Python and bytecode, the events, the parameters
// and the outcomes that differ. A coverage report is printed at the end.
import { afterAll, expect, test } from "vitest";
import fc from "fast-check";
import { differentialProperty } from "./harness/fuzz.ts";
import { Coverage } from "./harness/coverage.ts";
import { fuzzParams, fuzzTimeLimitMs } from "./params.ts";
import { registerCorpusReplay, saveCounterexample } from "../corpus/found-replay.ts";

// the saved failures first (corpus/found): each must pass now (corpus/found-replay.ts)
registerCorpusReplay();

const { runs, seed } = fuzzParams(250, 424242);
const limit = fuzzTimeLimitMs();
const coverage = new Coverage();

test(`differential: reference == tier 1 after every event, invariants hold (seed ${seed}, ${runs} runs)`, () => {
  const t0 = performance.now();
  const r = fc.check(differentialProperty({ coverage }), { numRuns: runs, seed, ...(limit !== undefined ? { interruptAfterTimeLimit: limit } : {}) });
  // a failure is minimized and saved to corpus/found (with its replay token) before it is reported
  if (r.failed) throw new Error((fc.defaultReportMessage(r) ?? "property failed") + saveCounterexample(r));
  const compared = coverage.statuses.get("compared") ?? 0;
  const secs = (performance.now() - t0) / 1000;
  coverage.count(coverage.statuses, `per second ${Math.round(runs / secs)}`, 0);
  // the property must actually compare most cases, not discard them
  expect(compared).toBeGreaterThan(runs * 0.8);
}, 600_000);

afterAll(() => {
  console.log(coverage.format());
});
