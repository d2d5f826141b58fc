/** `tierdiff selftest`: run the fuzzer against every fault of the catalog and print the table. */
import { parseArgs, UsageError } from "./args.ts";
import { encodeToken } from "../corpus/store.ts";
import { FAULT_CATALOG, faultNamed, formatSelftest, selftestFault, type SelftestRow } from "../properties/harness/faults.ts";

export const SELFTEST_HELP = `usage: tierdiff selftest [--runs N] [--seconds S] [--seed S] [--fault A,B] [--list]

Runs the differential fuzzer against each fault of the catalog (test-only engine switches,
each modeled on a real CPython bug class or one of tierdiff's own) and prints a table:
fault, found (yes/no), runs and seconds to the first failure, shrunk size. Exit status 1 if
any fault went undetected: a harness that cannot find these cannot be trusted to find real bugs.

  --runs N      cases per fault at most (default 1000)
  --seconds S   time limit per fault (default none)
  --seed S      fuzzer seed (default 424242, printed)
  --fault A,B    only these faults (comma-separated); --list prints the catalog

example: tierdiff selftest --runs 300`;

export async function cmdSelftest(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv, { runs: "int", seconds: "int", seed: "int", fault: "string", list: "boolean" }, "selftest");
  if (a.positional.length > 0) throw new UsageError(`tierdiff selftest: takes no positional arguments (got '${a.positional[0]}')`);
  if (a.flags.get("list") === true) {
    for (const f of FAULT_CATALOG) console.log(`${f.name.padEnd(42)} ${f.models.padEnd(22)} ${f.description}`);
    return 0;
  }
  const runs = (a.flags.get("runs") as number | undefined) ?? 1000;
  const seconds = a.flags.get("seconds") as number | undefined;
  const seed = (a.flags.get("seed") as number | undefined) ?? 424242;
  if (runs < 1) throw new UsageError("tierdiff selftest: --runs must be at least 1");
  const names = ((a.flags.get("fault") as string | undefined) ?? "").split(",").filter((n) => n !== "");
  const faults = names.length === 0 ? FAULT_CATALOG : names.map((n) => {
    const f = faultNamed(n);
    if (f === undefined) throw new UsageError(`tierdiff selftest: unknown fault '${n}' (tierdiff selftest --list)`);
    return f;
  });
  console.error(`selftest: ${faults.length} fault(s), at most ${runs} runs each, seed ${seed}`);
  const rows: SelftestRow[] = [];
  for (const f of faults) {
    const r = selftestFault(f, runs, seed, seconds !== undefined ? seconds * 1000 : undefined);
    rows.push(r);
    console.error(`  ${f.name}: ${r.found ? `found after ${r.runs} runs, ${r.seconds.toFixed(1)} s` : `NOT found in ${r.runs} runs`}`);
  }
  console.log(formatSelftest(rows));
  // one token per fault found: `tierdiff replay` shows where and how the fault breaks things
  const found = rows.filter((r) => r.shrunk !== undefined);
  if (found.length > 0) console.log("\nreplay the shrunk cases (tierdiff replay TOKEN --faults NAME):");
  for (const r of found) console.log(`  ${r.fault.name}: ${encodeToken({ ...r.shrunk!, faults: [r.fault.name] })}`);
  return rows.every((r) => r.found) ? 0 : 1;
}
