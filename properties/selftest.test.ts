// Harness self-test: with each of the seed's three fault switches on, the default fuzzing budget
// must find a failure and shrink it to a small counterexample. The fault switches are test-only
// (engine/tier1/funccache.ts FunctionCacheFaults) and modeled on the bug history of the
// function-version cache (gh-108253, PR #117028):
//  - a slot not cleared when its function is deallocated (a dangling borrowed pointer),
//  - a slot left naming a function whose __code__ was replaced (its version is cleared),
//  - a slot left naming a function whose __defaults__ were replaced.
import { afterAll, expect, test } from "vitest";
import fc from "fast-check";
import { differentialProperty, runGeneratedCase, sourceText, type GeneratedCase } from "./harness/fuzz.ts";
import { CaseFailure } from "./harness/case.ts";
import { EventCommand, type EventSpec } from "./harness/event-arbs.ts";
import { minimize } from "./harness/minimize.ts";
import type { ProgramAst } from "./ast/types.ts";
import type { FunctionCacheFaults } from "../engine/tier1/funccache.ts";
import { fuzzParams } from "./params.ts";

const FAULTS: readonly (readonly [string, FunctionCacheFaults])[] = [
  ["cache slot not cleared on function dealloc", { noClearOnFuncDealloc: true }],
  ["slot not cleared on __code__ assignment", { noClearOnCodeAssign: true }],
  ["slot not cleared on __defaults__ assignment", { noClearOnDefaultsAssign: true }],
];

const { runs, seed } = fuzzParams(250, 424242);
const rows: string[] = [];

for (const [name, faults] of FAULTS) {
  test(`self-test: "${name}" is found and shrunk (seed ${seed}, at most ${runs} runs)`, () => {
    const t0 = performance.now();
    const r = fc.check(differentialProperty({ faults }), { numRuns: runs, seed });
    expect(r.failed, `fault "${name}" was not detected in ${runs} runs`).toBe(true);
    const ce = r.counterexample![0] as GeneratedCase;
    // then the minimizer: delete statements and events while the same kind of failure remains
    const kind = (e: unknown): string => (e instanceof CaseFailure ? e.what.split(" ").slice(0, 2).join(" ") : "other");
    const want = kind(r.errorInstance);
    const specs = [...ce.commands].map((c) => ((c as unknown as { cmd?: EventCommand }).cmd ?? (c as EventCommand)).spec);
    const fails = (program: ProgramAst, evs: readonly EventSpec[]): boolean => {
      try {
        runGeneratedCase({ program, params: ce.params, commands: evs.map((e) => new EventCommand(e)) }, { faults });
        return false;
      } catch (e) {
        return kind(e) === want;
      }
    };
    const m = minimize(ce.program, specs, fails);
    const lines = sourceText(m.program).split("\n").filter((l) => l.trim() !== "").length;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    rows.push(`${name.padEnd(46)} found after ${String(r.numRuns).padStart(4)} runs, ${secs.padStart(5)} s; shrunk (${r.numShrinks} fast-check steps, ${m.attempts} minimizer attempts) to ${lines} lines + ${m.events.length} events`);
    // "a shrunk counterexample of a few lines"
    expect(lines).toBeLessThanOrEqual(15);
  }, 600_000);
}

afterAll(() => {
  if (rows.length > 0) console.log(["harness self-test (fault -> detection):", ...rows].join("\n  "));
});
