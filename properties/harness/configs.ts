/**
 * Engine configurations the harness compares, each wrapped as an EngineHandle for a Session:
 * the reference interpreter and tier 1 (tier 2's configurations join here when it exists), built
 * with the tier-up parameters a case picked.
 */
import type { ProgramDef } from "../../engine/bytecode/code.ts";
import { createRuntime } from "../../engine/runtime/builtins.ts";
import { None, PyCode, PyDict, PyFunction } from "../../engine/runtime/objects.ts";
import { ReferenceInterpreter } from "../../oracles/reference/interp.ts";
import { Tier1Engine } from "../../engine/tier1/engine.ts";
import type { FunctionCacheFaults, FunctionCacheVariant } from "../../engine/tier1/funccache.ts";
import { checkFunctionCache, formatCacheViolations } from "../../oracles/invariants/funccache.ts";
import { interpreterHandle, type EngineHandle } from "../../oracles/session.ts";
import { checkExecutors } from "../../oracles/invariants/executors.ts";
import { passesOf, type Tier2Faults } from "../../engine/tier2/params.ts";

/** Which optimizer passes the second tier-2 configuration of a case runs (the first runs all). */
export type PassVariant = "none" | "globals" | "types" | "removeUnneeded";
export const PASS_VARIANTS: readonly PassVariant[] = ["none", "globals", "types", "removeUnneeded"];

/** Tier-2 parameters of one case. */
export interface Tier2CaseParams {
  /** JUMP_BACKWARD executions before projecting (CPython: 4096) */
  readonly backedge: number;
  /** side-exit executions before stitching a trace (CPython: 4096) */
  readonly sideExit: number;
  /** max trace length in uops (CPython: 800) */
  readonly maxTrace: number;
  readonly passes: PassVariant;
  /** frames a trace may follow calls into (CPython: 5); absent: 5 */
  readonly traceStack?: number;
}
export const CPYTHON_T2_PARAMS: Tier2CaseParams = { backedge: 4096, sideExit: 4096, maxTrace: 800, passes: "none", traceStack: 5 };

/** Tier-up parameters of one case (shrinks toward CPython's defaults). */
export interface TierParams {
  /** specialization warm-up value (CPython: 1) */
  readonly warmup: number;
  /** cooldown after specializing (CPython: 52) */
  readonly cooldown: number;
  readonly funcCacheVariant: FunctionCacheVariant;
  /** tier 2 (absent in cases saved before tier 2: CPython's defaults) */
  readonly t2?: Tier2CaseParams;
}

export const CPYTHON_PARAMS: TierParams = { warmup: 1, cooldown: 52, funcCacheVariant: "borrowed", t2: CPYTHON_T2_PARAMS };

export { passesOf };

export interface HarnessEngine extends EngineHandle {
  readonly name: string;
  /** MAKE_FUNCTION as this configuration does it (tier 1 registers the function version) */
  makeFunction(code: PyCode, globals: PyDict, builtins: PyDict): PyFunction;
  /** tier 1's engine, for statistics and coverage */
  readonly tier1?: Tier1Engine;
}

export interface BuildOptions {
  readonly stepBudget: number;
  readonly params: TierParams;
  /** test-only fault switches (the harness self-test); never set in normal runs */
  readonly faults?: FunctionCacheFaults;
  /** give every configuration exactly `stepBudget` (replay's bisection over the step budget
   *  compares the frames where the budget runs out); default: a margin for non-reference ones */
  readonly exactBudget?: boolean;
  /** test-only tier-2 fault switches (the fault catalog) */
  readonly tier2Faults?: Tier2Faults;
}


export function referenceEngine(program: ProgramDef, opts: BuildOptions): HarnessEngine {
  const rt = createRuntime();
  const interp = new ReferenceInterpreter(rt, program, { stepBudget: opts.stepBudget });
  return {
    ...interpreterHandle(rt, interp, program),
    name: "ref",
    makeFunction: (code, globals, builtins) => {
      const modname = globals.store.getStr("__name__") ?? None;
      const fn = rt.alloc(new PyFunction(rt.newRef(code), rt.newRef(globals), rt.newRef(builtins), code.def.name, code.def.qualname, null, null, null, rt.newRef(modname)));
      fn.funcVersion = code.coVersion;
      return fn;
    },
  };
}

export function tier1Engine(program: ProgramDef, opts: BuildOptions): HarnessEngine {
  return tieredEngine(program, opts, null);
}

/** Tier 2 on top of tier 1, with all optimizer passes or the chosen variant. */
export function tier2Engine(program: ProgramDef, opts: BuildOptions, passes: PassVariant | "all"): HarnessEngine {
  return tieredEngine(program, opts, passes);
}

function tieredEngine(program: ProgramDef, opts: BuildOptions, passes: PassVariant | "all" | null): HarnessEngine {
  const rt = createRuntime();
  const t2 = opts.params.t2 ?? CPYTHON_T2_PARAMS;
  const engine = new Tier1Engine(rt, program, {
    // a configuration must not run out of budget where the reference does not
    stepBudget: opts.exactBudget === true ? opts.stepBudget : opts.stepBudget * 2,
    params: { warmupValue: opts.params.warmup, warmupBackoff: 1, cooldownValue: opts.params.cooldown, cooldownBackoff: 0 },
    funcCacheVariant: opts.params.funcCacheVariant,
    // tier 1 alone: look callees up by version at every specialized Python call, as tier 2's
    // projector does, to exercise the cache's lookup path (and its use-after-free detection)
    probeFunctionCache: passes === null,
    ...(opts.faults !== undefined ? { faults: opts.faults } : {}),
    ...(passes !== null ? {
      tier2: {
        params: {
          backedgeThreshold: t2.backedge, backedgeBackoff: t2.backedge < 64 ? 2 : 12,
          sideExitThreshold: t2.sideExit, sideExitBackoff: t2.sideExit < 64 ? 2 : 12,
          maxTraceLength: t2.maxTrace, passes: passesOf(passes), traceStackSize: t2.traceStack ?? 5,
          // t2[all] compiles every executor at once, t2[variant] interprets each until it is hot:
          // every case runs both ways of executing a trace (engine/tier2/compile.ts)
          compileAfter: passes === "all" ? 0 : 16,
        },
        ...(opts.tier2Faults !== undefined ? { faults: opts.tier2Faults } : {}),
      },
    } : {}),
  });
  const tier2 = engine.tier2;
  return {
    ...interpreterHandle(rt, engine, program),
    name: passes === null ? `t1[${opts.params.funcCacheVariant}]` : `t2[${passes}]`,
    tier1: engine,
    checkInvariants: () => {
      const v = checkFunctionCache(engine.funcCache);
      const out = v.length === 0 ? [] : [`function-version cache: ${formatCacheViolations(v)}`];
      if (tier2 !== null) out.push(...checkExecutors(rt, tier2).map((x) => `executors: ${x}`));
      return out;
    },
    makeFunction: (code, globals, builtins) => {
      rt.incref(code);
      return engine.makeFunction(code, globals, builtins);
    },
  };
}
