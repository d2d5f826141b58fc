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

/** Tier-up parameters of one case (shrinks toward CPython's defaults). */
export interface TierParams {
  /** specialization warm-up value (CPython: 1) */
  readonly warmup: number;
  /** cooldown after specializing (CPython: 52) */
  readonly cooldown: number;
  readonly funcCacheVariant: FunctionCacheVariant;
}

export const CPYTHON_PARAMS: TierParams = { warmup: 1, cooldown: 52, funcCacheVariant: "borrowed" };

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
  const rt = createRuntime();
  const engine = new Tier1Engine(rt, program, {
    // a configuration must not run out of budget where the reference does not
    stepBudget: opts.stepBudget * 2,
    params: { warmupValue: opts.params.warmup, warmupBackoff: 1, cooldownValue: opts.params.cooldown, cooldownBackoff: 0 },
    funcCacheVariant: opts.params.funcCacheVariant,
    // look callees up by version at every specialized Python call, as tier 2's projector will:
    // exercises the cache's lookup path (and its use-after-free detection) before tier 2 exists
    probeFunctionCache: true,
    ...(opts.faults !== undefined ? { faults: opts.faults } : {}),
  });
  return {
    ...interpreterHandle(rt, engine, program),
    name: `t1[${opts.params.funcCacheVariant}]`,
    tier1: engine,
    checkInvariants: () => {
      const v = checkFunctionCache(engine.funcCache);
      return v.length === 0 ? [] : [`function-version cache: ${formatCacheViolations(v)}`];
    },
    makeFunction: (code, globals, builtins) => {
      rt.incref(code);
      return engine.makeFunction(code, globals, builtins);
    },
  };
}
