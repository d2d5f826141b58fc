/**
 * `tierdiff replay <file|token>`: re-run a case deterministically and localize the divergence
 * (corpus/localize.ts). Exit status 0 when the case passes now, 1 when it still fails, 2 on bad
 * input.
 */
import { parseArgs, UsageError } from "./args.ts";
import { replayCase } from "../corpus/localize.ts";
import { CorpusError, normalizeFaults } from "../corpus/store.ts";
import { asUsageError, loadCaseInput } from "./case-input.ts";

export async function cmdReplay(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv, { trace: "boolean", faults: "string" }, "replay");
  if (a.positional.length !== 1) throw new UsageError("tierdiff replay: expected exactly one corpus file, token or program (see 'tierdiff replay --help')");
  try {
    const input = await loadCaseInput(a.positional[0]!, "replay");
    const f = a.flags.get("faults") as string | undefined;
    let faults: string[] | undefined;
    if (f !== undefined) {
      try {
        faults = normalizeFaults(f.split(","));
      } catch (e) {
        if (e instanceof CorpusError) throw new UsageError(`tierdiff replay: option '--faults': ${e.message}`);
        throw e;
      }
    }
    const r = replayCase(input.case, { trace: a.flags.get("trace") === true, source: input.source, ...(faults !== undefined ? { faults } : {}) });
    process.stdout.write(r.text);
    return r.verdict === "fails" ? 1 : 0;
  } catch (e) {
    throw asUsageError(e, "replay");
  }
}
