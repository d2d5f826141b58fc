/**
 * Running one fuzz case — a program, the events applied to it, and the tier-up parameters — on
 * every configuration side by side, comparing the observable outcome after every phase and
 * checking the invariants (function-version cache, use-after-free, leaks) as it goes. A failure
 * becomes a readable report: Python source, dis listing, events, parameters, the outcomes that
 * differ and which field, or the invariant that broke.
 */
import type { ProgramDef } from "../../engine/bytecode/code.ts";
import { verifyProgram } from "../../engine/bytecode/verify.ts";
import { disassembleProgram } from "../../engine/bytecode/dis.ts";
import { Session, type PhaseResult } from "../../oracles/session.ts";
import { compareOutcomes, type Outcome } from "../../oracles/outcome.ts";
import { formatLeaks, onlyCyclicGarbage, type Leak } from "../../oracles/invariants/leaks.ts";
import type { FunctionCacheFaults } from "../../engine/tier1/funccache.ts";
import type { Tier2Faults } from "../../engine/tier2/params.ts";
import { referenceEngine, tier1Engine, tier2Engine, type HarnessEngine, type TierParams } from "./configs.ts";
import { applyEvent, eventSource, type Event } from "./events.ts";
import { Coverage } from "./coverage.ts";
import type { Names } from "./event-arbs.ts";

export class CaseFailure extends Error {
  constructor(
    readonly what: string,
    readonly report: string,
  ) {
    super(`${what}\n${report}`);
    this.name = "CaseFailure";
  }
}

/** The reference ran out of budget or used something tierdiff does not model: not compared. */
export class Discard extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
  /** the coverage report's status for it */
  get status(): string {
    const kind = this.reason.startsWith("unsupported") ? "unsupported" : this.reason.includes("reference cycle") ? "reference cycle" : "budget";
    return `discarded (${kind})`;
  }
}

export interface CaseContext {
  readonly program: ProgramDef;
  /** Python source of the program, when it came from an AST */
  readonly source?: string;
  readonly params: TierParams;
  readonly stepBudget: number;
  readonly faults?: FunctionCacheFaults;
  readonly coverage?: Coverage;
  /** the program's functions and classes events can name */
  readonly names?: Names;
  /** every configuration gets exactly stepBudget (replay's divergence localization) */
  readonly exactBudget?: boolean;
  /** test-only tier-2 fault switches (the fault catalog, properties/harness/faults.ts) */
  readonly tier2Faults?: Tier2Faults;
}

/** The sessions of one case, driven phase by phase. */
export class CaseRun {
  readonly engines: HarnessEngine[];
  readonly sessions: Session[];
  private readonly log: string[] = [];
  readonly names: Names;

  constructor(readonly ctx: CaseContext) {
    verifyProgram(ctx.program);
    this.names = ctx.names ?? { functions: [], classes: [] };
    const build = { stepBudget: ctx.stepBudget, params: ctx.params, ...(ctx.faults !== undefined ? { faults: ctx.faults } : {}), ...(ctx.exactBudget === true ? { exactBudget: true } : {}), ...(ctx.tier2Faults !== undefined ? { tier2Faults: ctx.tier2Faults } : {}) };
    // tier 2 twice: all passes, and the variant the case picked (none, or one pass alone)
    const variant = ctx.params.t2?.passes ?? "none";
    this.engines = [referenceEngine(ctx.program, build), tier1Engine(ctx.program, build), tier2Engine(ctx.program, build, "all"), tier2Engine(ctx.program, build, variant)];
    this.sessions = this.engines.map((e) => new Session(e));
  }

  start(): void {
    this.compare("start", this.sessions.map((s) => s.start()), true);
  }

  apply(e: Event): void {
    this.log.push(eventSource(e));
    this.compare(`event ${this.log.length}: ${eventSource(e)}`, this.sessions.map((s, i) => s.step(() => applyEvent(s, this.engines[i]!, e))), false);
  }

  finish(): void {
    const results = this.sessions.map((s) => s.finish());
    this.compare("teardown", results, false);
    // a reference cycle the program made (cyclic garbage in the reference, and the same objects
    // in every configuration) is outside the subset: CPython's cyclic GC would collect it
    // (tier 2's executors of a function the cycle keeps alive are part of its garbage, but only
    // the tiered configurations have them: they are left out of the comparison)
    const kinds = (ls: readonly Leak[]): string => ls.filter((l) => !l.executor).map((l) => `${l.object} refcnt ${l.refcnt}`).sort().join("\n");
    const refLeaks = results[0]!.leaks;
    if (onlyCyclicGarbage(refLeaks) && results.every((r) => onlyCyclicGarbage(r.leaks) && kinds(r.leaks) === kinds(refLeaks))) {
      throw new Discard(`the program leaves a reference cycle (${refLeaks.length} object(s)); no cyclic GC is modeled`);
    }
    results.forEach((r, i) => {
      if (r.leaks.length > 0) this.fail(`leak after teardown in ${this.engines[i]!.name}`, formatLeaks(r.leaks));
    });
    if (this.ctx.coverage !== undefined) for (const e of this.engines) this.ctx.coverage.record(e);
  }

  private compare(phase: string, results: PhaseResult[], isStart: boolean): void {
    const ref = results[0]!.outcome;
    if (ref.status === "budget") throw new Discard("the reference exhausted its step budget");
    if (ref.status === "unsupported") throw new Discard(`unsupported: ${ref.internalError}`);
    results.forEach((r, i) => {
      const name = this.engines[i]!.name;
      if (r.outcome.status === "internal-error") this.fail(`internal error in ${name} at ${phase}`, r.outcome.internalError ?? "");
      if (r.invariants.length > 0) this.fail(`invariant broken in ${name} after ${phase}`, r.invariants.join("\n"));
      if (i === 0) return;
      const diffs = compareOutcomes(ref, r.outcome);
      if (diffs.length > 0) {
        this.fail(`${name} differs from the reference after ${phase}`,
          diffs.map((d) => `  ${d.field}\n    ref:  ${d.left}\n    ${name}: ${d.right}`).join("\n") + "\n" + outcomesText(ref, r.outcome, name));
      }
      // every configuration executes the same instructions (tier 2 counts a trace's instructions
      // as tier 1 would): step budgets, replay's bisection and --trace rely on it
      const steps = this.engines[i]!.steps();
      const refSteps = this.engines[0]!.steps();
      if (steps !== refSteps) this.fail(`${name} counts different steps than the reference after ${phase}`, `  steps\n    ref:  ${refSteps}\n    ${name}: ${steps}`);
    });
    void isStart;
  }

  private fail(what: string, detail: string): never {
    const p = this.ctx;
    const report = [
      `--- ${what}`,
      detail,
      `--- parameters: ${JSON.stringify(p.params)}${p.faults !== undefined ? ` faults: ${JSON.stringify(p.faults)}` : ""}${p.tier2Faults !== undefined ? ` tier-2 faults: ${JSON.stringify(p.tier2Faults)}` : ""}`,
      `--- events so far:`,
      ...(this.log.length === 0 ? ["  (none)"] : this.log.map((l, i) => `  ${i + 1}. ${l}`)),
      ...(p.source !== undefined ? [`--- program (Python):`, p.source] : []),
      `--- program (bytecode):`,
      disassembleProgram(p.program),
    ].join("\n");
    throw new CaseFailure(what, report);
  }
}

function outcomesText(a: Outcome, b: Outcome, name: string): string {
  const brief = (o: Outcome): string => JSON.stringify({ status: o.status, value: o.value, stdout: o.stdout, exception: o.exception, delOrder: o.delOrder });
  return `  ref outcome:  ${brief(a)}\n  ${name} outcome: ${brief(b)}`;
}
