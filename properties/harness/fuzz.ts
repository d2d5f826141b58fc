/**
 * The differential fuzzing property: a generated program (compiled by tierdiff's own code
 * generator), tier-up parameters, and a sequence of mutation events as fast-check model-based
 * commands, run on every configuration with outcomes compared after every phase and invariants
 * checked throughout (CaseRun). Used by `npm test` (properties/differential.test.ts), the harness
 * self-test, and later `tierdiff fuzz`.
 */
import fc from "fast-check";
import type { ProgramAst } from "../ast/types.ts";
import { compileProgram } from "../ast/codegen.ts";
import { programSource } from "../ast/source.ts";
import { programArb, callableNames } from "../arbitraries/program.ts";
import type { FunctionCacheFaults } from "../../engine/tier1/funccache.ts";
import type { Tier2Faults } from "../../engine/tier2/params.ts";
import { CaseRun, Discard, type CaseContext } from "./case.ts";
import { tierParamsArb } from "./params-arb.ts";
import { commandsArb, type Model, type Names } from "./event-arbs.ts";
import type { TierParams } from "./configs.ts";
import { Coverage } from "./coverage.ts";

export interface GeneratedCase {
  readonly program: ProgramAst;
  readonly params: TierParams;
  readonly commands: Iterable<fc.Command<Model, CaseRun>>;
}

export function namesOf(p: ProgramAst): Names {
  const main = p.modules[0];
  return {
    functions: callableNames(p).filter((f) => f.module === main?.name).map((f) => ({ name: f.name, arity: f.minArgs })),
    classes: (main?.body ?? []).flatMap((s) => (s.k === "class" ? [s.name] : [])),
  };
}

export function sourceText(p: ProgramAst): string {
  return programSource(p).map((m) => (p.modules.length > 1 ? `# ---- module ${m.name} (${m.filename})\n` : "") + m.source).join("\n");
}

/** Program, parameters and events are independent, so each shrinks on its own (no chain). */
export function caseArb(maxCommands = 6): fc.Arbitrary<GeneratedCase> {
  return fc.record({ program: programArb(), params: tierParamsArb, commands: commandsArb(maxCommands) }).map((c) =>
    Object.assign(c, {
      // what fast-check prints for a counterexample: the program as Python and the parameters
      [fc.toStringMethod]: () => `program:\n${sourceText(c.program)}\nparameters: ${JSON.stringify(c.params)}\nevents: ${[...c.commands].map(String).join("; ") || "(none)"}`,
    }));
}

export interface FuzzOptions {
  readonly stepBudget?: number;
  readonly faults?: FunctionCacheFaults;
  readonly tier2Faults?: Tier2Faults;
  readonly coverage?: Coverage;
}

/** Run one case; throws CaseFailure on any divergence or broken invariant; false when discarded. */
export function runGeneratedCase(c: GeneratedCase, opts: FuzzOptions = {}): boolean {
  const ctx: CaseContext = {
    program: compileProgram(c.program),
    // only a failure report shows the Python source: printed then, not for every case
    get source() {
      return sourceText(c.program);
    },
    params: c.params,
    names: namesOf(c.program),
    stepBudget: opts.stepBudget ?? 200_000,
    ...(opts.faults !== undefined ? { faults: opts.faults } : {}),
    ...(opts.tier2Faults !== undefined ? { tier2Faults: opts.tier2Faults } : {}),
    ...(opts.coverage !== undefined ? { coverage: opts.coverage } : {}),
  };
  try {
    const run = new CaseRun(ctx);
    run.start();
    fc.modelRun(() => ({ model: {}, real: run }), c.commands);
    run.finish();
    opts.coverage?.count(opts.coverage.statuses, "compared");
    return true;
  } catch (e) {
    if (e instanceof Discard) {
      opts.coverage?.count(opts.coverage.statuses, e.status);
      return false;
    }
    throw e;
  }
}

export function differentialProperty(opts: FuzzOptions = {}): fc.IPropertyWithHooks<[GeneratedCase]> {
  return fc.property(caseArb(), (c) => {
    runGeneratedCase(c, opts);
  });
}
