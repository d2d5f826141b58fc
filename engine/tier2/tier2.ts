/**
 * Tier 2 (Python/optimizer.c, ceval.c's tier-2 loop, 3.13/3.14): hot-loop detection on
 * JUMP_BACKWARD_JIT's backedge counter, projection + optimization into executors installed at
 * ENTER_EXECUTOR, the executor loop (each executor compiled to one function from the same uop
 * table tier 1 runs: compile.ts), side exits with temperature counters and trace stitching, and
 * invalidation through dependencies:
 * the globals/builtins dict watcher, the type watcher, code object deallocation and an explicit
 * "clear internal caches".
 *
 * Frames, stack and instruction pointer at every exit are what tier 1 has at that point: a DEOPT
 * resumes tier 1 at the uop's instruction (re-executed from its start, its guards came first),
 * an EXIT at the recorded target; an error leaves through tier 1's unwinding with the ip the last
 * _SET_IP wrote. Instructions are counted as steps exactly as tier 1 counts them.
 */
import { Frame } from "../vm/frame.ts";
import { clearFrame } from "../vm/frames.ts";
import { snapshotFrames } from "../vm/snapshot.ts";
import { OPMAP } from "../bytecode/opcodes.ts";
import { InternalError } from "../runtime/heap.ts";
import { None, PyCode, PyDict, PyType } from "../runtime/objects.ts";
import { PyError } from "../runtime/pyerror.ts";
import { typeOf } from "../runtime/types.ts";
import { BudgetExhausted, type Runtime } from "../runtime/runtime.ts";
import type { FunctionCache } from "../tier1/funccache.ts";
import { advance, restart, triggers } from "../tier1/counters.ts";
import { decodeBorrowed } from "../tier1/versions.ts";
import { OK, DEOPT, EXIT, PUSHED, RETURNED, type UopContext, type Signal } from "../uops/table.ts";
import "../uops/tier2.ts";
import { ExecutorObject, formatExecutor, type ExitStub } from "./executor.ts";
import { projectTrace } from "./project.ts";
import { compileTrace, HOT, interpretTrace, RAN_OFF_END, type StepMark, type TraceRuntime } from "./compile.ts";
import { optimizeTrace } from "./optimize.ts";
import { thresholdCounter, tier2Params, type Tier2Faults, type Tier2Params } from "./params.ts";
import { Tier2Stats } from "./stats.ts";

const ENTER_EXECUTOR = OPMAP["ENTER_EXECUTOR"]!;

/** What tier 2 needs from the engine it runs under (engine/tier1/engine.ts). */
export interface Tier2Host {
  readonly rt: Runtime;
  readonly funcCache: FunctionCache;
  readonly ctx: UopContext;
  steps: number;
  readonly stepBudget: number;
  /** the frame executing (tier 1's `current`): tier 2 keeps it up to date as it pushes and pops */
  current: Frame | null;
}

/** How a run of executors ended, for the tier-1 loop. */
export type ExecutorExit =
  | typeof OK // continue tier 1 in host.current at its ip
  | typeof PUSHED // a callee frame (ctx.pushed) could not be entered: the recursion limit (tier 1 raises)
  | typeof RETURNED; // never: traces end before their root frame returns

export class Tier2 {
  readonly params: Tier2Params;
  readonly stats = new Tier2Stats();
  /** co_executors: executors installed at ENTER_EXECUTORs, by code object (index = oparg) */
  private readonly executors = new Map<PyCode, (ExecutorObject | null)[]>();
  /** dependency -> executors depending on it (the exact set of each executor, reversed) */
  private readonly dependents = new Map<object, Set<ExecutorObject>>();
  /** every executor made and not yet freed, for listings and the invariant checker */
  readonly live = new Set<ExecutorObject>();
  /** invariant violations tier 2 noticed itself (oracles/invariants/executors.ts reports them) */
  readonly violations: string[] = [];
  /** backedges counted at instructions whose executor was invalidated, since the invalidation */
  private readonly sinceDetach = new Map<PyCode, Map<number, number>>();
  /** watched-dict modification counts (get_mutations) */
  private readonly mutations = new WeakMap<PyDict, number>();
  /** what compiled traces call back into */
  private readonly traceRuntime: TraceRuntime;

  constructor(
    private readonly host: Tier2Host,
    params: Partial<Tier2Params> = {},
    readonly faults: Tier2Faults = {},
  ) {
    this.params = { ...tier2Params(params), ...(params.passes !== undefined ? { passes: params.passes } : {}) };
    host.rt.typeWatcher = (t) => this.typeModified(t);
    this.traceRuntime = {
      rt: host.rt, host, ctx: host.ctx, decodeBorrowed, compileAfter: this.params.compileAfter, ignoreInvalidation: this.faults.ignoreInvalidation === true,
      budgetExhausted: (f, u) => {
        // several instructions may start at one uop (the optimizer dropped the uops of the first
        // ones): tier 1 counts them one by one and stops at the one that goes over the budget
        const over = host.steps - host.stepBudget;
        const at = u.stepTargets;
        f.ip = at !== undefined && over <= at.length ? at[at.length - over]! : u.target;
        host.steps = host.stepBudget + 1;
        throw new BudgetExhausted(snapshotFrames(f));
      },
      enterPushed: (f, target, next) => this.enterPushed(f, target, next),
      popReturned: (f) => this.popReturned(f),
    };
  }

  /** the initial backedge counter (initial_jump_backoff_counter) */
  backedgeCounter(): number {
    return thresholdCounter(this.params.backedgeThreshold, this.params.backedgeBackoff);
  }

  // ------------------------------------------------------------------ hotness and installation

  /** _JIT at the JUMP_BACKWARD_JIT at c.offset: true when an executor was installed there. */
  backedge(c: UopContext): boolean {
    const units = c.f.code.units;
    const counter = units[c.offset + 1]!;
    const since = this.sinceDetach.get(c.f.code);
    const n = since?.get(c.offset);
    if (!triggers(counter)) {
      units[c.offset + 1] = advance(counter);
      if (n !== undefined) since!.set(c.offset, n + 1);
      return false;
    }
    if (n !== undefined) {
      since!.delete(c.offset);
      // gh-126892: after an invalidation the counter starts over; re-optimizing sooner thrashes
      if (n + 1 < this.params.backedgeThreshold) this.violations.push(`${c.f.code.def.qualname}+${c.offset * 2} re-optimized ${n + 1} backedge(s) after its executor was invalidated (threshold ${this.params.backedgeThreshold})`);
    }
    const e = this.optimize(c.f, c.offset, 0);
    if (e === null) {
      units[c.offset + 1] = restart(counter);
      return false;
    }
    const code = c.f.code;
    let arr = this.executors.get(code);
    if (arr === undefined) this.executors.set(code, (arr = []));
    let index = arr.indexOf(null);
    if (index < 0) index = arr.length;
    if (index >= this.params.maxExecutorsPerCode) {
      this.stats.discarded("executor array full");
      this.release(e);
      units[c.offset + 1] = restart(counter);
      return false;
    }
    arr[index] = e; // the code's strong reference (the one the allocation made)
    e.installedAt = { unit: units[c.offset]!, index };
    units[c.offset] = (index << 8) | ENTER_EXECUTOR;
    return true;
  }

  /** _PyOptimizer_Optimize: project, optimize, and make an executor (or null). */
  private optimize(f: Frame, start: number, chainDepth: number): ExecutorObject | null {
    const rt = this.host.rt;
    const p = projectTrace({ rt, funcCache: this.host.funcCache, originalOpcode: (code, off) => this.originalOpcode(code, off) },
      f.code, f.func, start, chainDepth === 0, this.params, this.faults);
    this.stats.stop(p.stopReason);
    // an empty projection (no instruction fitted) is dropped whatever minTraceLength says
    if (p.uops.length === 0 || p.uops.length < this.params.minTraceLength) {
      this.stats.discarded(p.stopReason === "trace stack overflow" ? p.stopReason : "too short");
      return null;
    }
    const o = optimizeTrace({ rt, modifications: (d) => this.mutations.get(d) ?? 0 }, p.uops, f.func, p.dependencies, this.params, this.faults);
    if (o.contradiction !== undefined) {
      this.stats.discarded("optimizer contradiction");
      return null;
    }
    for (const [pass, n] of Object.entries(o.removed)) this.stats.removedBy(pass, n);
    const e = rt.alloc(new ExecutorObject(o.uops, f.code, start, p.stopReason, p.stopDetail, chainDepth, p.dependencies, o.removed));
    e.onFree = (x) => this.forget(x);
    e.releaseLinked = !this.faults.leakLinkedExecutors;
    this.live.add(e);
    for (const d of p.dependencies) {
      let s = this.dependents.get(d);
      if (s === undefined) this.dependents.set(d, (s = new Set()));
      s.add(e);
      if (d instanceof PyDict) this.watch(d);
    }
    this.stats.made(e.uops);
    return e;
  }

  originalOpcode(code: PyCode, offset: number): number {
    const at = this.executorAt(code, offset).installedAt;
    if (at === null) throw new InternalError(`${code.def.qualname}+${offset * 2}: ENTER_EXECUTOR names a detached executor`, "invariant");
    return at.unit & 0xff;
  }

  /** The executor an ENTER_EXECUTOR at `offset` names. */
  executorAt(code: PyCode, offset: number): ExecutorObject {
    const e = this.executors.get(code)?.[code.units[offset]! >> 8];
    if (e === undefined || e === null) throw new InternalError(`${code.def.qualname}+${offset * 2}: ENTER_EXECUTOR names no executor`, "invariant");
    return e;
  }

  // ------------------------------------------------------------------ the executor loop

  /**
   * Run the executor installed at `offset` of the executing frame (ENTER_EXECUTOR, or _JIT right
   * after installing it), following linked side exits, until control returns to tier 1.
   */
  enter(offset: number): ExecutorExit {
    const host = this.host;
    const rt = host.rt;
    const c = host.ctx;
    let f = host.current!;
    let exec = this.executorAt(f.code, offset);
    rt.incref(exec); // a running executor is kept alive even if invalidated and detached
    exec.executions++;
    this.stats.executions++;
    c.f = f;
    // the uop whose instruction was counted last (a re-executed instruction is not counted twice)
    const st: StepMark = { counted: null, countedFrame: null };
    try {
      for (;;) {
        if (exec.compiled === null && ++exec.warmth > this.params.compileAfter) exec.compiled = compileTrace(exec, this.traceRuntime);
        const r = exec.compiled !== null ? exec.compiled(st, f) : interpretTrace(exec, this.traceRuntime, st, f);
        f = host.current!; // calls and returns inside the trace moved it
        if (r === HOT) {
          // hot at _JUMP_TO_TOP (in the root frame): round again, compiled, from the top
          exec.compiled = compileTrace(exec, this.traceRuntime);
          continue;
        }
        const pc = r >>> 3;
        const sig = (r & 7) as Signal | typeof RAN_OFF_END;
        const u = exec.uops[pc];
        if (u === undefined) throw new InternalError(`tier 2: control ran past the last uop of the ${exec.describe()}`, "invariant");
        c.offset = u.target;
        c.next = u.next;
        switch (sig) {
          case PUSHED:
            // only the recursion limit leaves the compiled trace with a pushed frame: tier 1 raises
            // RecursionError as it would at this CALL (ctx.pushed stays set)
            exec.noteLeft(pc, "recursion", f.def.qualname, u.target);
            return PUSHED;
          case DEOPT:
          case EXIT: {
            const target = sig === DEOPT ? u.target : u.exitTarget + (this.faults.exitOffByOne && u.exit !== null ? 1 : 0);
            f.ip = target;
            // the instruction resumes in tier 1 (or the next executor) from its start: uncount it
            const counted = st.counted;
            if (counted !== null && st.countedFrame === f && counted.stepOf === target && counted.code === f.code) {
              host.steps--;
              st.counted = null;
            }
            exec.noteLeft(pc, sig === DEOPT ? "deopt" : "exit", f.def.qualname, target);
            if (sig === DEOPT) {
              this.stats.exit(u.name === "_CHECK_VALIDITY" ? "deopt (invalidated)" : "deopt");
              return OK;
            }
            const stub = u.exit;
            if (stub === null) {
              this.stats.exit(u.name);
              return OK;
            }
            (stub.statCell ??= this.stats.exitCell(u.name)).n++;
            stub.taken++;
            const next = this.followExit(stub, exec, f, target);
            if (next === null) return OK;
            if (next.chainDepth === 0) {
              // an executor installed at a JUMP_BACKWARD starts at the jump's target; tier 1 would
              // have executed (and counted) the ENTER_EXECUTOR first, so count it here
              host.steps++;
              st.counted = null;
              if (host.steps > host.stepBudget) throw new BudgetExhausted(snapshotFrames(f));
            }
            rt.incref(next);
            rt.decref(exec);
            exec = next;
            exec.executions++;
            this.stats.executions++;
            continue;
          }
          default:
            throw new InternalError(`${f.def.qualname}+${u.target * 2}: uop ${u.name} signalled ${sig} in tier 2`);
        }
      }
    } catch (e) {
      // an exception unwinds through tier 1 from the last _SET_IP's instruction (the step budget
      // running out is how replay stops a configuration: not where control left the executor)
      const at = host.current;
      if (!(e instanceof BudgetExhausted) && at !== null) exec.noteLeft(-1, "exception", at.def.qualname, at.ip);
      throw e;
    } finally {
      rt.decref(exec);
    }
  }

  /** _PUSH_FRAME signalled: enter the callee (null: the recursion limit, left to tier 1). */
  private enterPushed(f: Frame, target: number, next: number): Frame | null {
    const host = this.host;
    const rt = host.rt;
    const c = host.ctx;
    f.resumeAt = next;
    if (rt.depth >= rt.recursionLimit) {
      f.ip = target;
      c.offset = target;
      c.next = next;
      return null;
    }
    const callee = c.pushed!;
    c.pushed = null;
    rt.depth++;
    host.current = callee;
    c.f = callee;
    return callee;
  }

  /** a uop returned: pop the frame the trace pushed, hand the value to the caller. */
  private popReturned(f: Frame): Frame {
    const host = this.host;
    const rt = host.rt;
    const c = host.ctx;
    const v = c.retval!;
    c.retval = null;
    if (f.back === null) throw new InternalError(`tier 2: ${f.def.qualname} returned inside a trace from a frame the trace did not push`, "invariant");
    const caller = f.back;
    const initSelf = f.initSelf;
    f.initSelf = null;
    clearFrame(rt, f);
    rt.depth--;
    host.current = caller;
    c.f = caller;
    if (initSelf === null || this.faults.initShimSkipped) {
      if (initSelf !== null) rt.decref(initSelf);
      caller.stack.push(v);
      return caller;
    }
    // the init-cleanup shim (EXIT_INIT_CHECK + RETURN_VALUE, as tier 1's run() does it): __init__
    // must return None, and the caller gets the new instance; the error is raised at the CALL
    if (v !== None) {
      const n = typeOf(v).name;
      rt.decref(v);
      rt.decref(initSelf);
      throw new PyError("TypeError", `__init__() should return None, not '${n}'`);
    }
    caller.stack.push(initSelf);
    return caller;
  }

  /** A side exit: its linked executor, or warm it up and maybe project one (trace stitching). */
  private followExit(stub: ExitStub, from: ExecutorObject, f: Frame, target: number): ExecutorObject | null {
    if (stub.executor !== null) {
      if (stub.executor.valid) return stub.executor;
      this.unlink(stub);
    }
    if (!triggers(stub.temperature)) {
      stub.temperature = advance(stub.temperature);
      return null;
    }
    // _EXIT_TRACE / _COLD_EXIT (3.13/3.14): an exit to an instruction that already is an
    // ENTER_EXECUTOR links that executor instead of projecting (the exit back to a loop's
    // JUMP_BACKWARD, where the loop's own executor is installed, stays in tier 2)
    if ((f.code.units[target]! & 0xff) === ENTER_EXECUTOR && from.valid) {
      const installed = this.executorAt(f.code, target);
      this.host.rt.incref(installed); // the exit's strong reference
      stub.executor = installed;
      installed.linkedFrom.add(stub);
      this.stats.linkedInstalled++;
      return installed;
    }
    if (from.chainDepth + 1 > this.params.maxChainDepth || !from.valid) {
      stub.temperature = restart(stub.temperature);
      this.stats.discarded("chain too deep");
      return null;
    }
    const e = this.optimize(f, target, from.chainDepth + 1);
    if (e === null) {
      stub.temperature = restart(stub.temperature);
      return null;
    }
    stub.executor = e; // the exit's strong reference (the allocation's)
    e.linkedFrom.add(stub);
    this.stats.stitched++;
    return e;
  }

  private unlink(stub: ExitStub): void {
    const e = stub.executor;
    if (e === null) return;
    stub.executor = null;
    e.linkedFrom.delete(stub);
    this.release(e);
  }

  private release(e: ExecutorObject): void {
    if (this.faults.leakLinkedExecutors && e.chainDepth > 0) return;
    this.host.rt.decref(e);
  }

  /** executor dealloc bookkeeping (called by ExecutorObject.clear through the runtime) */
  forget(e: ExecutorObject): void {
    this.live.delete(e);
    for (const d of e.dependencies) this.dependents.get(d)?.delete(e);
  }

  // ------------------------------------------------------------------ invalidation

  /** _Py_Executors_InvalidateDependency: every executor depending on `obj` becomes invalid. */
  invalidateDependency(obj: object, cause: string): void {
    const s = this.dependents.get(obj);
    if (s === undefined || s.size === 0) return;
    for (const e of [...s]) this.invalidate(e, cause);
  }

  /** sys._clear_internal_caches(): invalidate everything */
  invalidateAll(cause = "clear internal caches"): void {
    for (const e of [...this.live]) this.invalidate(e, cause);
  }

  private invalidate(e: ExecutorObject, cause: string): void {
    if (!e.valid) return;
    e.valid = false;
    this.stats.invalidated(cause);
    for (const d of e.dependencies) this.dependents.get(d)?.delete(e);
    // unlink it from the exits that lead to it, and detach it from its code object
    for (const stub of [...e.linkedFrom]) this.unlink(stub);
    this.detach(e);
  }

  /** _Py_ExecutorDetach: restore the instruction the ENTER_EXECUTOR replaced and drop the code's reference. */
  private detach(e: ExecutorObject): void {
    const at = e.installedAt;
    if (at === null) return;
    e.installedAt = null;
    const units = e.code.units;
    units[e.start] = at.unit;
    // gh-126892: do not re-optimize at once (the fault leaves the counter as it fired)
    if (!this.faults.reoptimizeImmediately) units[e.start + 1] = this.backedgeCounter();
    let since = this.sinceDetach.get(e.code);
    if (since === undefined) this.sinceDetach.set(e.code, (since = new Map()));
    since.set(e.start, 0);
    const arr = this.executors.get(e.code);
    if (arr !== undefined && arr[at.index] === e) arr[at.index] = null;
    this.host.rt.decref(e);
  }

  private watch(d: PyDict): void {
    if (d.store.watcher !== undefined) return;
    d.store.watcher = (event) => {
      if (event === "delete" && this.faults.watcherMissesDelete) return;
      // globals_watcher_callback: invalidate, count the mutation, unwatch
      d.store.watcher = undefined;
      this.mutations.set(d, (this.mutations.get(d) ?? 0) + 1);
      this.invalidateDependency(d, "watched dict modified");
    };
  }

  private typeModified(t: PyType): void {
    if (this.faults.noTypeInvalidation) return;
    this.invalidateDependency(t, "type modified");
  }

  /** code_dealloc: invalidate executors that inlined it, and free the ones attached to it. */
  codeDealloc(code: PyCode): void {
    this.invalidateDependency(code, "code deallocated");
    const arr = this.executors.get(code);
    this.sinceDetach.delete(code);
    if (arr === undefined) return;
    this.executors.delete(code);
    for (const e of arr) if (e !== null) this.invalidate(e, "code deallocated");
  }

  // ------------------------------------------------------------------ introspection

  /** Every live executor, listed like _opcode.get_executor. */
  listing(): string {
    const out: string[] = [];
    let i = 0;
    for (const e of this.live) out.push(formatExecutor(e, `executor ${i++}`));
    return out.length === 0 ? "no executors" : out.join("\n\n");
  }

  /** Executors attached to code objects: (code, index, executor), for tests and listings. */
  *installed(): Generator<{ code: PyCode; index: number; executor: ExecutorObject }> {
    for (const [code, arr] of this.executors) {
      for (let i = 0; i < arr.length; i++) {
        const e = arr[i];
        if (e !== null && e !== undefined) yield { code, index: i, executor: e };
      }
    }
  }

  dependentsOf(obj: object): ReadonlySet<ExecutorObject> {
    return this.dependents.get(obj) ?? new Set();
  }

  isWatched(d: PyDict): boolean {
    return d.store.watcher !== undefined;
  }
}

