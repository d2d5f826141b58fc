/**
 * Tier-2 parameters (CPython 3.14 defaults: Include/internal/pycore_backoff.h, pycore_optimizer.h,
 * Python/optimizer.c) and the optimizer-pass switches the harness compares against each other.
 */
import { makeCounter } from "../tier1/counters.ts";

export interface OptimizerPasses {
  /** remove_globals: promote watched globals/builtins to inline constants */
  readonly globals: boolean;
  /** optimize_uops: abstract interpretation with type/constant symbols, removing proven guards */
  readonly types: boolean;
  /** remove_unneeded_uops: drop _SET_IP / _CHECK_VALIDITY where nothing can escape or raise */
  readonly removeUnneeded: boolean;
}
export const ALL_PASSES: OptimizerPasses = { globals: true, types: true, removeUnneeded: true };
export const NO_PASSES: OptimizerPasses = { globals: false, types: false, removeUnneeded: false };

/** A pass configuration by name: all, none, or one pass alone. */
export type PassChoice = "all" | "none" | keyof OptimizerPasses;
export function passesOf(v: PassChoice): OptimizerPasses {
  if (v === "all") return ALL_PASSES;
  return { ...NO_PASSES, ...(v === "none" ? {} : { [v]: true }) };
}

/** A backoff counter that fires after `threshold` executions (pycore_backoff.h: value threshold - 1, 12 bits). */
export function thresholdCounter(threshold: number, backoff: number): number {
  return makeCounter(Math.max(0, Math.min(4095, threshold - 1)), backoff);
}

export interface Tier2Params {
  /** JUMP_BACKWARD executions before projecting (CPython 3.14: 4096 = counter 4095/12) */
  readonly backedgeThreshold: number;
  /** backoff exponent of the backedge counter (CPython: 12); smaller retries failed projections sooner */
  readonly backedgeBackoff: number;
  /** side-exit temperature counter (CPython 3.14: 4095/12, computed from the two fields below) */
  readonly sideExitCounter: number;
  readonly sideExitThreshold: number;
  readonly sideExitBackoff: number;
  /** UOP_MAX_TRACE_LENGTH (3.14: 800) */
  readonly maxTraceLength: number;
  /** MAX_CHAIN_DEPTH of stitched side-exit traces (3.14: 4) */
  readonly maxChainDepth: number;
  /** TRACE_STACK_SIZE: frames a trace may follow calls into (3.13/3.14: 5) */
  readonly traceStackSize: number;
  /** CONFIDENCE_CUTOFF out of 1000 (333) */
  readonly confidenceCutoff: number;
  /** traces shorter than this are dropped (5) */
  readonly minTraceLength: number;
  /** executors per code object (co_executors, 256) */
  readonly maxExecutorsPerCode: number;
  /** _Py_MAX_ALLOWED_GLOBALS_MODIFICATIONS: watched-dict changes before globals are no longer promoted (6) */
  readonly maxGlobalsModifications: number;
  /** entries + loop-backs an executor is interpreted for before it is compiled to one function
   *  (tierdiff's, engine/tier2/compile.ts; 0: compile at once). Not a CPython parameter. */
  readonly compileAfter: number;
  readonly passes: OptimizerPasses;
}

/**
 * The smallest trace buffer projection can work in: _START_EXECUTOR + _MAKE_WARM and the room it
 * reserves for the final _CHECK_VALIDITY + _SET_IP + _EXIT_TRACE (project.ts). Smaller buffers are
 * rejected here rather than overflowing inside the projector.
 */
export const MIN_MAX_TRACE_LENGTH = 5;
/** The largest accepted: a compiled executor takes one parameter per uop function (compile.ts),
 *  and V8 limits a function's parameters to 65535; CPython's buffer is 800. */
export const MAX_MAX_TRACE_LENGTH = 10_000;

/** What is wrong with user-supplied tier-2 numbers (CLI flags, corpus files), or undefined. */
export function tier2ParamsProblem(p: Partial<Omit<Tier2Params, "sideExitCounter" | "passes">>): string | undefined {
  const ranges: [keyof typeof p, number, number][] = [
    ["backedgeThreshold", 1, 4096], ["sideExitThreshold", 1, 4096], ["backedgeBackoff", 0, 12], ["sideExitBackoff", 0, 12],
    ["maxTraceLength", MIN_MAX_TRACE_LENGTH, MAX_MAX_TRACE_LENGTH], ["maxChainDepth", 0, 64], ["traceStackSize", 1, 64],
    ["confidenceCutoff", 0, 1000], ["minTraceLength", 0, 100_000], ["maxExecutorsPerCode", 1, 256], ["maxGlobalsModifications", 0, 1000], ["compileAfter", 0, 1_000_000_000],
  ];
  for (const [k, lo, hi] of ranges) {
    const v = p[k];
    if (v !== undefined && (!Number.isInteger(v) || v < lo || v > hi)) return `tier-2 parameter ${k} must be an integer from ${lo} to ${hi}, got ${String(v)}`;
  }
  return undefined;
}

export function tier2Params(p: Partial<Omit<Tier2Params, "sideExitCounter">> = {}): Tier2Params {
  const problem = tier2ParamsProblem(p);
  if (problem !== undefined) throw new RangeError(problem);
  const sideExitThreshold = p.sideExitThreshold ?? 4096;
  const sideExitBackoff = p.sideExitBackoff ?? 12;
  return {
    backedgeThreshold: p.backedgeThreshold ?? 4096,
    backedgeBackoff: p.backedgeBackoff ?? 12,
    sideExitThreshold,
    sideExitBackoff,
    sideExitCounter: thresholdCounter(sideExitThreshold, sideExitBackoff),
    maxTraceLength: p.maxTraceLength ?? 800,
    maxChainDepth: p.maxChainDepth ?? 4,
    traceStackSize: p.traceStackSize ?? 5,
    confidenceCutoff: p.confidenceCutoff ?? 333,
    minTraceLength: p.minTraceLength ?? 5,
    maxExecutorsPerCode: p.maxExecutorsPerCode ?? 256,
    maxGlobalsModifications: p.maxGlobalsModifications ?? 6,
    compileAfter: p.compileAfter ?? 16,
    passes: p.passes ?? ALL_PASSES,
  };
}

/** Test-only fault switches of tier 2 (the fault catalog, issue 6); never on by default. */
export interface Tier2Faults {
  /** gh-117434: no room reserved for the final exit at max trace length */
  readonly noExitRoomReserved?: boolean;
  /** gh-117180: calls followed past TRACE_STACK_SIZE */
  readonly noTraceStackCheck?: boolean;
  /** gh-113657: remove_unneeded_uops drops the _SET_IPs erroring and escaping uops need */
  readonly dropNeededSetIp?: boolean;
  /** gh-109369: a running executor ignores invalidation (_CHECK_VALIDITY always passes) */
  readonly ignoreInvalidation?: boolean;
  /** gh-120501: side-exit executors not released when their parent dies (a leak) */
  readonly leakLinkedExecutors?: boolean;
  /** the abstract interpreter drops an operand type guard because the OTHER operand has the type */
  readonly guardProvenByOtherOperand?: boolean;
  /** the globals watcher misses deletions */
  readonly watcherMissesDelete?: boolean;
  /** a side exit resumes one instruction too far */
  readonly exitOffByOne?: boolean;
  /** a type change does not invalidate executors that depend on the type */
  readonly noTypeInvalidation?: boolean;
  /** gh-126892: the backedge counter is not reset when an executor is invalidated */
  readonly reoptimizeImmediately?: boolean;
  /** an __init__ frame returning inside a trace hands the caller __init__'s value, not the instance
   *  (the init-cleanup shim's work skipped) */
  readonly initShimSkipped?: boolean;
}
