// Harness self-test (bounded): with each fault of the catalog (properties/harness/faults.ts) on,
// the differential fuzzer must find a failure within its budget and shrink it to a small case.
// Each fault is a test-only engine switch modeled on a real CPython bug class (function-version
// cache, tier-2 projection, optimizer, executors and invalidation) or one of our own; `tierdiff
// selftest` runs the same catalog with a longer budget and prints the table.
import { afterAll, expect, test } from "vitest";
import { FAULT_CATALOG, formatSelftest, selftestFault, type SelftestRow } from "./harness/faults.ts";
import { fuzzParams } from "./params.ts";

const { runs, seed } = fuzzParams(250, 424242);
const rows: SelftestRow[] = [];

test("the fault catalog has at least 15 faults with distinct names", () => {
  expect(FAULT_CATALOG.length).toBeGreaterThanOrEqual(15);
  expect(new Set(FAULT_CATALOG.map((f) => f.name)).size).toBe(FAULT_CATALOG.length);
});

for (const fault of FAULT_CATALOG) {
  test(`self-test: "${fault.name}" (${fault.models}) is found and shrunk (seed ${seed}, at most ${runs} runs)`, () => {
    const r = selftestFault(fault, runs, seed);
    rows.push(r);
    expect(r.found, `fault "${fault.name}" was not detected in ${runs} runs`).toBe(true);
    // a shrunk counterexample of a few lines (tier-2 faults need a loop, a call and a class)
    expect(r.lines).toBeLessThanOrEqual(30);
  }, 600_000);
}

afterAll(() => {
  if (rows.length > 0) console.log(`harness self-test (seed ${seed}):\n${formatSelftest(rows)}`);
});
