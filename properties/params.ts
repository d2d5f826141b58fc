/**
 * Budget and seed of the property tests, from the environment (documented in README):
 *   FUZZ_RUNS   runs per property (default: each property's own small default)
 *   FUZZ_SEED   fast-check seed (default: fixed per property, so `npm test` is reproducible)
 *   FUZZ_SECONDS  time limit per property in seconds (default: none; runs stop early when it is hit)
 */
export function fuzzParams(defaultRuns: number, defaultSeed = 20261121): { runs: number; seed: number } {
  const runs = process.env["FUZZ_RUNS"] !== undefined ? Number(process.env["FUZZ_RUNS"]) : defaultRuns;
  const seed = process.env["FUZZ_SEED"] !== undefined ? Number(process.env["FUZZ_SEED"]) : defaultSeed;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, got '${process.env["FUZZ_RUNS"]}'`);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got '${process.env["FUZZ_SEED"]}'`);
  return { runs, seed };
}

/** FUZZ_SECONDS as milliseconds for fast-check's interruptAfterTimeLimit, or undefined. */
export function fuzzTimeLimitMs(): number | undefined {
  const v = process.env["FUZZ_SECONDS"];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`FUZZ_SECONDS must be a positive number, got '${v}'`);
  return n * 1000;
}
