/**
 * A run in phases — start (the program's __main__), then any number of steps (the harness's
 * events: calls, `__code__` swaps, global rebinding...), then finish (globals, teardown, leak
 * check) — with an Outcome recorded for every phase, so every configuration can be compared after
 * every command. The same protocol as oracles/reference/run.ts (which is a session with no steps).
 */
import { InternalError } from "../engine/runtime/heap.ts";
import { PyException, None, type PyModule, type PyValue } from "../engine/runtime/objects.ts";
import type { ProgramDef } from "../engine/bytecode/code.ts";
import { Runtime, PyRaise, BudgetExhausted } from "../engine/runtime/runtime.ts";
import { PyError } from "../engine/runtime/pyerror.ts";
import { Unsupported, repr } from "../engine/runtime/ops.ts";
import { EngineLimitError } from "../engine/runtime/int.ts";
import type { Outcome, ExceptionOutcome, OutcomeStatus } from "./outcome.ts";
import { findLeaks, type Leak } from "./invariants/leaks.ts";
import type { FrameSnapshot } from "../engine/vm/snapshot.ts";
import { exceptionOutcome, moduleGlobals, clearModuleDict, describeError } from "./reference/run.ts";

/** What a configuration (reference, tier 1, tier 2 ...) provides to a session. */
export interface EngineHandle {
  readonly rt: Runtime;
  /** run the entry module as __main__ */
  execMain(): void;
  /** drop the exception being handled (tstate->exc_info) before teardown */
  resetExcInfo(): void;
  steps(): number;
  /** invariants to check after every phase (function cache, executors...): problems, empty if fine */
  checkInvariants(): string[];
}

/** What every interpreter (reference, tier 1) offers for running a program's __main__. */
export interface Interpreter {
  execModule(name: string, asName?: string): PyModule;
  excInfo: PyValue;
  readonly steps: number;
}

/** The EngineHandle of an interpreter: runs the program's first module as __main__; no invariants. */
export function interpreterHandle(rt: Runtime, interp: Interpreter, program: ProgramDef): EngineHandle {
  const main = program.modules[0];
  if (main === undefined) throw new InternalError("program has no modules");
  return {
    rt,
    execMain: () => rt.decref(interp.execModule(main.name, "__main__")),
    resetExcInfo: () => {
      const e = interp.excInfo;
      interp.excInfo = None;
      rt.decref(e);
    },
    steps: () => interp.steps,
    checkInvariants: () => [],
  };
}

export interface PhaseResult {
  readonly outcome: Outcome;
  /** invariant violations found after the phase */
  readonly invariants: readonly string[];
}

export class Session {
  private stdoutAt = 0;
  private delAt = 0;
  private unraisableAt = 0;
  /** the uncaught exception of start(), kept until finish() like sys.last_exc (then released) */
  private pending: PyException | null = null;
  /** set once a phase ended in budget / unsupported / internal-error: later phases are skipped */
  dead: OutcomeStatus | null = null;
  /** the frames where the step budget ran out (BudgetExhausted.frames), for replay's localization */
  budgetFrames: readonly FrameSnapshot[] | null = null;

  constructor(readonly engine: EngineHandle) {}

  get rt(): Runtime {
    return this.engine.rt;
  }

  start(): PhaseResult {
    return this.phase(() => {
      this.engine.execMain();
      return None;
    }, true);
  }

  /** Run one step (an event). `action` returns a new reference (its repr is the step's value). */
  step(action: () => PyValue): PhaseResult {
    if (this.dead !== null) return { outcome: this.deadOutcome(), invariants: [] };
    return this.phase(action, false);
  }

  private deadOutcome(): Outcome {
    return { status: this.dead!, value: "None", stdout: "", delOrder: [], unraisable: [], globals: {} };
  }

  private phase(action: () => PyValue, keepException: boolean): PhaseResult {
    const rt = this.rt;
    let status: OutcomeStatus = "ok";
    let value = "None";
    let exception: ExceptionOutcome | undefined;
    let internalError: string | undefined;
    try {
      const v = action();
      value = safe(() => repr(rt, v));
      rt.decref(v);
    } catch (e) {
      if (e instanceof PyRaise || e instanceof PyError) {
        status = "exception";
        const exc = e instanceof PyRaise ? e.exc : rt.materialize(e);
        exception = exceptionOutcome(rt, exc);
        if (keepException) this.pending = exc;
        else {
          try {
            rt.decref(exc);
          } catch (e2) {
            status = "internal-error";
            internalError = describeError(e2);
          }
        }
      } else if (e instanceof BudgetExhausted) {
        status = "budget";
        this.budgetFrames = e.frames;
      }
      else if (e instanceof Unsupported || e instanceof EngineLimitError) {
        status = "unsupported";
        internalError = e.message;
      } else {
        status = "internal-error";
        internalError = describeError(e);
      }
    }
    if (status !== "ok" && status !== "exception") this.dead = status;
    const outcome: Outcome = {
      status,
      value,
      stdout: rt.stdout.slice(this.stdoutAt),
      ...(exception !== undefined ? { exception } : {}),
      delOrder: rt.delOrder.slice(this.delAt),
      unraisable: rt.unraisable.slice(this.unraisableAt).map((u) => ({ type: u.type, message: u.message })),
      globals: this.dead === null ? moduleGlobals(rt) : {},
      ...(internalError !== undefined ? { internalError } : {}),
    };
    this.stdoutAt = rt.stdout.length;
    this.delAt = rt.delOrder.length;
    this.unraisableAt = rt.unraisable.length;
    const invariants = this.dead === null ? this.safeInvariants() : [];
    return { outcome, invariants };
  }

  private safeInvariants(): string[] {
    try {
      return this.engine.checkInvariants();
    } catch (e) {
      return [`invariant checker failed: ${describeError(e)}`];
    }
  }

  /**
   * Teardown: release the kept exception and the handled one, clear module dicts
   * (_PyModule_ClearDict, reverse order of first execution), release modules and builtins, and
   * check for leaks. Returns the teardown phase's outcome (its prints and __del__ calls).
   */
  finish(): PhaseResult & { readonly leaks: readonly Leak[] } {
    const rt = this.rt;
    let leaks: Leak[] = [];
    let status: OutcomeStatus = this.dead ?? "ok";
    let internalError: string | undefined;
    if (this.dead === null) {
      try {
        if (this.pending !== null) rt.decref(this.pending);
        this.pending = null;
        this.engine.resetExcInfo();
        const mods = [...rt.modules.values()].reverse();
        for (const m of mods) clearModuleDict(rt, m);
        rt.modules.clear();
        for (const m of mods) rt.decref(m);
        rt.decref(rt.builtins);
        leaks = findLeaks(rt.heap);
      } catch (e) {
        if (e instanceof BudgetExhausted) this.budgetFrames = e.frames;
        status = "internal-error";
        internalError = `during teardown: ${describeError(e)}`;
      }
    }
    const outcome: Outcome = {
      status,
      value: "None",
      stdout: rt.stdout.slice(this.stdoutAt),
      delOrder: rt.delOrder.slice(this.delAt),
      unraisable: rt.unraisable.slice(this.unraisableAt).map((u) => ({ type: u.type, message: u.message })),
      globals: {},
      ...(internalError !== undefined ? { internalError } : {}),
    };
    const invariants = status === "ok" ? this.safeInvariants() : [];
    return { outcome, invariants, leaks };
  }
}

function safe(f: () => string): string {
  try {
    return f();
  } catch {
    return "<repr failed>";
  }
}

export { InternalError };
